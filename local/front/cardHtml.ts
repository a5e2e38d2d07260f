/**
 * Renders the Adaptive Card elements the product sends (TextBlock, FactSet, ColumnSet/Column, Container,
 * ActionSet, Action.OpenUrl) as static HTML, close enough to Teams to judge a card by eye and for browser tests to
 * click its buttons. Every value from the card is escaped, style values come from fixed lists, and only http(s)
 * links become hrefs. Pure.
 */
import { esc } from '../../src/approval/pages';
import { markdownToHtml } from './cardMarkdown';
import type { AdaptiveCardJson } from './types';

/** Cards nest Containers and Columns; a hostile card must not be able to exhaust the stack. */
const MAX_DEPTH = 12;

type Json = Record<string, unknown>;

export const CARD_CSS = `.ac-card{background:#fff;border:1px solid #e1dfdd;border-radius:6px;padding:12px 16px;max-width:560px}
.ac-card.ac-full{max-width:none}.ac-text{white-space:pre-wrap;overflow-wrap:anywhere;margin-top:8px}
.ac-text.ac-nowrap{white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
.ac-size-small{font-size:12px}.ac-size-default{font-size:14px}.ac-size-medium{font-size:17px}.ac-size-large{font-size:21px}.ac-size-extralarge{font-size:26px}
.ac-weight-lighter{font-weight:300}.ac-weight-bolder{font-weight:600}.ac-subtle{opacity:.7}.ac-mono{font-family:ui-monospace,Consolas,monospace}
.ac-color-dark{color:#000}.ac-color-light{color:#888}.ac-color-accent{color:#0063b1}.ac-color-good{color:#1b7f1b}.ac-color-warning{color:#a15c00}.ac-color-attention{color:#c4314b}
.ac-spacing-none{margin-top:0}.ac-spacing-small{margin-top:4px}.ac-spacing-medium{margin-top:14px}.ac-spacing-large{margin-top:20px}.ac-spacing-extralarge{margin-top:28px}.ac-spacing-padding{margin-top:16px}
.ac-sep{border-top:1px solid #e1dfdd;padding-top:8px}.ac-align-center{text-align:center}.ac-align-right{text-align:right}
.ac-facts{border-collapse:collapse;margin-top:8px}.ac-facts th{text-align:left;font-weight:600;padding:2px 16px 2px 0;vertical-align:top;white-space:nowrap}.ac-facts td{padding:2px 0;overflow-wrap:anywhere}
.ac-columns{display:flex;gap:8px;margin-top:4px}.ac-column{min-width:0}.ac-container{margin-top:8px}
.ac-style-emphasis{background:#f3f2f1;padding:8px}.ac-style-good{background:#e7f4e4;padding:8px}.ac-style-attention{background:#fbe9eb;padding:8px}.ac-style-warning{background:#fff4ce;padding:8px}.ac-style-accent{background:#e6f0fa;padding:8px}
.ac-actions{display:flex;flex-wrap:wrap;gap:8px;margin-top:14px}
.ac-action{display:inline-block;padding:6px 14px;border:1px solid #5b5fc7;border-radius:4px;color:#5b5fc7;text-decoration:none;font-weight:600;font-size:14px}
a.ac-action:hover{background:#5b5fc7;color:#fff}.ac-action.ac-disabled{border-color:#bbb;color:#999}
.ac-unsupported{margin-top:8px;color:#999;font-style:italic;font-size:12px}`;

export function cardToHtml(card: AdaptiveCardJson): string {
  const full = isObject(card.msteams) && card.msteams.width === 'Full';
  return `<div class="ac-card${full ? ' ac-full' : ''}">${elements(card.body, 0)}${actions(card.actions)}</div>`;
}

function elements(list: unknown, depth: number): string {
  if (!Array.isArray(list) || depth > MAX_DEPTH) return '';
  return list.map((el) => element(el, depth)).join('');
}

function element(el: unknown, depth: number): string {
  if (!isObject(el) || el.isVisible === false) return '';
  const common = [spacing(el.spacing), el.separator === true ? 'ac-sep' : '', align(el.horizontalAlignment)];
  switch (el.type) {
    case 'TextBlock':
      return `<div class="${classes('ac-text', ...common, ...textClasses(el))}">${markdownToHtml(str(el.text))}</div>`;
    case 'FactSet': {
      const facts = Array.isArray(el.facts) ? el.facts.filter(isObject) : [];
      const rows = facts.map((f) => `<tr><th>${markdownToHtml(str(f.title))}</th><td>${markdownToHtml(str(f.value))}</td></tr>`).join('');
      return `<table class="${classes('ac-facts', ...common)}">${rows}</table>`;
    }
    case 'ColumnSet': {
      const columns = Array.isArray(el.columns) ? el.columns.filter(isObject) : [];
      const inner = columns
        .filter((c) => c.isVisible !== false)
        .map((c) => `<div class="${classes('ac-column', containerStyle(c.style))}" style="${columnFlex(c.width)}">${elements(c.items, depth + 1)}</div>`)
        .join('');
      return `<div class="${classes('ac-columns', ...common, containerStyle(el.style))}">${inner}</div>`;
    }
    case 'Container':
      return `<div class="${classes('ac-container', ...common, containerStyle(el.style))}">${elements(el.items, depth + 1)}</div>`;
    case 'ActionSet':
      return `<div class="${classes(...common)}">${actions(el.actions)}</div>`;
    default:
      // Teams drops elements it cannot render; showing a marker here makes such a card visible as wrong.
      return `<div class="ac-unsupported">[${esc(str(el.type) || 'element without a type')} is not rendered by this local channel]</div>`;
  }
}

function actions(list: unknown): string {
  if (!Array.isArray(list) || list.length === 0) return '';
  const items = list.filter(isObject).map((a) => {
    const title = str(a.title);
    if (a.type === 'Action.OpenUrl' && isWebUrl(a.url)) {
      return `<a class="ac-action" href="${esc(a.url)}" data-action-title="${esc(title)}">${esc(title)}</a>`;
    }
    const why = a.type === 'Action.OpenUrl' ? 'not an http(s) URL' : `${str(a.type)} does not work in cards posted by a Workflows webhook`;
    return `<span class="ac-action ac-disabled" data-action-title="${esc(title)}" title="${esc(why)}">${esc(title)}</span>`;
  });
  return `<div class="ac-actions">${items.join('')}</div>`;
}

function textClasses(el: Json): string[] {
  return [
    pick('ac-size-', el.size, ['small', 'default', 'medium', 'large', 'extralarge']),
    pick('ac-weight-', el.weight, ['lighter', 'default', 'bolder']),
    pick('ac-color-', el.color, ['default', 'dark', 'light', 'accent', 'good', 'warning', 'attention']),
    el.isSubtle === true ? 'ac-subtle' : '',
    lower(el.fontType) === 'monospace' ? 'ac-mono' : '',
    el.wrap === true ? '' : 'ac-nowrap',
  ];
}

function spacing(v: unknown): string {
  return pick('ac-spacing-', v, ['none', 'small', 'medium', 'large', 'extralarge', 'padding']);
}

function align(v: unknown): string {
  return pick('ac-align-', v, ['center', 'right']);
}

function containerStyle(v: unknown): string {
  return pick('ac-style-', v, ['emphasis', 'good', 'attention', 'warning', 'accent']);
}

/** Adaptive Cards widths: `auto`, `stretch` (the default), a relative weight, or pixels. */
function columnFlex(width: unknown): string {
  const w = typeof width === 'number' ? String(width) : lower(width);
  if (w === 'auto') return 'flex:0 0 auto';
  if (/^\d{1,4}(\.\d+)?$/.test(w)) return `flex:${Number(w)} 1 0`;
  const px = /^(\d{1,4})px$/.exec(w);
  if (px) return `flex:0 0 ${px[1]}px`;
  return 'flex:1 1 0';
}

/** The class for `value` when it is one of `allowed` (Adaptive Cards enums are case-insensitive), else none. */
function pick(prefix: string, value: unknown, allowed: string[]): string {
  const v = lower(value);
  return allowed.includes(v) ? `${prefix}${v}` : '';
}

function classes(...names: string[]): string {
  return names.filter((n) => n !== '').join(' ');
}

function isWebUrl(v: unknown): v is string {
  if (typeof v !== 'string') return false;
  try {
    const protocol = new URL(v).protocol;
    return protocol === 'https:' || protocol === 'http:';
  } catch {
    return false;
  }
}

function lower(v: unknown): string {
  return typeof v === 'string' ? v.toLowerCase() : '';
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : '';
}

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
