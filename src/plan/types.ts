/**
 * Remediation plans: plain data, deterministic, hashed. Every action carries the state it replaces, so a plan can
 * be shown before it runs, checked against an approval (by hash), and undone afterwards.
 */
import type { Mode, Severity } from '../policy/types';

/** A security rule in ARM's wire shape (`{name, properties}`), read-only fields removed. */
export interface RuleSnapshot {
  name: string;
  properties: Record<string, unknown>;
}

export type PlanAction =
  | { type: 'deleteSecurityRule'; rule: string; reason: string; before: RuleSnapshot }
  | { type: 'restoreSecurityRule'; rule: string; reason: string; before: RuleSnapshot; after: RuleSnapshot }
  | { type: 'createSecurityRule'; rule: string; reason: string; after: RuleSnapshot };

export type PlanActionType = PlanAction['type'];

export interface RemediationPlan {
  kind: 'networkSecurityGroup';
  /** sha256 over the canonical JSON of everything below except `hash` itself. */
  hash: string;
  /** Normalized NSG id. */
  resourceId: string;
  /** `none` when nothing unsafe needs doing. */
  mode: Mode | 'none';
  /** Severity of the most severe unsafe finding the plan answers. */
  severity?: Severity;
  baselineVersion: number;
  /** The NSG etag the plan was computed against; applying re-reads and re-plans if it moved. */
  etag?: string;
  /** Ids of the findings the plan answers. */
  findings: string[];
  actions: PlanAction[];
  /** Things a human should know before approving (e.g. a priority now taken by another rule). */
  warnings: string[];
}
