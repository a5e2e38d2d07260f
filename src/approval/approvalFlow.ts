/**
 * The approval endpoint's logic, shared by the Functions handlers. GET shows; it never changes anything (link
 * scanners and previews fetch links). POST decides, and only with all of: a genuine, unexpired link for this
 * instance and its current plan; an authenticated approver; who is allowed for the NSG's scope; a link not used
 * before. Failures answer 400/401/403/404/409 with a plain message and leave the orchestration untouched.
 */
import type { DurableClient } from 'durable-functions';
import type { AuditLog, NonceStore } from '../gateways/types';
import type { JwksProvider } from '../gateways/oidc/jwksProvider';
import { REMEDIATION_EVENT } from '../remediation/names';
import type { Decision, RemediationEvent, RemediationStatus } from '../remediation/types';
import { type Approver, approverFromAppServiceHeaders, decodeJwtUnverified, type IdentityResult, type OidcSettings, verifyOidcToken } from './approverIdentity';
import { sameGuid } from '../arm/guid';
import { authorizeApprover, type ApproverRule } from './approverPolicy';
import { verifyLinkToken } from './linkToken';
import { resultPage, reviewPage } from './pages';

export interface ApprovalDeps {
  client: Pick<DurableClient, 'getStatus' | 'raiseEvent'>;
  audit: AuditLog;
  nonces: NonceStore;
  signingKeys: Buffer[];
  approvers: ApproverRule[];
  auth: { appServiceHeaders: boolean; oidc?: OidcSettings };
  jwks: Pick<JwksProvider, 'forIssuer'>;
  nowSeconds(): number;
}

export interface ApprovalResponse {
  status: number;
  html?: string;
  json?: Record<string, unknown>;
}

interface Headers {
  get(name: string): string | null;
}

const DECISIONS: Decision[] = ['approve', 'reject', 'accept'];

async function statusOf(deps: ApprovalDeps, instanceId: string): Promise<RemediationStatus | undefined> {
  try {
    const status = await deps.client.getStatus(instanceId);
    const custom = status.customStatus as RemediationStatus | undefined;
    return custom && typeof custom === 'object' ? custom : { stage: 'done', nsgId: '' };
  } catch (err) {
    if (/HTTP 404/.test((err as Error).message)) return undefined;
    throw err;
  }
}

export async function showApproval(deps: ApprovalDeps, instanceId: string, token: string | null, intent: string | null): Promise<ApprovalResponse> {
  if (!token) return fail(400, 'Missing link', 'This page needs the link from the Teams card (it carries a token).');
  const status = await statusOf(deps, instanceId);
  if (!status) return fail(404, 'Unknown remediation', `There is no remediation ${instanceId}.`);
  const check = verifyLinkToken(token, { instanceId, nowSeconds: deps.nowSeconds() }, deps.signingKeys);
  if (!check.ok) return fail(check.status, 'Link refused', check.reason);
  if (status.stage !== 'awaitingApproval' || status.planHash !== check.claims.planHash) {
    return fail(409, 'Nothing to decide', 'This remediation is no longer waiting for this decision: it was decided, timed out, or the NSG changed and a newer alert was sent.');
  }
  const detection = status.detectionAuditId ? await deps.audit.get(status.detectionAuditId) : undefined;
  return {
    status: 200,
    html: reviewPage({
      instanceId,
      token,
      ...(intent ? { intent } : {}),
      ...(status.expiresAt ? { expiresAt: status.expiresAt } : {}),
      ...(detection ? { detection } : {}),
      planHash: status.planHash,
      nsgId: status.nsgId,
    }),
  };
}

export async function decideApproval(
  deps: ApprovalDeps,
  instanceId: string,
  form: { token?: string; decision?: string },
  headers: Headers,
): Promise<ApprovalResponse> {
  if (!form.token) return fail(400, 'Missing link token', 'The decision must carry the token from the approval link (field "t").');
  if (!form.decision || !DECISIONS.includes(form.decision as Decision)) {
    return fail(400, 'Unknown decision', `The decision must be one of ${DECISIONS.join(', ')} (field "decision").`);
  }
  const decision = form.decision as Decision;
  const status = await statusOf(deps, instanceId);
  if (!status) return fail(404, 'Unknown remediation', `There is no remediation ${instanceId}.`);
  const check = verifyLinkToken(form.token, { instanceId, nowSeconds: deps.nowSeconds(), ...(status.planHash ? { currentPlanHash: status.planHash } : {}) }, deps.signingKeys);
  if (!check.ok) return fail(check.status, 'Decision refused', check.reason);
  if (status.stage !== 'awaitingApproval') {
    return fail(409, 'Nothing to decide', 'This remediation is no longer waiting for a decision (it was decided or timed out).');
  }
  const identity = await identify(deps, headers);
  if (!identity.ok) return fail(identity.status, 'Sign in required', identity.reason);
  const allowed = authorizeApprover(identity.approver, status.nsgId, deps.approvers);
  if (!allowed.ok) return fail(allowed.status, 'Not an approver', allowed.reason);
  if (decision !== 'approve' && status.detectionAuditId) {
    // Separation of duties: whoever made the change may have it reverted, but not keep or bless it themselves.
    const actor = (await deps.audit.get(status.detectionAuditId))?.actor;
    if (actor?.objectId && sameGuid(actor.objectId, identity.approver.id)) {
      return fail(403, 'Not your decision', `${identity.approver.name ?? identity.approver.id} made this change; someone else must decide to keep or accept it.`);
    }
  }
  // Claimed last, so a refused attempt does not burn the link for the rightful approver.
  if (!(await deps.nonces.claim(check.claims.nonce))) return fail(409, 'Link already used', 'A decision was already made with this link.');
  const approver = { id: identity.approver.id, ...(identity.approver.name ? { name: identity.approver.name } : {}), source: identity.approver.source };
  await deps.client.raiseEvent(instanceId, REMEDIATION_EVENT, {
    type: 'decision',
    decision,
    planHash: check.claims.planHash,
    approver,
    nonce: check.claims.nonce,
  } satisfies RemediationEvent);
  const words = { approve: 'The revert runs now', reject: 'The change is kept', accept: 'The current state becomes the new baseline' }[decision];
  return {
    status: 200,
    html: resultPage('Decision recorded', `${decision} by ${approver.name ?? approver.id}. ${words}; the outcome is posted to Teams.`),
    json: { instanceId, decision, approver: approver.name ?? approver.id, planHash: check.claims.planHash },
  };
}

async function identify(deps: ApprovalDeps, headers: Headers): Promise<IdentityResult> {
  const authorization = headers.get('authorization');
  if (authorization && /^bearer /i.test(authorization)) {
    if (!deps.auth.oidc) return { ok: false, status: 401, reason: 'bearer tokens are not accepted: no OIDC issuer is configured (DRIFTWARDEN_OIDC_ISSUERS)' };
    const token = authorization.slice(7).trim();
    const decoded = decodeJwtUnverified(token);
    const issuer = typeof decoded?.payload.iss === 'string' ? decoded.payload.iss : '';
    if (!decoded || !deps.auth.oidc.issuers.includes(issuer)) {
      return { ok: false, status: 401, reason: decoded ? `the bearer token's issuer "${issuer}" is not trusted for approvals` : 'the bearer token is not a JWT' };
    }
    let jwks;
    try {
      jwks = await deps.jwks.forIssuer(issuer, typeof decoded.header.kid === 'string' ? decoded.header.kid : undefined);
    } catch (err) {
      return { ok: false, status: 401, reason: `cannot check the bearer token now: ${(err as Error).message}` };
    }
    return verifyOidcToken(token, jwks, deps.auth.oidc, deps.nowSeconds());
  }
  if (deps.auth.appServiceHeaders) return approverFromAppServiceHeaders(headers);
  return { ok: false, status: 401, reason: 'sign in: send an OIDC bearer token in the Authorization header' };
}

function fail(status: number, title: string, message: string): ApprovalResponse {
  return { status, html: resultPage(title, message), json: { error: { status, message } } };
}

export type { Approver };
