/**
 * Teams messages: an Adaptive Card 1.4 (what Teams Workflows webhooks render reliably) inside the message envelope
 * Workflows expects. Cards carry only what a human needs to decide: resource, actor, time, diff, exposure, plan and
 * links to the approval page (which itself never acts on GET). No webhook URL, signing key or bearer token ever
 * goes into a card. Pure: everything comes in as data.
 */
import { driftSummary, type DriftView } from '../evaluate/describe';
import type { Actor } from '../events/types';
import type { ExposureEntry } from '../network/types';
import { describeAction } from '../plan/describeAction';
import type { PlanAction } from '../plan/types';

export type NoticeStage =
  | 'detected'
  | 'awaitingApproval'
  | 'remediated'
  | 'failed'
  | 'rejected'
  | 'kept'
  | 'accepted'
  | 'escalated'
  | 'alertOnly'
  | 'undone';

export interface RemediationNotice {
  stage: NoticeStage;
  resourceId: string;
  resourceName: string;
  /** Who made the change, when the event said so. */
  actor?: Actor;
  /** ISO 8601 time of the change. */
  changedAt?: string;
  severity?: string;
  findings: { title: string; severity: string }[];
  drift: DriftView[];
  exposureAdded: ExposureEntry[];
  /** After a verified remediation: what is no longer reachable. */
  exposureClosed?: ExposureEntry[];
  plan?: { hash: string; mode: string; actions: PlanAction[] };
  /** Whether the plan was carried out (outcome cards): shown so nobody reads a kept change's plan as done. */
  planApplied?: boolean;
  /** How the drift was found when no event told (the reconciliation sweep). */
  foundBy?: string;
  /** Free text for failures, timeouts and decisions (already free of secrets). */
  detail?: string;
  /** Who decided, for decision outcomes. */
  decidedBy?: string;
  /** Links to the approval page; present while a decision is possible. */
  links?: { review: string; approve?: string; reject?: string; accept?: string };
  /** Link to the audit record, for outcomes. */
  auditId?: string;
}

const MAX_ROWS = 10;

const STAGE_TITLE: Record<NoticeStage, string> = {
  detected: 'Drift detected',
  awaitingApproval: 'Approval needed: drift will be reverted',
  remediated: 'Drift reverted and verified',
  failed: 'Remediation FAILED',
  rejected: 'Remediation rejected: change kept',
  kept: 'No decision in time: change kept',
  accepted: 'Change accepted as the new baseline',
  escalated: 'Escalated: approval still needed',
  alertOnly: 'Drift detected (alert only)',
  undone: 'Remediation undone',
};

const STAGE_COLOR: Record<NoticeStage, string> = {
  detected: 'Warning',
  awaitingApproval: 'Warning',
  remediated: 'Good',
  failed: 'Attention',
  rejected: 'Default',
  kept: 'Attention',
  accepted: 'Good',
  escalated: 'Attention',
  alertOnly: 'Warning',
  undone: 'Default',
};

/** The JSON body to POST to a Teams Workflows webhook. */
export function teamsMessage(notice: RemediationNotice): Record<string, unknown> {
  return {
    type: 'message',
    attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', contentUrl: null, content: adaptiveCard(notice) }],
  };
}

export function adaptiveCard(n: RemediationNotice): Record<string, unknown> {
  const body: Record<string, unknown>[] = [
    { type: 'TextBlock', text: `${STAGE_TITLE[n.stage]}${n.severity ? ` · ${n.severity.toUpperCase()}` : ''}`, weight: 'Bolder', size: 'Large', color: STAGE_COLOR[n.stage], wrap: true },
    { type: 'TextBlock', text: `NSG **${escape(n.resourceName)}**`, wrap: true, spacing: 'None' },
    {
      type: 'FactSet',
      facts: [
        { title: 'Resource', value: escape(n.resourceId) },
        ...(n.actor ? [{ title: 'Changed by', value: escape(actorLine(n.actor)) }] : []),
        ...(!n.actor && n.foundBy ? [{ title: 'Found by', value: escape(n.foundBy) }] : []),
        ...(n.changedAt ? [{ title: 'When', value: n.changedAt }] : []),
        ...(n.decidedBy ? [{ title: 'Decided by', value: escape(n.decidedBy) }] : []),
        ...(n.plan ? [{ title: 'Mode', value: n.plan.mode }, { title: 'Plan', value: n.plan.hash.slice(0, 12) }] : []),
        ...(n.auditId ? [{ title: 'Audit record', value: n.auditId }] : []),
      ],
    },
  ];
  if (n.detail) body.push({ type: 'TextBlock', text: escape(n.detail), wrap: true, color: n.stage === 'failed' ? 'Attention' : 'Default' });
  if (n.findings.length > 0) {
    body.push(section('Findings'));
    for (const f of n.findings.slice(0, MAX_ROWS)) body.push({ type: 'TextBlock', text: `**${f.severity.toUpperCase()}** ${escape(f.title)}`, wrap: true, spacing: 'Small' });
    if (n.findings.length > MAX_ROWS) body.push(more(n.findings.length - MAX_ROWS));
  }
  if (n.drift.length > 0) {
    body.push(section('What changed'));
    for (const d of n.drift.slice(0, MAX_ROWS)) body.push({ type: 'TextBlock', text: escape(driftSummary(d)), wrap: true, fontType: 'Monospace', spacing: 'Small' });
    if (n.drift.length > MAX_ROWS) body.push(more(n.drift.length - MAX_ROWS));
  }
  if (n.exposureAdded.length > 0) {
    body.push(section('Exposure: before → after'));
    body.push(exposureTable(n.exposureAdded, 'not reachable', 'reachable'));
  }
  if (n.exposureClosed && n.exposureClosed.length > 0) {
    body.push(section('Closed again (verified)'));
    body.push(exposureTable(n.exposureClosed, 'reachable', 'not reachable'));
  }
  if (n.plan && n.plan.actions.length > 0) {
    body.push(section(n.planApplied === undefined ? 'Plan' : n.planApplied ? 'Plan (applied)' : 'Plan (not applied)'));
    n.plan.actions.slice(0, MAX_ROWS).forEach((a, i) =>
      body.push({ type: 'TextBlock', text: `${i + 1}. ${escape(actionLine(a))}`, wrap: true, spacing: 'Small' }),
    );
    if (n.plan.actions.length > MAX_ROWS) body.push(more(n.plan.actions.length - MAX_ROWS));
  }
  const actions: Record<string, unknown>[] = [];
  if (n.links) {
    actions.push({ type: 'Action.OpenUrl', title: 'Review plan', url: n.links.review });
    if (n.links.approve) actions.push({ type: 'Action.OpenUrl', title: 'Approve revert…', url: n.links.approve });
    if (n.links.reject) actions.push({ type: 'Action.OpenUrl', title: 'Reject…', url: n.links.reject });
    if (n.links.accept) actions.push({ type: 'Action.OpenUrl', title: 'Accept as baseline…', url: n.links.accept });
  }
  return {
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    type: 'AdaptiveCard',
    version: '1.4',
    body,
    ...(actions.length > 0 ? { actions } : {}),
    msteams: { width: 'Full' },
  };
}

export function actorLine(a: Actor): string {
  const kind = { user: 'user', servicePrincipal: 'service principal', managedIdentity: 'managed identity', unknown: 'unknown caller' }[a.type];
  const who = a.upn ?? a.name ?? (a.appId ? `app ${a.appId}` : undefined) ?? a.objectId ?? 'unidentified';
  return `${who} (${kind}${a.appId && a.upn ? `, app ${a.appId}` : ''}${a.clientIp ? `, from ${a.clientIp}` : ''})`;
}

export function actionLine(a: PlanAction): string {
  const text = describeAction(a);
  return `${text.charAt(0).toUpperCase()}${text.slice(1)} (${a.reason})`;
}

function exposureTable(entries: ExposureEntry[], before: string, after: string): Record<string, unknown> {
  const rows = entries.slice(0, MAX_ROWS).map((e) => ({
    type: 'ColumnSet',
    spacing: 'Small',
    columns: [
      column(escape(`${e.protocol} ${portsLabel(e)}`), 'auto'),
      column(escape(`${e.sourceClass} (${e.sources.slice(0, 3).join(', ')}${e.sources.length > 3 ? ', …' : ''})`), 'stretch'),
      column(`${before} → **${after}**`, 'auto'),
      column(escape(`rule ${e.rule}`), 'auto'),
    ],
  }));
  return { type: 'Container', items: entries.length > MAX_ROWS ? [...rows, more(entries.length - MAX_ROWS)] : rows };
}

/** ICMP, ESP and AH have no ports; for the others, `*` is every port. */
function portsLabel(e: ExposureEntry): string {
  if (e.protocol === 'Icmp' || e.protocol === 'Esp' || e.protocol === 'Ah') return '';
  if (e.fromPort === 0 && e.toPort === 65535) return 'all ports';
  return e.fromPort === e.toPort ? String(e.fromPort) : `${e.fromPort}-${e.toPort}`;
}

/** `markdown` is already escaped where it holds user-controlled text. */
function column(markdown: string, width: string) {
  return { type: 'Column', width, items: [{ type: 'TextBlock', text: markdown, wrap: true, size: 'Small' }] };
}

function section(title: string) {
  return { type: 'TextBlock', text: title, weight: 'Bolder', spacing: 'Medium', separator: true };
}

function more(n: number) {
  return { type: 'TextBlock', text: `…and ${n} more (see the approval page)`, isSubtle: true, size: 'Small' };
}

/** Adaptive Card TextBlocks render a Markdown subset; keep user-controlled text from being read as Markdown. */
function escape(text: string): string {
  return text.replace(/([\\*_[\]`])/g, '\\$1');
}
