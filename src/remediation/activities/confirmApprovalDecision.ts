/**
 * Activity: is this decision one the approval endpoint made? Anyone who can raise events into an orchestration
 * (the Durable management API, with its system key) could otherwise forge one. The endpoint records every decision
 * under its single-use nonce; a decision is acted on only when that record matches it exactly.
 */
import { sameGuid } from '../../arm/guid';
import type { RemediationServices } from '../services';
import type { RemediationEvent } from '../types';

export async function confirmApprovalDecision(
  input: { instanceId: string; event: Extract<RemediationEvent, { type: 'decision' }> },
  services: RemediationServices,
): Promise<{ confirmed: boolean; reason?: string }> {
  const record = await services.nonces.read(input.event.nonce);
  if (!record) return { confirmed: false, reason: 'no decision was recorded by the approval endpoint for this link' };
  const matches =
    record.instanceId === input.instanceId &&
    record.planHash === input.event.planHash &&
    record.decision === input.event.decision &&
    typeof record.approverId === 'string' &&
    sameGuid(record.approverId, input.event.approver.id);
  return matches ? { confirmed: true } : { confirmed: false, reason: 'the decision does not match what the approval endpoint recorded' };
}
