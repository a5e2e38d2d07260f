/** The data that flows between the NSG orchestration and its activities (all JSON; no classes, no Dates). */
import type { Approver } from '../approval/approverIdentity';
import type { DriftView } from '../evaluate/describe';
import type { Actor, NormalizedChange } from '../events/types';
import type { ExposureEntry } from '../network/types';
import type { PlanAction, RemediationPlan } from '../plan/types';
import type { TimeoutAction } from '../policy/types';

export type TriggeringChange = Pick<NormalizedChange, 'eventId' | 'kind' | 'operation' | 'resourceId' | 'time' | 'actor'> &
  Partial<Pick<NormalizedChange, 'ruleName' | 'correlationId'>>;

export interface RemediationInput {
  nsgId: string;
  trigger: 'event' | 'sweep' | 'signal';
  change?: TriggeringChange;
}

export interface FindingSummary {
  id: string;
  rule: string;
  severity: string;
  title: string;
  exempted: boolean;
}

export interface EvaluateInput {
  nsgId: string;
  instanceId: string;
  /** Every change this run has seen for the NSG (the events that started and signalled it). */
  changes: TriggeringChange[];
  /** The plan already announced; an unchanged plan is not recorded again. */
  previousPlanHash?: string;
}

export type EvaluateOutcome =
  | { status: 'noBaseline' | 'resourceGone'; nsgId: string }
  | {
      status: 'evaluated';
      nsgId: string;
      nsgName: string;
      etag: string;
      baselineVersion: number;
      unsafe: boolean;
      plan: RemediationPlan;
      findings: FindingSummary[];
      drift: DriftView[];
      exposureAdded: ExposureEntry[];
      approval: { timeoutMs: number; onTimeout: TimeoutAction };
      /** The `driftDetected` audit record, when this evaluation found a new unsafe plan. */
      auditId?: string;
      /** This exact plan (same NSG state) was already decided: kept by a human or by the timeout policy. */
      alreadyKept?: boolean;
      /** This exact plan was already announced (a `driftDetected` record exists); `auditId` is that record. */
      alreadyAnnounced?: boolean;
      /** Who made the drifted rules what they are, as far as the events tell. */
      authors: Actor[];
      /** False when some drifted rule has no known author (found by a sweep, or its event was lost). */
      authorsComplete: boolean;
    };

export type Evaluated = Extract<EvaluateOutcome, { status: 'evaluated' }>;

export interface ApprovalLinks {
  review: string;
  approve: string;
  reject: string;
  accept: string;
}

export type ApplyOutcome =
  | { status: 'applied'; applied: PlanAction[]; durationMs: number }
  /** The NSG moved since the plan (or a write met 412): re-read and re-plan. */
  | { status: 'stale' | 'conflict'; applied: PlanAction[]; detail: string }
  /** Azure refused for a reason retrying will not fix (400, 403, 404 on the NSG). */
  | { status: 'failed'; applied: PlanAction[]; detail: string };

export interface VerifyOutcome {
  verified: boolean;
  etag: string;
  remaining: FindingSummary[];
  /** What the plan closed, now confirmed unreachable. */
  exposureClosed: ExposureEntry[];
}

export type Decision = 'approve' | 'reject' | 'accept';

export type RemediationEvent =
  | { type: 'decision'; decision: Decision; planHash: string; approver: Pick<Approver, 'id' | 'name' | 'source'>; nonce: string }
  | { type: 'signal'; change?: TriggeringChange };

export type Outcome =
  | 'remediated'
  | 'failed'
  | 'rejected'
  | 'kept'
  | 'accepted'
  | 'alerted'
  | 'withinPolicy'
  | 'noBaseline'
  | 'resourceGone';

export interface RemediationResult {
  nsgId: string;
  outcome: Outcome;
  planHash?: string;
  detail?: string;
}

/** What the orchestration exposes while running (read by the approval page). Never secrets. */
export interface RemediationStatus {
  stage: 'evaluating' | 'awaitingApproval' | 'applying' | 'verifying' | 'done';
  nsgId: string;
  planHash?: string;
  /** ISO 8601 deadline of the current approval. */
  expiresAt?: string;
  /** Audit record holding the evaluation the approver is asked about. */
  detectionAuditId?: string;
}
