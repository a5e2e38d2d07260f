/**
 * Undo: put an NSG back the way it was before a remediation, through the same gateways, with the same conditional
 * writes. The remediation's audit record holds the plan and every action's before-state; the inverse plan is applied
 * and recorded. driftwarden's own write is recognized at intake, so the undo does not trigger a new remediation; the
 * baseline is unchanged, so a later sweep will report the drift again unless the state is accepted.
 */
import type { AuditRecord } from '../audit/types';
import { GatewayError } from '../gateways/errors';
import type { AuditLog, NetworkGateway } from '../gateways/types';
import { describeAction } from '../plan/describeAction';
import { invertPlan } from '../plan/invertPlan';
import { ruleEtags, ruleSnapshot, sameRule } from '../plan/ruleSnapshot';
import type { PlanAction, RemediationPlan } from '../plan/types';

export class UndoError extends Error {
  override readonly name = 'UndoError';
}

export interface UndoResult {
  record: AuditRecord;
  undoRecord: AuditRecord;
  applied: PlanAction[];
}

export async function undoRemediation(
  recordId: string,
  deps: { audit: AuditLog; network: NetworkGateway; now: () => Date; by?: string },
): Promise<UndoResult> {
  const record = await deps.audit.get(recordId);
  if (!record) throw new UndoError(`there is no audit record ${recordId}; list them with \`driftwarden audit\``);
  if (record.type !== 'remediated' || !record.plan) {
    throw new UndoError(`audit record ${recordId} is a ${record.type} record; only remediated records can be undone`);
  }
  const previous = (await deps.audit.list({ resourceId: record.resourceId, type: 'undone' })).find((r) => r.undoes === recordId && r.outcome === 'undone');
  if (previous) throw new UndoError(`remediation ${recordId} was already undone (audit record ${previous.id})`);
  const recorded = record.plan as RemediationPlan;
  // What was actually applied (across re-plans), each with its before-state; older records only have the plan.
  const plan: RemediationPlan = record.appliedActions && record.appliedActions.length > 0 ? { ...recorded, actions: record.appliedActions } : recorded;
  const current = await deps.network.getNsg(plan.resourceId);
  if (!current) throw new UndoError(`the NSG ${plan.resourceId} no longer exists`);
  const inverse = invertPlan(plan, { etag: current.etag });
  // Undo only what is still exactly as the remediation left it: a later change by someone is never overwritten.
  const changedSince = inverse.actions.filter((a) => !stillAsRemediationLeftIt(current.body, a));
  if (changedSince.length > 0) {
    throw new UndoError(
      `rule(s) ${changedSince.map((a) => `'${a.rule}'`).join(', ')} changed since the remediation; nothing was undone. Review the NSG and change it by hand if still wanted`,
    );
  }
  const etags = ruleEtags(current.body);
  const applied: PlanAction[] = [];
  const by = deps.by ? ` (by ${deps.by})` : '';
  for (const action of inverse.actions) {
    try {
      if (action.type === 'deleteSecurityRule') {
        const etag = etags.get(action.rule.toLowerCase());
        if (etag === undefined) continue; // already gone
        await deps.network.deleteSecurityRule(plan.resourceId, action.rule, { ifMatch: etag });
      } else if (action.type === 'createSecurityRule') {
        await deps.network.putSecurityRule(plan.resourceId, action.rule, action.after.properties, { ifNoneMatch: '*' });
      } else {
        const etag = etags.get(action.rule.toLowerCase());
        await deps.network.putSecurityRule(plan.resourceId, action.rule, action.after.properties, etag ? { ifMatch: etag } : {});
      }
      applied.push(action);
    } catch (err) {
      const reason = err instanceof GatewayError && err.failure === 'preconditionFailed'
        ? `rule '${action.rule}' changed since the remediation; nothing more was undone. Review it, then undo by hand if still wanted`
        : (err as Error).message;
      await deps.audit.append({
        type: 'undone',
        resourceId: record.resourceId,
        time: deps.now().toISOString(),
        undoes: recordId,
        outcome: 'failed',
        detail: `undo of ${recordId} stopped after ${applied.length} of ${inverse.actions.length} action(s)${by}: ${reason}`,
        after: applied,
      });
      throw new UndoError(`undo of ${recordId} stopped after ${applied.length} of ${inverse.actions.length} action(s): ${reason}`);
    }
  }
  const undoRecord = await deps.audit.append({
    type: 'undone',
    resourceId: record.resourceId,
    time: deps.now().toISOString(),
    undoes: recordId,
    outcome: 'undone',
    plan: inverse,
    planHash: inverse.hash,
    before: plan.actions,
    after: applied,
    detail: `undid ${recordId}: ${applied.map((a) => `${describeAction(a)}`).join(', ') || 'nothing left to do'}${by}`,
  });
  return { record, undoRecord, applied };
}

/** Whether the rule an undo action touches is still what the remediation made it. */
function stillAsRemediationLeftIt(body: Record<string, unknown>, inverse: PlanAction): boolean {
  const now = ruleSnapshot(body, inverse.rule);
  // Undoing a delete re-creates the rule: it must still be absent (the create also carries If-None-Match).
  if (inverse.type === 'createSecurityRule') return now === undefined;
  if (!now) return inverse.type === 'deleteSecurityRule';
  return sameRule(inverse.before, now);
}
