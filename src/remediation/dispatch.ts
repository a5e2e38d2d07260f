/**
 * From normalized changes to orchestrations: drops driftwarden's own writes (no loops), groups the changes of one
 * batch by NSG, and starts the NSG's orchestration — or, when one is already running for it, signals it so the
 * second change is neither lost nor handled in parallel.
 */
import type { DurableClient } from 'durable-functions';
import { sameGuid } from '../arm/guid';
import type { NormalizedChange } from '../events/types';
import type { AuditLog } from '../gateways/types';
import { nsgInstanceId } from './instanceId';
import { isRunning } from './instanceStatus';
import { FunctionNames, REMEDIATION_EVENT } from './names';
import type { TriggeringChange, RemediationEvent, RemediationInput } from './types';

export interface SelfIdentity {
  /** Object ids of driftwarden's own identity (its managed identity). */
  objectIds: string[];
  /** Application (client) ids of driftwarden's own identity. */
  appIds: string[];
}

export interface DispatchResult {
  started: { nsgId: string; instanceId: string; eventId: string }[];
  signaled: { nsgId: string; instanceId: string; eventId: string }[];
  selfWrites: { eventId: string; resourceId: string }[];
  skipped: { eventId: string; reason: string }[];
}

export function isOwnWrite(change: NormalizedChange, self: SelfIdentity): boolean {
  const { objectId, appId } = change.actor;
  return (
    (objectId !== undefined && self.objectIds.some((id) => sameGuid(id, objectId))) ||
    (appId !== undefined && self.appIds.some((id) => sameGuid(id, appId)))
  );
}

export async function dispatchChanges(
  changes: readonly NormalizedChange[],
  client: Pick<DurableClient, 'getStatus' | 'startNew' | 'raiseEvent'>,
  options: { self: SelfIdentity; audit: AuditLog; now: () => Date },
): Promise<DispatchResult> {
  const result: DispatchResult = { started: [], signaled: [], selfWrites: [], skipped: [] };
  const latestByNsg = new Map<string, NormalizedChange>();
  for (const change of changes) {
    if (change.status !== 'succeeded') {
      result.skipped.push({ eventId: change.eventId, reason: `the operation ${change.status}; nothing changed` });
      continue;
    }
    if (change.kind !== 'securityRule' && change.kind !== 'networkSecurityGroup') {
      const reason = `${change.kind} changes are recorded but not evaluated by this version (it remediates NSGs)`;
      result.skipped.push({ eventId: change.eventId, reason });
      // Recorded, so a role grant or a secret change is never dropped without a trace.
      await options.audit.append({
        type: 'changeNotEvaluated',
        resourceId: change.resourceId,
        time: options.now().toISOString(),
        eventId: change.eventId,
        actor: change.actor,
        ...(change.correlationId ? { correlationId: change.correlationId } : {}),
        detail: `${change.operationName ?? `${change.kind} ${change.operation}`}: ${reason}`,
      });
      continue;
    }
    const nsgId = change.nsgId ?? change.resourceId;
    if (isOwnWrite(change, options.self)) {
      result.selfWrites.push({ eventId: change.eventId, resourceId: change.resourceId });
      await options.audit.append({
        type: 'selfWriteIgnored',
        resourceId: nsgId,
        time: options.now().toISOString(),
        eventId: change.eventId,
        actor: change.actor,
        ...(change.correlationId ? { correlationId: change.correlationId } : {}),
        detail: `${change.operationName ?? change.kind} made by driftwarden itself; not remediated`,
      });
      continue;
    }
    // Within one delivery, the newest change of an NSG stands for all of them: the orchestration re-reads anyway.
    const previous = latestByNsg.get(nsgId);
    if (!previous || previous.time <= change.time) latestByNsg.set(nsgId, change);
  }
  for (const [nsgId, change] of latestByNsg) {
    const instanceId = nsgInstanceId(nsgId);
    const summary = summarize(change);
    if (await isRunning(client, instanceId)) {
      await client.raiseEvent(instanceId, REMEDIATION_EVENT, { type: 'signal', change: summary } satisfies RemediationEvent);
      result.signaled.push({ nsgId, instanceId, eventId: change.eventId });
      continue;
    }
    try {
      await client.startNew(FunctionNames.orchestrator, { instanceId, input: { nsgId, trigger: 'event', change: summary } satisfies RemediationInput });
      result.started.push({ nsgId, instanceId, eventId: change.eventId });
    } catch (err) {
      // Another delivery started it between our status check and our start: signal the one that won.
      if (!(await isRunning(client, instanceId))) throw err;
      await client.raiseEvent(instanceId, REMEDIATION_EVENT, { type: 'signal', change: summary } satisfies RemediationEvent);
      result.signaled.push({ nsgId, instanceId, eventId: change.eventId });
    }
  }
  return result;
}

export function summarize(change: NormalizedChange): TriggeringChange {
  return {
    eventId: change.eventId,
    kind: change.kind,
    operation: change.operation,
    resourceId: change.resourceId,
    time: change.time,
    actor: change.actor,
    ...(change.ruleName ? { ruleName: change.ruleName } : {}),
    ...(change.correlationId ? { correlationId: change.correlationId } : {}),
  };
}
