/**
 * Audit records: append-only, one per detection, notification, decision and action, so every step driftwarden
 * took can be reconstructed (and undone). Records hold states, actors and approvers — never secrets, tokens or
 * webhook URLs.
 */
import type { DriftView } from '../evaluate/describe';
import type { Actor } from '../events/types';
import type { ExposureEntry } from '../network/types';
import type { PlanAction, RemediationPlan } from '../plan/types';

export const AUDIT_TYPES = [
  'driftDetected',
  'driftWithinPolicy',
  'noBaseline',
  'resourceGone',
  'selfWriteIgnored',
  'changeNotEvaluated',
  'notificationSent',
  'notificationFailed',
  'approvalRequested',
  'decisionRecorded',
  'decisionRefused',
  'approvalTimedOut',
  'remediated',
  'remediationFailed',
  'remediationStale',
  'changeKept',
  'baselineAccepted',
  'baselineCaptured',
  'undone',
] as const;
export type AuditType = (typeof AUDIT_TYPES)[number];

export interface AuditRecordInput {
  type: AuditType;
  /** Normalized id of the resource concerned. */
  resourceId: string;
  /** ISO 8601 time the recorded step happened. */
  time: string;
  instanceId?: string;
  eventId?: string;
  correlationId?: string;
  /** Who made the change that drifted. */
  actor?: Actor;
  /** Everyone whose changes make up the drift, as far as the events tell; `authorsComplete` false if not all known. */
  authors?: Actor[];
  authorsComplete?: boolean;
  /** Actions actually applied (across re-plans), each with its before-state: what undo puts back. */
  appliedActions?: PlanAction[];
  /** Who approved, rejected or accepted. */
  approver?: { id: string; name?: string; source: string };
  decision?: 'approve' | 'reject' | 'accept';
  planHash?: string;
  plan?: RemediationPlan;
  severity?: string;
  findings?: { rule: string; severity: string; title: string }[];
  drift?: DriftView[];
  exposureAdded?: ExposureEntry[];
  /** ARM bodies (rules) before and after a write, for undo. */
  before?: unknown;
  after?: unknown;
  /** Version of the baseline involved. */
  baselineVersion?: number;
  outcome?: string;
  detail?: string;
  /** Milliseconds between milestones (detected → decided → applied → verified), when measured. */
  timings?: Record<string, number>;
  /** For undo records: the record that was undone. */
  undoes?: string;
}

export interface AuditRecord extends AuditRecordInput {
  /** Sortable: `<time>~<random>`. */
  id: string;
}
