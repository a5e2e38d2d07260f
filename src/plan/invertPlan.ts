/** The plan that undoes a plan: every action replaced by its inverse, in reverse order. */
import { canonicalJson, sha256Hex } from './hash';
import type { PlanAction, RemediationPlan } from './types';

export function invertAction(action: PlanAction): PlanAction {
  switch (action.type) {
    case 'deleteSecurityRule':
      return { type: 'createSecurityRule', rule: action.rule, reason: `undo: re-create '${action.rule}'`, after: action.before };
    case 'createSecurityRule':
      return { type: 'deleteSecurityRule', rule: action.rule, reason: `undo: delete '${action.rule}'`, before: action.after };
    case 'restoreSecurityRule':
      return {
        type: 'restoreSecurityRule',
        rule: action.rule,
        reason: `undo: put '${action.rule}' back as it was before the remediation`,
        before: action.after,
        after: action.before,
      };
  }
}

export function invertPlan(plan: RemediationPlan, options: { etag?: string } = {}): RemediationPlan {
  const { hash: _hash, ...rest } = plan;
  const body = {
    ...rest,
    mode: plan.mode,
    findings: [],
    warnings: [],
    ...(options.etag ? { etag: options.etag } : {}),
    actions: [...plan.actions].reverse().map(invertAction),
  };
  return { ...body, hash: sha256Hex(canonicalJson(body)) };
}
