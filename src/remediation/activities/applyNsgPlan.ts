/**
 * Activity: apply a plan to the NSG. Re-reads first: if the NSG moved since the plan was made, nothing is written
 * and the orchestration re-plans. Every write is conditional (If-Match on the rule's etag; If-None-Match for a
 * re-created rule), so a concurrent change makes the write fail with 412 instead of being clobbered.
 */
import { GatewayError } from '../../gateways/errors';
import { normalizeNsg, normalizeSecurityRule, ruleDrift } from '../../network';
import { ruleEtags } from '../../plan/ruleSnapshot';
import type { PlanAction, RemediationPlan } from '../../plan/types';
import type { RemediationServices } from '../services';
import type { ApplyOutcome } from '../types';

export async function applyNsgPlan(input: { nsgId: string; plan: RemediationPlan }, services: RemediationServices): Promise<ApplyOutcome> {
  const started = services.now().getTime();
  const current = await services.network.getNsg(input.nsgId);
  if (!current) return { status: 'failed', applied: [], detail: 'the NSG no longer exists' };
  if (input.plan.etag && current.etag !== input.plan.etag) {
    return { status: 'stale', applied: [], detail: `the NSG changed since the plan was made (etag ${input.plan.etag} → ${current.etag})` };
  }
  let state = current;
  const applied: PlanAction[] = [];
  for (const action of input.plan.actions) {
    try {
      await applyAction(input.nsgId, action, ruleEtags(state.body).get(action.rule.toLowerCase()), services);
      applied.push(action);
      if (applied.length === input.plan.actions.length) break;
      // Rules share their NSG's etag, so each write moves it. Re-read, and go on only if our write is the sole
      // difference: anything else means someone else is changing the NSG right now.
      const next = await services.network.getNsg(input.nsgId);
      if (!next) return { status: 'failed', applied, detail: 'the NSG disappeared while it was being remediated' };
      if (!onlyOurChange(state.body, action, next.body)) {
        return { status: 'conflict', applied, detail: `the NSG changed while '${action.rule}' was being put back; re-planning` };
      }
      state = next;
    } catch (err) {
      if (!(err instanceof GatewayError)) throw err;
      if (err.failure === 'preconditionFailed') {
        return { status: 'conflict', applied, detail: `someone changed rule '${action.rule}' while it was being put back (412); re-planning` };
      }
      // Throttling and outages are retried by the orchestration's retry policy; the rest will not get better.
      if (err.transient) throw err;
      return { status: 'failed', applied, detail: err.message };
    }
  }
  return { status: 'applied', applied, durationMs: services.now().getTime() - started };
}

async function applyAction(nsgId: string, action: PlanAction, etag: string | undefined, services: RemediationServices): Promise<void> {
  switch (action.type) {
    case 'deleteSecurityRule':
      try {
        await services.network.deleteSecurityRule(nsgId, action.rule, etag ? { ifMatch: etag } : {});
      } catch (err) {
        // Already gone is the state the plan wants.
        if (err instanceof GatewayError && err.failure === 'notFound') return;
        throw err;
      }
      return;
    case 'restoreSecurityRule':
      await services.network.putSecurityRule(nsgId, action.rule, action.after.properties, etag ? { ifMatch: etag } : {});
      return;
    case 'createSecurityRule':
      await services.network.putSecurityRule(nsgId, action.rule, action.after.properties, { ifNoneMatch: '*' });
      return;
  }
}

/** Whether `after` is `before` with exactly `action` applied (compared by meaning, not by text). */
function onlyOurChange(before: Record<string, unknown>, action: PlanAction, after: Record<string, unknown>): boolean {
  const expected = normalizeNsg(before, 'before');
  const rules = expected.rules.filter((r) => r.name.toLowerCase() !== action.rule.toLowerCase());
  if (action.type !== 'deleteSecurityRule') {
    rules.push(normalizeSecurityRule({ name: action.after.name, properties: action.after.properties }, 'action.after'));
  }
  const actual = normalizeNsg(after, 'after');
  return ruleDrift({ ...expected, rules }.rules, actual.rules).length === 0;
}
