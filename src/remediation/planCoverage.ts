import type { PlanAction, RemediationPlan } from '../plan/types';
import { canonicalJson } from '../plan/hash';

/**
 * True when every action of `next` was already part of `approved` (same action, same target state). After a partial
 * apply or a concurrent no-op change, the re-plan is then still covered by the approval a human gave, and need not
 * be asked again; anything new needs a new approval.
 */
export function planCoveredBy(next: RemediationPlan, approved: RemediationPlan | undefined): boolean {
  if (!approved || next.resourceId !== approved.resourceId) return false;
  const known = new Set(approved.actions.map(actionKey));
  return next.actions.every((a) => known.has(actionKey(a)));
}

function actionKey(a: PlanAction): string {
  const target = a.type === 'deleteSecurityRule' ? null : a.after.properties;
  return canonicalJson({ type: a.type, rule: a.rule.toLowerCase(), target });
}
