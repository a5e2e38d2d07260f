/**
 * The NSG remediation orchestration: one instance per NSG, deterministic (no clock, I/O or randomness here — every
 * side effect is an activity with a retry policy). Read → evaluate → plan → tell Teams → by mode: record, ask,
 * or apply → re-check before applying → apply with If-Match → verify by reading back → record → tell Teams.
 */
import * as df from 'durable-functions';
import type { OrchestrationContext, OrchestrationHandler, Task } from 'durable-functions';
import type { RemediationPlan } from '../plan/types';
import { FunctionNames, REMEDIATION_EVENT } from './names';
import { planCoveredBy } from './planCoverage';
import type {
  ApplyOutcome,
  ApprovalLinks,
  Evaluated,
  EvaluateOutcome,
  Outcome,
  RemediationEvent,
  RemediationInput,
  RemediationResult,
  RemediationStatus,
  VerifyOutcome,
} from './types';
import type { RemediationNotice } from '../notify/teamsCard';
import type { AuditRecordInput } from '../audit/types';

const A = FunctionNames.activities;
/** Re-plans allowed in one run (a 412 race, a stale plan, a failed verification) before giving up loudly. */
const MAX_ROUNDS = 5;

/** Activities that write to Azure or stores retry transient failures; a remediation never silently gives up. */
function retry(): df.RetryOptions {
  const options = new df.RetryOptions(1000, 5);
  options.backoffCoefficient = 2;
  options.maxRetryIntervalInMilliseconds = 30_000;
  return options;
}

type Waited =
  | { kind: 'decision'; event: Extract<RemediationEvent, { type: 'decision' }> }
  | { kind: 'timeout' }
  | { kind: 'changed'; evaluation: EvaluateOutcome };

export const nsgRemediationOrchestrator: OrchestrationHandler = function* (context: OrchestrationContext) {
  const input = context.df.getInput() as RemediationInput;
  const instanceId = context.df.instanceId;
  const nsgId = input.nsgId;
  const setStatus = (status: Omit<RemediationStatus, 'nsgId'>) => context.df.setCustomStatus({ nsgId, ...status });

  const audit = (record: Omit<AuditRecordInput, 'resourceId' | 'time' | 'instanceId'>): Task =>
    context.df.callActivityWithRetry(A.audit, retry(), {
      ...record,
      resourceId: nsgId,
      instanceId,
      time: context.df.currentUtcDateTime.toISOString(),
    } satisfies AuditRecordInput);
  const notify = (notice: RemediationNotice): Task => context.df.callActivity(A.notify, { notice, instanceId });

  const finish = function* (outcome: Outcome, planHash?: string, detail?: string): Generator<Task, RemediationResult, unknown> {
    setStatus({ stage: 'done', ...(planHash ? { planHash } : {}) });
    // Signals that arrived while this run was busy are buffered; take one more look rather than lose them.
    const pending = context.df.waitForExternalEvent(REMEDIATION_EVENT);
    const now = context.df.createTimer(new Date(context.df.currentUtcDateTime.getTime()));
    const first = yield context.df.Task.any([pending, now]);
    if (first === pending && (pending.result as RemediationEvent).type === 'signal') {
      now.cancel();
      const signal = pending.result as Extract<RemediationEvent, { type: 'signal' }>;
      context.df.continueAsNew({ nsgId, trigger: 'signal', ...(signal.change ? { change: signal.change } : {}) } satisfies RemediationInput);
    }
    return { nsgId, outcome, ...(planHash ? { planHash } : {}), ...(detail ? { detail } : {}) };
  };

  let change = input.change;
  let announcedPlanHash: string | undefined;
  let approvedPlan: RemediationPlan | undefined;
  let evaluation = (yield context.df.callActivityWithRetry(A.evaluate, retry(), { nsgId, instanceId, ...(change ? { change } : {}) })) as EvaluateOutcome;

  for (let round = 1; ; round += 1) {
    setStatus({ stage: 'evaluating' });
    if (evaluation.status !== 'evaluated') return yield* finish(evaluation.status);
    if (!evaluation.unsafe) return yield* finish('withinPolicy', evaluation.plan.hash);
    if (evaluation.alreadyKept) return yield* finish('kept', evaluation.plan.hash, 'this state was already decided: kept');
    const plan = evaluation.plan;
    const notice = (stage: RemediationNotice['stage'], extra: Partial<RemediationNotice> = {}): RemediationNotice =>
      noticeFor(evaluation as Evaluated, stage, change, extra);

    if (round > MAX_ROUNDS) {
      const detail = `gave up after ${MAX_ROUNDS} attempts: the NSG kept changing or the remediation did not hold`;
      yield audit({ type: 'remediationFailed', planHash: plan.hash, outcome: 'failed', detail });
      yield notify(notice('failed', { detail }));
      return yield* finish('failed', plan.hash, detail);
    }

    if (plan.mode === 'alert') {
      if (plan.hash !== announcedPlanHash) yield notify(notice('alertOnly'));
      return yield* finish('alerted', plan.hash);
    }

    if (plan.mode === 'approve' && !planCoveredBy(plan, approvedPlan)) {
      const expiresAt = new Date(context.df.currentUtcDateTime.getTime() + evaluation.approval.timeoutMs);
      const links = (yield context.df.callActivityWithRetry(A.issueLinks, retry(), {
        instanceId,
        nsgId,
        planHash: plan.hash,
        expiresAt: expiresAt.toISOString(),
      })) as ApprovalLinks;
      yield audit({ type: 'approvalRequested', planHash: plan.hash, detail: `approval requested until ${expiresAt.toISOString()}` });
      yield notify(notice('awaitingApproval', { links, detail: `Decide before ${expiresAt.toISOString()}; then: ${evaluation.approval.onTimeout}.` }));
      announcedPlanHash = plan.hash;
      setStatus({ stage: 'awaitingApproval', planHash: plan.hash, expiresAt: expiresAt.toISOString(), ...(evaluation.auditId ? { detectionAuditId: evaluation.auditId } : {}) });

      let waited = (yield* waitForDecision(plan, expiresAt)) as Waited;
      if (waited.kind === 'timeout' && evaluation.approval.onTimeout === 'escalate') {
        const secondDeadline = new Date(context.df.currentUtcDateTime.getTime() + evaluation.approval.timeoutMs);
        yield audit({ type: 'approvalTimedOut', planHash: plan.hash, outcome: 'escalated', detail: `escalated; waiting until ${secondDeadline.toISOString()}` });
        yield notify(notice('escalated', { links, detail: `Nobody decided in time. Waiting once more, until ${secondDeadline.toISOString()}; then the change is kept.` }));
        setStatus({ stage: 'awaitingApproval', planHash: plan.hash, expiresAt: secondDeadline.toISOString(), ...(evaluation.auditId ? { detectionAuditId: evaluation.auditId } : {}) });
        waited = (yield* waitForDecision(plan, secondDeadline)) as Waited;
      }
      if (waited.kind === 'changed') {
        evaluation = waited.evaluation;
        continue;
      }
      if (waited.kind === 'timeout') {
        const action = evaluation.approval.onTimeout === 'revert' ? 'revert' : 'keep';
        yield audit({ type: 'approvalTimedOut', planHash: plan.hash, outcome: action, detail: `no decision by the deadline; policy says ${action}` });
        if (action === 'keep') {
          yield audit({ type: 'changeKept', planHash: plan.hash, outcome: 'kept', detail: 'approval timed out' });
          yield notify(notice('kept', { detail: 'Nobody decided in time; the policy keeps the change. It stays recorded as drift.' }));
          return yield* finish('kept', plan.hash);
        }
        approvedPlan = plan;
      } else {
        const { decision, approver } = waited.event;
        const by = approver.name ?? approver.id;
        yield audit({ type: 'decisionRecorded', planHash: plan.hash, decision, approver, outcome: decision });
        if (decision === 'reject') {
          yield audit({ type: 'changeKept', planHash: plan.hash, outcome: 'rejected', approver, detail: `rejected by ${by}` });
          yield notify(notice('rejected', { decidedBy: by }));
          return yield* finish('rejected', plan.hash);
        }
        if (decision === 'accept') {
          const accepted = (yield context.df.callActivityWithRetry(A.acceptBaseline, retry(), { nsgId, approver, planHash: plan.hash, instanceId })) as { version: number };
          yield notify(notice('accepted', { decidedBy: by, detail: `The current state is now baseline version ${accepted.version}.` }));
          return yield* finish('accepted', plan.hash);
        }
        approvedPlan = plan;
      }
    }

    setStatus({ stage: 'applying', planHash: plan.hash });
    let applied: ApplyOutcome;
    try {
      applied = (yield context.df.callActivityWithRetry(A.apply, retry(), { nsgId, plan, instanceId })) as ApplyOutcome;
    } catch (err) {
      applied = { status: 'failed', applied: [], detail: `still failing after retries: ${errorText(err)}` };
    }
    if (applied.status === 'failed') {
      yield audit({ type: 'remediationFailed', planHash: plan.hash, plan, outcome: 'failed', detail: applied.detail, before: applied.applied });
      yield notify(notice('failed', { detail: applied.detail }));
      return yield* finish('failed', plan.hash, applied.detail);
    }
    if (applied.status !== 'applied') {
      yield audit({ type: 'remediationStale', planHash: plan.hash, outcome: applied.status, detail: applied.detail });
      evaluation = (yield context.df.callActivityWithRetry(A.evaluate, retry(), { nsgId, instanceId, previousPlanHash: plan.hash, ...(change ? { change } : {}) })) as EvaluateOutcome;
      continue;
    }
    const applyMs = applied.durationMs;

    setStatus({ stage: 'verifying', planHash: plan.hash });
    const verified = (yield context.df.callActivityWithRetry(A.verify, retry(), { nsgId, plan, exposureBefore: evaluation.exposureAdded })) as VerifyOutcome;
    if (!verified.verified) {
      yield audit({
        type: 'remediationStale',
        planHash: plan.hash,
        outcome: 'unverified',
        detail: `after applying, still unsafe: ${verified.remaining.map((f) => f.title).join('; ')}`,
      });
      evaluation = (yield context.df.callActivityWithRetry(A.evaluate, retry(), { nsgId, instanceId, previousPlanHash: plan.hash, ...(change ? { change } : {}) })) as EvaluateOutcome;
      continue;
    }
    yield audit({
      type: 'remediated',
      planHash: plan.hash,
      plan,
      outcome: 'remediated',
      before: plan.actions,
      after: { etag: verified.etag },
      ...(approvedPlan ? {} : { detail: 'applied automatically (mode auto)' }),
      timings: { applyMs },
    });
    yield notify(notice('remediated', { exposureClosed: verified.exposureClosed }));
    return yield* finish('remediated', plan.hash);
  }

  /** Waits for a decision on `plan`, the deadline, or a change of the NSG that makes the plan stale. */
  function* waitForDecision(plan: RemediationPlan, deadline: Date): Generator<Task, Waited, unknown> {
    for (;;) {
      // A fresh wait and timer per round: a task that lost a race is not reused in the next one.
      const event = context.df.waitForExternalEvent(REMEDIATION_EVENT);
      const timer = context.df.createTimer(deadline);
      const winner = yield context.df.Task.any([event, timer]);
      if (winner === timer) return { kind: 'timeout' };
      timer.cancel();
      const received = event.result as RemediationEvent;
      if (received.type === 'decision') {
        // A decision for an older plan (a stale page) is ignored; the approval endpoint refuses those already.
        if (received.planHash === plan.hash) return { kind: 'decision', event: received };
        continue;
      }
      if (received.change) change = received.change;
      const next = (yield context.df.callActivityWithRetry(A.evaluate, retry(), {
        nsgId,
        instanceId,
        previousPlanHash: plan.hash,
        ...(change ? { change } : {}),
      })) as EvaluateOutcome;
      // The same plan (a duplicate event, a change that did not matter) keeps the current approval open.
      if (next.status !== 'evaluated' || next.plan.hash !== plan.hash) return { kind: 'changed', evaluation: next };
    }
  }
};

function noticeFor(
  e: Evaluated,
  stage: RemediationNotice['stage'],
  change: RemediationInput['change'],
  extra: Partial<RemediationNotice>,
): RemediationNotice {
  return {
    stage,
    resourceId: e.nsgId,
    resourceName: e.nsgName,
    ...(change ? { actor: change.actor, changedAt: change.time } : {}),
    ...(e.plan.severity ? { severity: e.plan.severity } : {}),
    findings: e.findings.filter((f) => !f.exempted).map((f) => ({ title: f.title, severity: f.severity })),
    drift: e.drift,
    exposureAdded: e.exposureAdded,
    plan: { hash: e.plan.hash, mode: e.plan.mode, actions: e.plan.actions },
    ...(e.auditId ? { auditId: e.auditId } : {}),
    ...extra,
  };
}

function errorText(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.split('\n')[0] ?? message;
}
