/** Activity: read the NSG (with its etag) and its baseline, evaluate against policy, record what was found. */
import { describeDrift } from '../../evaluate/describe';
import { evaluateNsg, hasUnsafeDrift } from '../../evaluate/evaluateNsg';
import type { RemediationServices } from '../services';
import type { AuditRecord } from '../../audit/types';
import type { Actor } from '../../events/types';
import type { RuleDrift } from '../../network/types';
import { ruleSnapshot, sameRule } from '../../plan/ruleSnapshot';
import type { Exemption, Policy } from '../../policy/types';
import type { EvaluateInput, EvaluateOutcome, TriggeringChange } from '../types';

export async function evaluateNsgDrift(input: EvaluateInput, services: RemediationServices): Promise<EvaluateOutcome> {
  const time = services.now().toISOString();
  const baseline = await services.baselines.get(input.nsgId);
  if (!baseline) {
    await services.audit.append({
      type: 'noBaseline',
      resourceId: input.nsgId,
      time,
      instanceId: input.instanceId,
      ...changeFields(input),
      detail: 'no baseline is stored for this NSG; capture one with `driftwarden baseline capture` (or `npm start` does it locally)',
    });
    return { status: 'noBaseline', nsgId: input.nsgId };
  }
  const current = await services.network.getNsg(input.nsgId);
  if (!current) {
    await services.audit.append({ type: 'resourceGone', resourceId: input.nsgId, time, instanceId: input.instanceId, ...changeFields(input), detail: 'the NSG no longer exists' });
    return { status: 'resourceGone', nsgId: input.nsgId };
  }
  // One read of this NSG's history serves the kept rules, kept plans and earlier announcements below.
  const history = await services.audit.list({ resourceId: baseline.resourceId });
  const kept = history.filter((r) => r.type === 'changeKept');
  const policy = withKeptRules(services.policy, keptRules(kept, baseline.resourceId, baseline.capturedAt, current.body));
  const evaluation = evaluateNsg({ current: current.body, currentEtag: current.etag, baseline, policy, now: time });
  const unsafe = hasUnsafeDrift(evaluation);
  const findings = evaluation.findings.map((f) => ({ id: f.id, rule: f.rule, severity: f.severity, title: f.title, exempted: f.exemption !== undefined }));
  const drift = evaluation.drift.map(describeDrift);
  let auditId: string | undefined;
  // A plan for this exact state that a human (or the timeout policy) decided to keep is not asked about again.
  const alreadyKept = unsafe && kept.some((r) => r.planHash === evaluation.plan.hash);
  // The same plan announced before (an earlier run, a sweep): the same record stands for it.
  const announced = unsafe ? history.filter((r) => r.type === 'driftDetected' && r.planHash === evaluation.plan.hash).pop() : undefined;
  const { authors, authorsComplete } = authorship(evaluation.drift, input.changes, announced);
  if (announced) auditId = announced.id;
  if (unsafe && !alreadyKept && !announced && evaluation.plan.hash !== input.previousPlanHash) {
    const record = await services.audit.append({
      type: 'driftDetected',
      resourceId: evaluation.resourceId,
      time,
      instanceId: input.instanceId,
      ...changeFields(input),
      planHash: evaluation.plan.hash,
      plan: evaluation.plan,
      ...(evaluation.plan.severity ? { severity: evaluation.plan.severity } : {}),
      findings: findings.map(({ rule, severity, title }) => ({ rule, severity, title })),
      drift,
      exposureAdded: evaluation.exposureAdded,
      baselineVersion: baseline.version,
      before: { etag: current.etag },
      authors,
      authorsComplete,
    });
    auditId = record.id;
  } else if (!unsafe && evaluation.drift.length > 0 && input.previousPlanHash === undefined) {
    await services.audit.append({
      type: 'driftWithinPolicy',
      resourceId: evaluation.resourceId,
      time,
      instanceId: input.instanceId,
      ...changeFields(input),
      drift,
      findings: findings.map(({ rule, severity, title }) => ({ rule, severity, title })),
      baselineVersion: baseline.version,
      detail: findings.length > 0 ? 'drift covered by an exemption' : 'drift that does not widen exposure beyond policy',
    });
  }
  const body = current.body as { name?: unknown };
  return {
    status: 'evaluated',
    nsgId: evaluation.resourceId,
    nsgName: typeof body.name === 'string' ? body.name : (evaluation.resourceId.split('/').pop() ?? ''),
    etag: current.etag,
    baselineVersion: baseline.version,
    unsafe,
    plan: evaluation.plan,
    findings,
    drift,
    exposureAdded: evaluation.exposureAdded,
    approval: { timeoutMs: policy.approval.timeoutMs, onTimeout: policy.approval.onTimeout },
    ...(auditId ? { auditId } : {}),
    ...(alreadyKept ? { alreadyKept } : {}),
    ...(announced ? { alreadyAnnounced: true } : {}),
    authors,
    authorsComplete,
  };
}

/**
 * Rules a human (or the timeout policy) decided to keep since the baseline was captured, as long as each is still
 * exactly as it was kept: they are exempted, so the next unrelated change does not sweep them into its plan.
 */
function keptRules(keptRecords: readonly AuditRecord[], nsgId: string, since: string, body: Record<string, unknown>): Exemption[] {
  const records = keptRecords.filter((r) => r.time >= since && r.plan);
  const out: Exemption[] = [];
  for (const record of records) {
    for (const action of record.plan!.actions) {
      if (action.type === 'createSecurityRule') continue; // a kept removal shows up on other rules; not exempted
      const now = ruleSnapshot(body, action.rule);
      if (!now || !sameRule(now, action.before)) continue;
      const by = record.approver?.name ?? record.approver?.id ?? 'the approval timeout';
      out.push({ resourceId: nsgId, rule: action.rule, expires: '9999-12-31T00:00:00.000Z', reason: `kept by ${by} on ${record.time} (audit ${record.id})` });
    }
  }
  return out;
}

function withKeptRules(policy: Policy, kept: Exemption[]): Policy {
  return kept.length === 0 ? policy : { ...policy, exemptions: [...policy.exemptions, ...kept] };
}

/**
 * Who made the drifted rules what they are: for each drifted rule, the newest change event for that rule or for the
 * whole NSG. A rule no event accounts for (a sweep found it, or its event was lost) makes the list incomplete.
 */
function authorship(drift: readonly RuleDrift[], changes: readonly TriggeringChange[], announced: AuditRecord | undefined): { authors: Actor[]; authorsComplete: boolean } {
  const byTime = [...changes].sort((a, b) => b.time.localeCompare(a.time));
  const authors = new Map<string, Actor>();
  let complete = drift.length > 0;
  for (const d of drift) {
    const name = (d.type === 'modified' ? d.after.name : d.rule.name).toLowerCase();
    const change = byTime.find((c) => c.kind === 'networkSecurityGroup' || c.ruleName?.toLowerCase() === name);
    if (!change) {
      complete = false;
      continue;
    }
    authors.set(change.actor.objectId ?? change.actor.appId ?? change.actor.upn ?? 'unknown', change.actor);
  }
  // What an earlier run of the same plan knew still holds.
  for (const a of announced?.authors ?? []) authors.set(a.objectId ?? a.appId ?? a.upn ?? 'unknown', a);
  if (announced?.authorsComplete) complete = true;
  return { authors: [...authors.values()], authorsComplete: complete };
}

function changeFields(input: EvaluateInput) {
  const c = [...input.changes].sort((a, b) => b.time.localeCompare(a.time))[0];
  if (!c) return {};
  return { eventId: c.eventId, actor: c.actor, ...(c.correlationId ? { correlationId: c.correlationId } : {}) };
}
