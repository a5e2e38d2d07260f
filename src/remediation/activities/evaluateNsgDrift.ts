/** Activity: read the NSG (with its etag) and its baseline, evaluate against policy, record what was found. */
import { describeDrift } from '../../evaluate/describe';
import { evaluateNsg, hasUnsafeDrift } from '../../evaluate/evaluateNsg';
import type { RemediationServices } from '../services';
import type { EvaluateInput, EvaluateOutcome } from '../types';

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
  const evaluation = evaluateNsg({ current: current.body, currentEtag: current.etag, baseline, policy: services.policy, now: time });
  const unsafe = hasUnsafeDrift(evaluation);
  const findings = evaluation.findings.map((f) => ({ id: f.id, rule: f.rule, severity: f.severity, title: f.title, exempted: f.exemption !== undefined }));
  const drift = evaluation.drift.map(describeDrift);
  let auditId: string | undefined;
  // A plan for this exact state that a human (or the timeout policy) decided to keep is not asked about again.
  const alreadyKept =
    unsafe && (await services.audit.list({ resourceId: evaluation.resourceId, type: 'changeKept' })).some((r) => r.planHash === evaluation.plan.hash);
  if (unsafe && !alreadyKept && evaluation.plan.hash !== input.previousPlanHash) {
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
    approval: { timeoutMs: services.policy.approval.timeoutMs, onTimeout: services.policy.approval.onTimeout },
    ...(auditId ? { auditId } : {}),
    ...(alreadyKept ? { alreadyKept } : {}),
  };
}

function changeFields(input: EvaluateInput) {
  const c = input.change;
  if (!c) return {};
  return { eventId: c.eventId, actor: c.actor, ...(c.correlationId ? { correlationId: c.correlationId } : {}) };
}
