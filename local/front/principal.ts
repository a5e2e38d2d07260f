/**
 * The identity App Service Authentication hands to the app: the `x-ms-client-principal*` headers it injects on
 * every request from a signed-in user, and the `/.auth/me` document. Pure.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { LocalUser } from './types';

export interface Claim {
  typ: string;
  val: string;
}

export const OBJECT_ID_CLAIM = 'http://schemas.microsoft.com/identity/claims/objectidentifier';

export function claimsOf(user: LocalUser): Claim[] {
  return [
    { typ: 'preferred_username', val: user.upn },
    { typ: 'name', val: user.displayName ?? user.upn },
    { typ: OBJECT_ID_CLAIM, val: user.objectId },
    ...(user.groups ?? []).map((val) => ({ typ: 'groups', val })),
    ...(user.roles ?? []).map((val) => ({ typ: 'roles', val })),
  ];
}

/** The headers Easy Auth adds for a signed-in Entra ID user. */
export function principalHeaders(user: LocalUser): Record<string, string> {
  const principal = { auth_typ: 'aad', name_typ: 'preferred_username', role_typ: 'roles', claims: claimsOf(user) };
  return {
    'x-ms-client-principal-id': user.objectId,
    'x-ms-client-principal-name': user.upn,
    'x-ms-client-principal-idp': 'aad',
    'x-ms-client-principal': Buffer.from(JSON.stringify(principal), 'utf8').toString('base64'),
  };
}

/** `GET /.auth/me`: Easy Auth's `user_id` is the signed-in name (UPN), not the object id. No tokens: there are none. */
export function authMeDocument(user: LocalUser | undefined): unknown[] {
  if (!user) return [];
  return [{ provider_name: 'aad', user_id: user.upn, user_claims: claimsOf(user) }];
}

/**
 * Headers only Easy Auth may set. Removing whatever a client sent is what makes them trustworthy downstream; the
 * `x-ms-token-*` store headers are dropped for the same reason.
 */
export function isIdentityHeader(name: string): boolean {
  const lower = name.toLowerCase();
  return lower.startsWith('x-ms-client-principal') || lower.startsWith('x-ms-token-');
}

export function withoutIdentityHeaders(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const out: IncomingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) if (!isIdentityHeader(name)) out[name] = value;
  return out;
}
