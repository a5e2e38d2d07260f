/** Human-readable output of the CLI commands (the JSON output is the data itself). */
import type { NsgEvaluation } from '../evaluate/evaluateNsg';
import { describeDrift, driftSummary } from '../evaluate/describe';
import type { IntakeResult } from '../events/types';
import type { ExposureEntry, NsgExposure } from '../network/types';
import { describeAction } from '../plan/describeAction';
import type { RemediationPlan } from '../plan/types';
import { renderTable } from './table';

export function renderIntake(result: IntakeResult): string {
  const out: string[] = [];
  out.push(`${result.changes.length} change(s), ${result.ignored.length} ignored, ${result.errors.length} error(s)`);
  if (result.changes.length > 0) {
    out.push('', 'Changes');
    out.push(
      renderTable(
        ['#', 'KIND', 'OP', 'RESOURCE', 'ACTOR', 'TIME'],
        result.changes.map((c, i) => [
          String(i),
          c.kind,
          c.status === 'succeeded' ? c.operation : `${c.operation} (${c.status})`,
          c.resourceId,
          actorText(c.actor),
          c.time,
        ]),
      ),
    );
  }
  if (result.ignored.length > 0) {
    out.push('', 'Ignored');
    out.push(renderTable(['INDEX', 'TYPE', 'REASON'], result.ignored.map((i) => [String(i.index), i.eventType ?? '-', i.reason])));
  }
  if (result.errors.length > 0) {
    out.push('', 'Errors');
    out.push(renderTable(['INDEX', 'FIELD', 'PROBLEM'], result.errors.map((e) => [String(e.index), e.field, e.message])));
  }
  return out.join('\n');
}

export function actorText(actor: { type: string; upn?: string; appId?: string; objectId?: string; clientIp?: string }): string {
  const who = actor.upn ?? (actor.appId ? `app ${actor.appId}` : actor.objectId ? `object ${actor.objectId}` : 'unknown');
  return `${actor.type}: ${who}${actor.clientIp ? ` from ${actor.clientIp}` : ''}`;
}

export function renderExposure(nsgs: NsgExposure[]): string {
  return nsgs
    .map((n) =>
      [
        `NSG ${n.name}  ${n.id}`,
        'Inbound (reachable from)',
        exposureTable(n.inbound),
        'Outbound (reachable to)',
        exposureTable(n.outbound, 'DESTINATIONS'),
      ].join('\n'),
    )
    .join('\n\n');
}

export function exposureTable(entries: readonly ExposureEntry[], prefixesHeader = 'SOURCES'): string {
  if (entries.length === 0) return '  (nothing)';
  return renderTable(
    ['PROTOCOL', 'PORTS', 'CLASS', prefixesHeader, 'RULE'],
    entries.map((e) => [e.protocol, portsText(e), e.sourceClass, e.sources.join(', '), e.rule]),
  );
}

function portsText(e: { fromPort: number; toPort: number }): string {
  if (e.fromPort === 0 && e.toPort === 65535) return '*';
  return e.fromPort === e.toPort ? String(e.fromPort) : `${e.fromPort}-${e.toPort}`;
}

export function renderEvaluation(e: NsgEvaluation): string {
  const out: string[] = [];
  out.push(`NSG ${e.resourceId}  (baseline v${e.baselineVersion})`);
  if (e.change) {
    out.push(`Event ${e.change.eventId}: ${e.change.kind} ${e.change.operation}${e.change.ruleName ? ` '${e.change.ruleName}'` : ''} by ${actorText(e.change.actor)} at ${e.change.time}`);
  }
  out.push('', 'Drift');
  if (e.drift.length === 0) out.push('  (none: the NSG matches its baseline)');
  for (const d of e.drift.map(describeDrift)) out.push(`  ${driftSummary(d)}`);
  out.push('', 'Newly reachable');
  out.push(exposureTable(e.exposureAdded));
  out.push('', 'Findings');
  if (e.findings.length === 0) out.push('  (none: nothing beyond policy)');
  for (const f of e.findings) {
    out.push(`  [${f.severity.toUpperCase()}] ${f.title}${f.exemption ? `  (exempted until ${f.exemption.expires}: ${f.exemption.reason})` : ''}`);
  }
  out.push('', renderPlan(e.plan));
  return out.join('\n');
}

export function renderPlan(plan: RemediationPlan): string {
  const out = [`Plan ${plan.hash.slice(0, 12)}  mode: ${plan.mode}${plan.severity ? `  severity: ${plan.severity}` : ''}`];
  if (plan.actions.length === 0) out.push('  (nothing to do)');
  plan.actions.forEach((a, i) => out.push(`  ${i + 1}. ${describeAction(a)}`, `     why: ${a.reason}`));
  for (const w of plan.warnings) out.push(`  warning: ${w}`);
  return out.join('\n');
}
