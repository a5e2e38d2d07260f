/** Activity: sign the approval links for one plan (the nonce is random, so this cannot run in the orchestrator). */
import { signLinkToken } from '../../approval/linkToken';
import type { RemediationServices } from '../services';
import type { ApprovalLinks } from '../types';

export async function issueApprovalLinks(
  input: { instanceId: string; nsgId: string; planHash: string; expiresAt: string },
  services: RemediationServices,
): Promise<ApprovalLinks> {
  const key = services.approval.signingKeys[0];
  if (!key) throw new Error('no approval signing key is configured (DRIFTWARDEN_APPROVAL_SIGNING_KEY)');
  const token = signLinkToken(
    { instanceId: input.instanceId, planHash: input.planHash, exp: Math.floor(Date.parse(input.expiresAt) / 1000), nonce: services.randomNonce() },
    key,
  );
  const page = `${services.approval.baseUrl.replace(/\/+$/, '')}/api/approvals/${encodeURIComponent(input.instanceId)}?t=${encodeURIComponent(token)}`;
  return { review: page, approve: `${page}&intent=approve`, reject: `${page}&intent=reject`, accept: `${page}&intent=accept` };
}
