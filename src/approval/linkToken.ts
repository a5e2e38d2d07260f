/**
 * Approval link tokens: HMAC-SHA256 signed, bound to one orchestration instance and one plan hash, expiring, with a
 * nonce so each can be used once. The token alone never authorizes a decision: the approver must also prove who
 * they are (see approverIdentity.ts). Pure: the key, the clock and the nonce are passed in.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export interface LinkTokenClaims {
  /** Orchestration instance id. */
  instanceId: string;
  /** Hash of the plan the approver is shown. */
  planHash: string;
  /** Expiry, epoch seconds. */
  exp: number;
  /** Random, unique per link; recorded when used so the token cannot be replayed. */
  nonce: string;
}

export type LinkTokenCheck =
  | { ok: true; claims: LinkTokenClaims }
  | { ok: false; status: 401 | 409; reason: string };

const VERSION = 'v1';

export function signLinkToken(claims: LinkTokenClaims, key: Buffer): string {
  const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
  return `${VERSION}.${payload}.${mac(`${VERSION}.${payload}`, key)}`;
}

/**
 * Checks a token for an instance. Forged or tampered → 401; expired → 401; for another instance → 401;
 * for a plan that is no longer current → 409 (the resource changed; a new link was sent).
 */
export function verifyLinkToken(
  token: string,
  expected: { instanceId: string; currentPlanHash?: string; nowSeconds: number },
  keys: readonly Buffer[],
): LinkTokenCheck {
  const parts = token.split('.');
  if (parts.length !== 3 || parts[0] !== VERSION) return { ok: false, status: 401, reason: 'the approval link is malformed' };
  const [version, payload, signature] = parts as [string, string, string];
  // Several keys are accepted so the signing key can be rotated without breaking links already sent.
  const genuine = keys.some((key) => safeEqual(signature, mac(`${version}.${payload}`, key)));
  if (!genuine) return { ok: false, status: 401, reason: 'the approval link was not issued by driftwarden or was altered' };
  let claims: LinkTokenClaims;
  try {
    claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as LinkTokenClaims;
  } catch {
    return { ok: false, status: 401, reason: 'the approval link is malformed' };
  }
  if (claims.instanceId !== expected.instanceId) return { ok: false, status: 401, reason: 'the approval link belongs to another remediation' };
  if (!(claims.exp > expected.nowSeconds)) return { ok: false, status: 401, reason: 'the approval link has expired' };
  if (expected.currentPlanHash !== undefined && claims.planHash !== expected.currentPlanHash) {
    return { ok: false, status: 409, reason: 'the resource changed since this link was sent; use the link in the newest alert' };
  }
  return { ok: true, claims };
}

function mac(text: string, key: Buffer): string {
  return createHmac('sha256', key).update(text).digest('base64url');
}

function safeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}
