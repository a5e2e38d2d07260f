/** Activity: an approver accepted the change: the NSG as it is now becomes the next baseline version. */
import { captureNsgBaseline } from '../../baseline/document';
import type { RemediationServices } from '../services';
import type { RemediationEvent } from '../types';

export async function acceptNsgBaseline(
  input: { nsgId: string; planHash: string; instanceId: string; approver: Extract<RemediationEvent, { type: 'decision' }>['approver'] },
  services: RemediationServices,
): Promise<{ version: number }> {
  const [current, previous] = await Promise.all([services.network.getNsg(input.nsgId), services.baselines.get(input.nsgId)]);
  if (!current) throw new Error(`cannot accept the state of ${input.nsgId}: the NSG no longer exists`);
  const time = services.now().toISOString();
  const next = captureNsgBaseline(current.body, {
    capturedAt: time,
    source: { type: 'accepted', detail: `plan ${input.planHash.slice(0, 12)}, instance ${input.instanceId}`, by: input.approver.name ?? input.approver.id },
    ...(previous ? { previousVersion: previous.version } : {}),
  });
  // Optimistic concurrency: if someone re-captured meanwhile, this throws instead of overwriting their version.
  await services.baselines.put(next, previous?.version ?? null);
  await services.audit.append({
    type: 'baselineAccepted',
    resourceId: next.resourceId,
    time,
    instanceId: input.instanceId,
    approver: input.approver,
    planHash: input.planHash,
    baselineVersion: next.version,
    outcome: 'accepted',
    after: { etag: current.etag },
  });
  return { version: next.version };
}
