/**
 * The approval endpoint's logic, shared by the Functions handlers. GET shows; it never changes anything (link
 * scanners and previews fetch links). POST decides, and only with all of: a genuine, unexpired link for this
 * instance and its current plan; an authenticated approver; who is allowed for the NSG's scope; a link not used
 * before. Failures answer 400/401/403/404/409 with a plain message and leave the orchestration untouched.
 */
import type { DurableClient } from 'durable-functions';
import type { AuditLog, NonceStore } from '../gateways/types';
import type { JwksProvider } from '../gateways/oidc/jwksProvider';
import { findInstance } from '../remediation/instanceStatus';
import { REMEDIATION_EVENT } from '../remediation/names';
import type { Decision, RemediationEvent, RemediationStatus } from '../remediation/types';
import { type Approver, approverFromAppServiceHeaders, decodeJwtUnverified, type IdentityResult, type OidcSettings, verifyOidcToken } from './approverIdentity';
import { sameGuid } from '../arm/guid';
import { authorizeApprover, type ApproverRule } from './approverPolicy';
import { verifyLinkToken } from './linkToken';
import { type PageLink, resultPage, reviewPage } from './pages';

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

type InstanceView = RemediationStatus & { outcome?: string; finishedAt?: string };

async function statusOf(deps: ApprovalDeps, instanceId: string): Promise<InstanceView | undefined> {
  const status = await findInstance(deps.client, instanceId);
  if (!status) return undefined;
  const custom = status.customStatus as RemediationStatus | undefined;
  const output = status.output as { outcome?: string } | undefined;
  return {
    ...(custom && typeof custom === 'object' ? custom : { stage: 'done', nsgId: '' }),
    ...(output?.outcome ? { outcome: output.outcome } : {}),
    ...(status.lastUpdatedTime ? { finishedAt: new Date(status.lastUpdatedTime).toISOString() } : {}),
  };
}

/** What happened to a remediation that is no longer waiting, in words. */
function nothingToDecide(status: InstanceView): string {
  const outcomes: Record<string, string> = {
    remediated: 'it was reverted and verified',
    rejected: 'it was rejected (the change was kept)',
    accepted: 'the change was accepted as the new baseline',
    kept: 'nobody decided in time and the policy kept the change',
    failed: 'the remediation failed (see the Teams channel and the audit log)',
    withinPolicy: 'the NSG is back within policy',
  };
  if (status.stage === 'awaitingApproval') {
    return 'The NSG changed again since this link was sent; a newer alert with a new link was posted. Use that one.';
  }
  const what = status.outcome ? (outcomes[status.outcome] ?? status.outcome) : 'it is being carried out now';
  return `This remediation is no longer waiting for a decision: ${what}${status.finishedAt && status.outcome ? ` (${status.finishedAt})` : ''}.`;
}

export async function showApproval(deps: ApprovalDeps, instanceId: string, token: string | null, intent: string | null): Promise<ApprovalResponse> {
  if (!token) return fail(400, 'Missing link', 'This page needs the link from the Teams card (it carries a token).');
  const status = await statusOf(deps, instanceId);
  if (!status) return fail(404, 'Unknown remediation', `There is no remediation ${instanceId}.`);
  const check = verifyLinkToken(token, { instanceId, nowSeconds: deps.nowSeconds() }, deps.signingKeys);
  if (!check.ok) return fail(check.status, 'Link refused', check.reason);
  if (status.stage !== 'awaitingApproval' || status.planHash !== check.claims.planHash) {
    return fail(409, 'Nothing to decide', nothingToDecide(status));
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
  if (status.stage !== 'awaitingApproval') return fail(409, 'Nothing to decide', nothingToDecide(status));
  const reviewPath = `/api/approvals/${encodeURIComponent(instanceId)}?t=${encodeURIComponent(form.token)}`;
  const refused = async (statusCode: 401 | 403, title: string, reason: string, who?: { id: string; name?: string; source: string }) => {
    // Every refused attempt is recorded: who tried to decide what, and why they could not.
    await deps.audit.append({
      type: 'decisionRefused',
      resourceId: status.nsgId,
      time: new Date(deps.nowSeconds() * 1000).toISOString(),
      instanceId,
      planHash: check.claims.planHash,
      decision,
      outcome: `refused ${statusCode}`,
      detail: reason,
      ...(who ? { approver: who } : {}),
    });
    const links = deps.auth.appServiceHeaders
      ? statusCode === 401
        ? [{ href: `/.auth/login/aad?post_login_redirect_uri=${encodeURIComponent(reviewPath)}`, text: 'Sign in' }]
        : [{ href: `/.auth/logout?post_logout_redirect_uri=${encodeURIComponent(`/.auth/login/aad?post_login_redirect_uri=${encodeURIComponent(reviewPath)}`)}`, text: 'Sign in as someone else' }]
      : [];
    return fail(statusCode, title, reason, links);
  };
  const identity = await identify(deps, headers);
  if (!identity.ok) return refused(identity.status, 'Sign in required', identity.reason);
  const who = { id: identity.approver.id, ...(identity.approver.name ? { name: identity.approver.name } : {}), source: identity.approver.source };
  const allowed = authorizeApprover(identity.approver, status.nsgId, deps.approvers);
  if (!allowed.ok) return refused(allowed.status, 'Not an approver', allowed.reason, who);
  if (decision !== 'approve') {
    // Separation of duties: whoever made the change may have it reverted, but not keep or bless it themselves —
    // and when it is not known who made every part of it, nobody can vouch for that here.
    const detection = status.detectionAuditId ? await deps.audit.get(status.detectionAuditId) : undefined;
    if (!detection?.authorsComplete) {
      return refused(
        403,
        'Only a revert can be approved',
        'Who made part of this change is unknown (it was found by a sweep, or its event was lost), so it can be reverted here but not kept or accepted. To keep it, capture a new baseline deliberately.',
        who,
      );
    }
    const author = (detection.authors ?? []).find((a) => a.objectId !== undefined && sameGuid(a.objectId, identity.approver.id));
    if (author) {
      return refused(403, 'Not your decision', `${identity.approver.name ?? identity.approver.id} made this change; someone else must decide to keep or accept it.`, who);
    }
  }
  const approver = { id: identity.approver.id, ...(identity.approver.name ? { name: identity.approver.name } : {}), source: identity.approver.source };
  // Claimed last, so a refused attempt does not burn the link for the rightful approver. The record lets the
  // orchestration confirm the decision came through here and not from someone who can raise events directly.
  const claimed = await deps.nonces.claim(check.claims.nonce, { instanceId, planHash: check.claims.planHash, decision, approverId: approver.id });
  if (!claimed) return fail(409, 'Link already used', 'A decision was already made with this link.');
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
    html: resultPage('Decision recorded', `${capitalized(decision)} by ${approver.name ?? approver.id}. ${words}; the outcome is posted to Teams.`),
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

function fail(status: number, title: string, message: string, links: PageLink[] = []): ApprovalResponse {
  return { status, html: resultPage(title, message, links), json: { error: { status, message } } };
}

function capitalized(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export type { Approver };
