/**
 * The reconciliation sweep: every NSG that has a baseline (within the monitored scopes, when configured) gets its
 * orchestration started, so a lost, dead-lettered or late event still ends in the same remediation. NSGs whose
 * orchestration is already running are left to it.
 */
import type { DurableClient } from 'durable-functions';
import { normalizeResourceId } from '../arm/resourceId';
import type { BaselineStore } from '../gateways/types';
import { nsgInstanceId } from './instanceId';
import { isRunning } from './instanceStatus';
import { FunctionNames } from './names';
import type { RemediationInput } from './types';

export interface SweepResult {
  started: string[];
  alreadyRunning: string[];
  outOfScope: string[];
  /** Baseline files that could not be read (each named with the problem); the others were still swept. */
  unreadable: string[];
}

export async function sweepBaselines(
  baselines: BaselineStore,
  client: Pick<DurableClient, 'getStatus' | 'startNew'>,
  monitoredScopes: readonly string[],
): Promise<SweepResult> {
  const scopes = monitoredScopes.map(normalizeResourceId);
  const result: SweepResult = { started: [], alreadyRunning: [], outOfScope: [], unreadable: [] };
  for (const baseline of await baselines.list((path, error) => result.unreadable.push(`${path}: ${error}`))) {
    const nsgId = baseline.resourceId;
    if (scopes.length > 0 && !scopes.some((s) => nsgId === s || nsgId.startsWith(`${s}/`))) {
      result.outOfScope.push(nsgId);
      continue;
    }
    const instanceId = nsgInstanceId(nsgId);
    if (await isRunning(client, instanceId)) {
      result.alreadyRunning.push(nsgId);
      continue;
    }
    await client.startNew(FunctionNames.orchestrator, { instanceId, input: { nsgId, trigger: 'sweep' } satisfies RemediationInput });
    result.started.push(nsgId);
  }
  return result;
}
