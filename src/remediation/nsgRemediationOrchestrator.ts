/**
 * The NSG remediation orchestration: one instance per NSG, deterministic (no clock, I/O or randomness here — every
 * side effect is an activity with a retry policy). Read → evaluate → plan → tell Teams → by mode: record, ask,
 * or apply → re-check before applying → apply with If-Match → verify by reading back → record → tell Teams.
 * Whatever fails for good ends the run as `failed`, recorded and announced — never silently.
 */
import * as df from 'durable-functions';
import type { OrchestrationContext, OrchestrationHandler, Task } from 'durable-functions';
import type { AuditRecordInput } from '../audit/types';
import type { RemediationNotice } from '../notify/teamsCard';
import type { PlanAction, RemediationPlan } from '../plan/types';
import type { AcceptOutcome } from './activities/acceptNsgBaseline';
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
  TriggeringChange,
  VerifyOutcome,
} from './types';

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

type Outcome2<T> = { ok: true; value: T } | { ok: false; error: string };
type Decision = Extract<RemediationEvent, { type: 'decision' }>;
type Waited =
  | { kind: 'decision'; event: Decision }
  | { kind: 'timeout' }
  | { kind: 'changed'; evaluation: EvaluateOutcome }
  | { kind: 'failed'; detail: string };

export const nsgRemediationOrchestrator: OrchestrationHandler = function* (context: OrchestrationContext) {
  const input = context.df.getInput() as RemediationInput;
  const instanceId = context.df.instanceId;
  const nsgId = input.nsgId;
  const changes: TriggeringChange[] = [];
  const addChange = (c: TriggeringChange | undefined) => {
    if (c && !changes.some((x) => x.eventId === c.eventId)) changes.push(c);
  };
  addChange(input.change);
  let evaluation: EvaluateOutcome | undefined;
  let approvedPlan: RemediationPlan | undefined;
  /** How the revert was authorized, for the outcome card. */
  let authorizedBy: string | undefined;
  /** The plan last sent to apply, and every action applied so far in this run (for the record and for undo). */
  let applyingPlan: Evaluated | undefined;
  const appliedSoFar: PlanAction[] = [];

  const setStatus = (status: Omit<RemediationStatus, 'nsgId'>) => context.df.setCustomStatus({ nsgId, ...status });

  /** Runs an activity; a failure after its retries comes back as a value instead of ending the orchestration. */
  function* safely<T>(task: Task): Generator<Task, Outcome2<T>, unknown> {
    try {
      return { ok: true, value: (yield task) as T };
    } catch (err) {
      return { ok: false, error: errorText(err) };
    }
  }
  const activity = (name: string, activityInput: unknown): Task => context.df.callActivityWithRetry(name, retry(), activityInput);
  const audit = (record: Omit<AuditRecordInput, 'resourceId' | 'time' | 'instanceId'>) =>
    safely<{ id: string }>(
      activity(A.audit, { ...record, resourceId: nsgId, instanceId, time: context.df.currentUtcDateTime.toISOString() } satisfies AuditRecordInput),
    );
  const notify = (notice: RemediationNotice) => safely(context.df.callActivity(A.notify, { notice, instanceId }));
  const evaluate = (previousPlanHash?: string) =>
    safely<EvaluateOutcome>(activity(A.evaluate, { nsgId, instanceId, changes: [...changes], ...(previousPlanHash ? { previousPlanHash } : {}) }));
  const latestChange = () => [...changes].sort((a, b) => b.time.localeCompare(a.time))[0];
  const notice = (stage: RemediationNotice['stage'], extra: Partial<RemediationNotice> = {}): RemediationNotice =>
    evaluation?.status === 'evaluated' ? noticeFor(evaluation, stage, latestChange(), extra) : bareNotice(nsgId, stage, extra);
  const appliedActions = () => uniqueActions(appliedSoFar);

  function* finish(outcome: Outcome, planHash?: string, detail?: string): Generator<Task, RemediationResult, unknown> {
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
  }

  /** The end of a run that could not complete: recorded with what was already applied, announced, status failed. */
  function* failLoudly(detail: string): Generator<Task, RemediationResult, unknown> {
    const plan = applyingPlan?.plan ?? (evaluation?.status === 'evaluated' ? evaluation.plan : undefined);
    yield* audit({
      type: 'remediationFailed',
      outcome: 'failed',
      detail,
      ...(plan ? { planHash: plan.hash, plan } : {}),
      ...(appliedSoFar.length > 0 ? { appliedActions: appliedActions() } : {}),
    });
    yield* notify(notice('failed', { detail }));
    return yield* finish('failed', plan?.hash, detail);
  }

  function* issueLinks(plan: RemediationPlan, expiresAt: Date): Generator<Task, Outcome2<ApprovalLinks>, unknown> {
    return yield* safely<ApprovalLinks>(activity(A.issueLinks, { instanceId, nsgId, planHash: plan.hash, expiresAt: expiresAt.toISOString() }));
  }

  /** Waits for a confirmed decision on `plan`, the deadline, or a change of the NSG that makes the plan stale. */
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
        if (received.planHash !== plan.hash) continue;
        const confirmed = yield* safely<{ confirmed: boolean; reason?: string }>(activity(A.confirmDecision, { instanceId, event: received }));
        if (!confirmed.ok) return { kind: 'failed', detail: `could not confirm the decision: ${confirmed.error}` };
        if (!confirmed.value.confirmed) {
          yield* audit({ type: 'decisionRefused', planHash: plan.hash, decision: received.decision, outcome: 'refused', detail: confirmed.value.reason ?? 'unconfirmed' });
          continue;
        }
        return { kind: 'decision', event: received };
      }
      addChange(received.change);
      const next = yield* evaluate(plan.hash);
      if (!next.ok) return { kind: 'failed', detail: `could not re-read the NSG: ${next.error}` };
      // The same plan (a duplicate event, a change that did not matter) keeps the current approval open.
      if (next.value.status !== 'evaluated' || next.value.plan.hash !== plan.hash) return { kind: 'changed', evaluation: next.value };
    }
  }

  const first = yield* evaluate();
  if (!first.ok) return yield* failLoudly(`could not read the NSG or its baseline: ${first.error}`);
  evaluation = first.value;

  for (let round = 1; ; round += 1) {
    setStatus({ stage: 'evaluating' });
    if (evaluation.status !== 'evaluated') return yield* finish(evaluation.status);
    const current: Evaluated = evaluation;
    const plan = current.plan;
    if (!current.unsafe) {
      if (applyingPlan) {
        // An apply was interrupted (a restart, a lost response, a conflict) and the NSG is now within policy.
        const detail = 'the NSG was back within policy when re-read after an interrupted or conflicting apply';
        const record = yield* audit({ type: 'remediated', planHash: applyingPlan.plan.hash, plan: applyingPlan.plan, outcome: 'remediated', appliedActions: appliedActions(), detail });
        yield* notify(
          noticeFor(applyingPlan, 'remediated', latestChange(), {
            exposureClosed: applyingPlan.exposureAdded,
            planApplied: true,
            detail,
            ...(authorizedBy ? { decidedBy: authorizedBy } : {}),
            ...(record.ok ? { auditId: record.value.id } : {}),
          }),
        );
        return yield* finish('remediated', applyingPlan.plan.hash, detail);
      }
      return yield* finish('withinPolicy', plan.hash);
    }
    if (current.alreadyKept) return yield* finish('kept', plan.hash, 'this state was already decided: kept');
    if (round > MAX_ROUNDS) return yield* failLoudly(`gave up after ${MAX_ROUNDS} attempts: the NSG kept changing or the remediation did not hold`);

    if (plan.mode === 'alert') {
      if (!current.alreadyAnnounced) yield* notify(notice('alertOnly'));
      return yield* finish('alerted', plan.hash);
    }

    if (plan.mode === 'approve' && !planCoveredBy(plan, approvedPlan)) {
      const expiresAt = new Date(context.df.currentUtcDateTime.getTime() + current.approval.timeoutMs);
      const links = yield* issueLinks(plan, expiresAt);
      if (!links.ok) return yield* failLoudly(`could not issue approval links: ${links.error}`);
      yield* audit({ type: 'approvalRequested', planHash: plan.hash, detail: `approval requested until ${expiresAt.toISOString()}` });
      yield* notify(notice('awaitingApproval', { links: links.value, detail: `Decide before ${expiresAt.toISOString()}; then: ${current.approval.onTimeout}.` }));
      const waiting = (until: Date) =>
        setStatus({ stage: 'awaitingApproval', planHash: plan.hash, expiresAt: until.toISOString(), ...(current.auditId ? { detectionAuditId: current.auditId } : {}) });
      waiting(expiresAt);

      let waited = yield* waitForDecision(plan, expiresAt);
      if (waited.kind === 'timeout' && current.approval.onTimeout === 'escalate') {
        const secondDeadline = new Date(context.df.currentUtcDateTime.getTime() + current.approval.timeoutMs);
        // New links: the first ones expire with the first deadline.
        const escalationLinks = yield* issueLinks(plan, secondDeadline);
        if (!escalationLinks.ok) return yield* failLoudly(`could not issue approval links: ${escalationLinks.error}`);
        yield* audit({ type: 'approvalTimedOut', planHash: plan.hash, outcome: 'escalated', detail: `escalated; waiting until ${secondDeadline.toISOString()}` });
        yield* notify(
          notice('escalated', { links: escalationLinks.value, detail: `Nobody decided in time. Waiting once more, until ${secondDeadline.toISOString()}; then the change is kept.` }),
        );
        waiting(secondDeadline);
        waited = yield* waitForDecision(plan, secondDeadline);
      }
      if (waited.kind === 'failed') return yield* failLoudly(waited.detail);
      if (waited.kind === 'changed') {
        evaluation = waited.evaluation;
        continue;
      }
      if (waited.kind === 'timeout') {
        const action = current.approval.onTimeout === 'revert' ? 'revert' : 'keep';
        yield* audit({ type: 'approvalTimedOut', planHash: plan.hash, outcome: action, detail: `no decision by the deadline; policy says ${action}` });
        if (action === 'keep') {
          yield* audit({ type: 'changeKept', planHash: plan.hash, plan, outcome: 'kept', detail: 'approval timed out' });
          yield* notify(notice('kept', { planApplied: false, detail: 'Nobody decided in time; the policy keeps the change. It stays recorded as drift.' }));
          return yield* finish('kept', plan.hash);
        }
        approvedPlan = plan;
        authorizedBy = `nobody decided by ${expiresAt.toISOString()}; reverted as the policy says (onTimeout: revert)`;
      } else {
        const { decision, approver } = waited.event;
        const by = approver.name ?? approver.id;
        yield* audit({ type: 'decisionRecorded', planHash: plan.hash, decision, approver, outcome: decision });
        if (decision === 'reject') {
          yield* audit({ type: 'changeKept', planHash: plan.hash, plan, outcome: 'rejected', approver, detail: `rejected by ${by}` });
          yield* notify(notice('rejected', { decidedBy: by, planApplied: false }));
          return yield* finish('rejected', plan.hash);
        }
        if (decision === 'accept') {
          const accepted = yield* safely<AcceptOutcome>(
            activity(A.acceptBaseline, { nsgId, approver, planHash: plan.hash, instanceId, baselineVersion: current.baselineVersion, ...(plan.etag ? { planEtag: plan.etag } : {}) }),
          );
          if (!accepted.ok) return yield* failLoudly(`could not accept the change as the baseline: ${accepted.error}`);
          if (accepted.value.status === 'changed') {
            // Something changed after the approver looked: accept nothing, show the new state, ask again.
            yield* audit({ type: 'remediationStale', planHash: plan.hash, outcome: 'changedBeforeAccept', detail: accepted.value.detail });
            const next = yield* evaluate(plan.hash);
            if (!next.ok) return yield* failLoudly(`could not re-read the NSG: ${next.error}`);
            evaluation = next.value;
            continue;
          }
          yield* notify(notice('accepted', { decidedBy: by, planApplied: false, detail: `The state that was reviewed is now baseline version ${accepted.value.version}.` }));
          return yield* finish('accepted', plan.hash);
        }
        approvedPlan = plan;
        authorizedBy = by;
      }
    }

    setStatus({ stage: 'applying', planHash: plan.hash });
    applyingPlan = current;
    const applied = yield* safely<ApplyOutcome>(activity(A.apply, { nsgId, plan, instanceId }));
    if (!applied.ok) return yield* failLoudly(`the revert still failed after retries: ${applied.error}`);
    appliedSoFar.push(...applied.value.applied);
    if (applied.value.status === 'failed') return yield* failLoudly(applied.value.detail);
    if (applied.value.status !== 'applied') {
      yield* audit({ type: 'remediationStale', planHash: plan.hash, outcome: applied.value.status, detail: applied.value.detail, appliedActions: applied.value.applied });
      const next = yield* evaluate(plan.hash);
      if (!next.ok) return yield* failLoudly(`could not re-read the NSG after a conflict: ${next.error}`);
      evaluation = next.value;
      continue;
    }
    const applyMs = applied.value.durationMs;

    setStatus({ stage: 'verifying', planHash: plan.hash });
    const verified = yield* safely<VerifyOutcome>(activity(A.verify, { nsgId, plan, exposureBefore: current.exposureAdded }));
    if (!verified.ok) return yield* failLoudly(`the revert was applied but could not be verified by reading it back: ${verified.error}`);
    if (!verified.value.verified) {
      yield* audit({
        type: 'remediationStale',
        planHash: plan.hash,
        outcome: 'unverified',
        detail: `after applying, still unsafe: ${verified.value.remaining.map((f) => f.title).join('; ')}`,
      });
      const next = yield* evaluate(plan.hash);
      if (!next.ok) return yield* failLoudly(`could not re-read the NSG: ${next.error}`);
      evaluation = next.value;
      continue;
    }
    const record = yield* audit({
      type: 'remediated',
      planHash: plan.hash,
      plan,
      outcome: 'remediated',
      appliedActions: appliedActions(),
      after: { etag: verified.value.etag },
      detail: authorizedBy ? `approved: ${authorizedBy}` : 'applied automatically (mode auto)',
      timings: { applyMs },
    });
    yield* notify(
      notice('remediated', {
        exposureClosed: verified.value.exposureClosed,
        planApplied: true,
        ...(authorizedBy ? { decidedBy: authorizedBy } : { detail: 'Reverted automatically: the policy says auto for this severity.' }),
        ...(record.ok ? { auditId: record.value.id, detail: `${authorizedBy ? '' : 'Reverted automatically (policy: auto). '}To put it back: driftwarden undo ${record.value.id}` } : {}),
      }),
    );
    return yield* finish('remediated', plan.hash);
  }
};

function noticeFor(e: Evaluated, stage: RemediationNotice['stage'], change: TriggeringChange | undefined, extra: Partial<RemediationNotice>): RemediationNotice {
  return {
    stage,
    resourceId: e.nsgId,
    resourceName: e.nsgName,
    ...(change ? { actor: change.actor, changedAt: change.time } : { foundBy: 'the reconciliation sweep (no event told of this change)' }),
    ...(e.plan.severity ? { severity: e.plan.severity } : {}),
    findings: e.findings.filter((f) => !f.exempted).map((f) => ({ title: f.title, severity: f.severity })),
    drift: e.drift,
    exposureAdded: e.exposureAdded,
    plan: { hash: e.plan.hash, mode: e.plan.mode, actions: e.plan.actions },
    ...(e.auditId ? { auditId: e.auditId } : {}),
    ...extra,
  };
}

/** A notice for a run that failed before it could evaluate anything. */
function bareNotice(nsgId: string, stage: RemediationNotice['stage'], extra: Partial<RemediationNotice>): RemediationNotice {
  return { stage, resourceId: nsgId, resourceName: nsgId.split('/').pop() ?? nsgId, findings: [], drift: [], exposureAdded: [], ...extra };
}

/** Each (action, rule) once, the latest occurrence winning. */
function uniqueActions(actions: readonly PlanAction[]): PlanAction[] {
  const byKey = new Map<string, PlanAction>();
  for (const a of actions) byKey.set(`${a.type}:${a.rule.toLowerCase()}`, a);
  return [...byKey.values()];
}

function errorText(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.split('\n')[0] ?? message;
}
