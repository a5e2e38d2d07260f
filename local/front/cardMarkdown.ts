/**
 * The Markdown subset Teams renders in TextBlocks and fact values, as safe HTML: `**bold**`, `_italic_`, backslash
 * escapes (`\*` is a literal star — the product escapes user-controlled text that way) and line breaks. Everything
 * else is literal text, HTML-escaped. Pure.
 */
import { esc } from '../../src/approval/pages';

const ESCAPABLE = /[\\`*_{}[\]()#+\-.!|~<>]/;

export function markdownToHtml(text: string): string {
  return inline(text, 0);
}

function inline(s: string, depth: number): string {
  let out = '';
  let i = 0;
  while (i < s.length) {
    const c = s[i]!;
    const next = s[i + 1];
    if (c === '\\' && next !== undefined && ESCAPABLE.test(next)) {
      out += esc(next);
      i += 2;
      continue;
    }
    if (depth < 4 && s.startsWith('**', i)) {
      const end = findClose(s, i + 2, '**');
      if (end > i + 2) {
        out += `<strong>${inline(s.slice(i + 2, end), depth + 1)}</strong>`;
        i = end + 2;
        continue;
      }
    }
    // `_` opens emphasis only at a word start, so snake_case names stay as they are.
    if (depth < 4 && c === '_' && (i === 0 || /\s|[(*]/.test(s[i - 1]!)) && next !== undefined && !/\s/.test(next)) {
      const end = findClose(s, i + 1, '_');
      if (end > i + 1 && (end + 1 >= s.length || /[\s.,;:!?)*]/.test(s[end + 1]!))) {
        out += `<em>${inline(s.slice(i + 1, end), depth + 1)}</em>`;
        i = end + 1;
        continue;
      }
    }
    out += c === '\n' ? '<br>' : esc(c);
    i += 1;
  }
  return out;
}

/** Index of the next unescaped `marker` at or after `from`, or -1. */
function findClose(s: string, from: number, marker: string): number {
  for (let i = from; i < s.length; i++) {
    if (s[i] === '\\') {
      i += 1;
      continue;
    }
    if (s.startsWith(marker, i)) return i;
  }
  return -1;
}
