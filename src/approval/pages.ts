/**
 * The approval pages. Plain HTML with a form (no scripts): the review page shows the plan and offers Approve,
 * Reject and Accept as POST buttons; result pages say what happened in plain words. Everything user-controlled is
 * escaped. Pure.
 */
import type { AuditRecord } from '../audit/types';
import { driftSummary } from '../evaluate/describe';
import { describeAction } from '../plan/describeAction';

export interface ReviewPageInput {
  instanceId: string;
  token: string;
  intent?: string;
  expiresAt?: string;
  detection?: AuditRecord;
  planHash: string;
  nsgId: string;
}

const STYLE = `body{font-family:system-ui,sans-serif;max-width:960px;margin:2rem auto;padding:0 1rem;color:#1b1b1b}
h1{font-size:1.4rem}table{border-collapse:collapse;width:100%;margin:.5rem 0 1rem}td,th{border:1px solid #ccc;padding:.3rem .5rem;text-align:left;font-size:.9rem}
.sev{font-weight:bold;text-transform:uppercase}.critical,.high{color:#b00020}.medium{color:#a15c00}.low{color:#555}
code{background:#f3f3f3;padding:0 .2rem}form{display:inline}button{font-size:1rem;margin:.5rem .5rem .5rem 0;padding:.5rem 1rem;border-radius:4px;border:1px solid #888;cursor:pointer}
button.primary{background:#0b5cad;color:#fff;border-color:#0b5cad}.intent{outline:3px solid #f5b400}.note{color:#555;font-size:.9rem}`;

export function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="referrer" content="no-referrer"><title>${esc(title)} · driftwarden</title><style>${STYLE}</style></head><body>${body}</body></html>`;
}

export function reviewPage(input: ReviewPageInput): string {
  const d = input.detection;
  const actions = d?.plan?.actions ?? [];
  const findings = d?.findings ?? [];
  const actor = d?.actor;
  const button = (decision: string, label: string, primary = false) =>
    `<form method="post" action="${esc(`/api/approvals/${encodeURIComponent(input.instanceId)}/decision`)}">` +
    `<input type="hidden" name="t" value="${esc(input.token)}"><input type="hidden" name="decision" value="${decision}">` +
    `<button type="submit" name="submit" class="${primary ? 'primary' : ''}${input.intent === decision ? ' intent' : ''}" id="${decision}">${label}</button></form>`;
  return page(
    'Review remediation',
    `<h1>Review remediation of NSG <code>${esc(input.nsgId.split('/').pop() ?? input.nsgId)}</code></h1>
<p>${esc(input.nsgId)}</p>
<p>${actor ? `Changed by <strong>${esc(actor.upn ?? actor.name ?? actor.appId ?? actor.objectId ?? 'unknown')}</strong> (${esc(actor.type)})${actor.clientIp ? ` from ${esc(actor.clientIp)}` : ''}. ` : ''}${d?.severity ? `Severity: <span class="sev ${esc(d.severity)}">${esc(d.severity)}</span>.` : ''}
${input.expiresAt ? ` Decide before <strong>${esc(input.expiresAt)}</strong>.` : ''}</p>
<h2>Findings</h2>${findings.length ? `<ul>${findings.map((f) => `<li><span class="sev ${esc(f.severity)}">${esc(f.severity)}</span> ${esc(f.title)}</li>`).join('')}</ul>` : '<p>None recorded.</p>'}
<h2>What changed</h2>${(d?.drift ?? []).length ? `<ul>${(d?.drift ?? []).map((x) => `<li><code>${esc(driftSummary(x))}</code></li>`).join('')}</ul>` : '<p>Not recorded.</p>'}
<h2>Newly reachable</h2>${exposureTable(d?.exposureAdded ?? [])}
<h2>Plan <code>${esc(input.planHash.slice(0, 12))}</code></h2>${actions.length ? `<ol>${actions.map((a) => `<li>${esc(capitalize(describeAction(a)))}<br><span class="note">${esc(a.reason)}</span></li>`).join('')}</ol>` : '<p>No actions.</p>'}
<div id="decide">${button('approve', 'Approve revert', true)}${button('reject', 'Reject (keep the change)')}${button('accept', 'Accept as new baseline')}</div>
<p class="note">Opening this page changes nothing. A decision needs this link and your sign-in; it can be made once.</p>`,
  );
}

export interface PageLink {
  href: string;
  text: string;
}

export function resultPage(title: string, message: string, links: PageLink[] = []): string {
  const nav = links.length > 0 ? `<p id="links">${links.map((l) => `<a href="${esc(l.href)}">${esc(l.text)}</a>`).join(' · ')}</p>` : '';
  return page(title, `<h1>${esc(title)}</h1><p id="message">${esc(message)}</p>${nav}`);
}

function exposureTable(entries: { protocol: string; fromPort: number; toPort: number; sourceClass: string; sources: string[]; rule: string }[]): string {
  if (entries.length === 0) return '<p>Nothing new.</p>';
  return `<table><tr><th>Protocol</th><th>Ports</th><th>From</th><th>Sources</th><th>Rule</th></tr>${entries
    .map((e) => `<tr><td>${esc(e.protocol)}</td><td>${e.fromPort === e.toPort ? e.fromPort : `${e.fromPort}-${e.toPort}`}</td><td>${esc(e.sourceClass)}</td><td>${esc(e.sources.join(', '))}</td><td>${esc(e.rule)}</td></tr>`)
    .join('')}</table>`;
}


function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export function esc(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}
