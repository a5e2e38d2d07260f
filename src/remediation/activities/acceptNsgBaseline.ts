/**
 * Activity: an approver accepted the change: the NSG as they reviewed it becomes the next baseline version. If the
 * NSG moved since the plan they saw (another change slipped in), nothing is accepted — the orchestration re-plans
 * and asks again — so a baseline never contains something nobody was shown.
 */
import { captureNsgBaseline } from '../../baseline/document';
import { BaselineConflictError } from '../../gateways/types';
import type { RemediationServices } from '../services';
import type { RemediationEvent } from '../types';

export type AcceptOutcome = { status: 'accepted'; version: number } | { status: 'changed'; detail: string };

export async function acceptNsgBaseline(
  input: {
    nsgId: string;
    planHash: string;
    instanceId: string;
    /** The NSG etag the reviewed plan was made against. */
    planEtag?: string;
    /** The baseline version the reviewed plan compared against. */
    baselineVersion: number;
    approver: Extract<RemediationEvent, { type: 'decision' }>['approver'];
  },
  services: RemediationServices,
): Promise<AcceptOutcome> {
  const current = await services.network.getNsg(input.nsgId);
  if (!current) return { status: 'changed', detail: 'the NSG no longer exists' };
  if (input.planEtag && current.etag !== input.planEtag) {
    return { status: 'changed', detail: `the NSG changed after the plan was shown (etag ${input.planEtag} → ${current.etag}); nothing was accepted` };
  }
  const time = services.now().toISOString();
  const next = captureNsgBaseline(current.body, {
    capturedAt: time,
    source: { type: 'accepted', detail: `plan ${input.planHash.slice(0, 12)}, instance ${input.instanceId}`, by: input.approver.name ?? input.approver.id },
    previousVersion: input.baselineVersion,
  });
  try {
    // Optimistic concurrency: the version the approver's plan was made against must still be the current one.
    await services.baselines.put(next, input.baselineVersion === 0 ? null : input.baselineVersion);
  } catch (err) {
    if (err instanceof BaselineConflictError) return { status: 'changed', detail: err.message };
    throw err;
  }
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
  return { status: 'accepted', version: next.version };
}
