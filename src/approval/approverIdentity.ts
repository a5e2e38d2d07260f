/**
 * Who is deciding: an OIDC bearer token (Entra ID or Okta) checked for issuer, audience, expiry and signature
 * against the issuer's JWKS, or App Service Authentication's principal headers when those are the configured
 * trusted source (they are spoofable otherwise, so they are ignored unless configured). Pure: the JWKS and the
 * clock are passed in; fetching the JWKS is the caller's job.
 */
import { createPublicKey, type JsonWebKey, verify } from 'node:crypto';

export interface Approver {
  source: 'oidc' | 'appServiceAuth';
  /** Object id (Entra `oid`) or subject (`sub`). */
  id: string;
  /** UPN, preferred username or email, for records and messages. */
  name?: string;
  issuer?: string;
  groups: string[];
  roles: string[];
}

export interface OidcSettings {
  /** Accepted `iss` values, exactly (e.g. `https://login.microsoftonline.com/<tenant>/v2.0`, `https://<org>.okta.com/oauth2/default`). */
  issuers: string[];
  /** Accepted `aud` values. */
  audiences: string[];
  /** Allowed clock skew in seconds. */
  clockSkewSeconds?: number;
}

export interface Jwks {
  keys: (JsonWebKey & { kid?: string; alg?: string; use?: string })[];
}

export type IdentityResult = { ok: true; approver: Approver } | { ok: false; status: 401; reason: string };

export function decodeJwtUnverified(token: string): { header: Record<string, unknown>; payload: Record<string, unknown> } | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  try {
    return {
      header: JSON.parse(Buffer.from(parts[0]!, 'base64url').toString('utf8')) as Record<string, unknown>,
      payload: JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as Record<string, unknown>,
    };
  } catch {
    return undefined;
  }
}

/** Verifies an OIDC bearer token. `jwks` must be the key set of the token's issuer (see `issuerOf`). */
export function verifyOidcToken(token: string, jwks: Jwks, settings: OidcSettings, nowSeconds: number): IdentityResult {
  const decoded = decodeJwtUnverified(token);
  if (!decoded) return fail('the bearer token is not a JWT');
  const { header, payload } = decoded;
  const alg = header.alg;
  if (alg !== 'RS256' && alg !== 'ES256') return fail(`the bearer token is signed with ${String(alg)}; only RS256 and ES256 are accepted`);
  const iss = typeof payload.iss === 'string' ? payload.iss : '';
  if (!settings.issuers.includes(iss)) return fail(`the bearer token's issuer "${iss}" is not trusted for approvals`);
  const aud = Array.isArray(payload.aud) ? (payload.aud as unknown[]).map(String) : [String(payload.aud ?? '')];
  if (!aud.some((a) => settings.audiences.includes(a))) return fail(`the bearer token is for another audience (${aud.join(', ')})`);
  const skew = settings.clockSkewSeconds ?? 120;
  const exp = Number(payload.exp);
  if (!Number.isFinite(exp) || exp + skew <= nowSeconds) return fail('the bearer token has expired');
  const nbf = Number(payload.nbf ?? 0);
  if (Number.isFinite(nbf) && nbf - skew > nowSeconds) return fail('the bearer token is not valid yet');
  const key = jwks.keys.find((k) => (header.kid === undefined || k.kid === header.kid) && (k.use === undefined || k.use === 'sig'));
  if (!key) return fail(`no signing key "${String(header.kid)}" in the issuer's key set`);
  const [h, p, s] = token.split('.') as [string, string, string];
  let valid: boolean;
  try {
    const publicKey = createPublicKey({ key, format: 'jwk' });
    valid = verify(
      'sha256',
      Buffer.from(`${h}.${p}`),
      alg === 'ES256' ? { key: publicKey, dsaEncoding: 'ieee-p1363' } : publicKey,
      Buffer.from(s, 'base64url'),
    );
  } catch {
    valid = false;
  }
  if (!valid) return fail('the bearer token signature does not verify');
  const id = str(payload.oid) ?? str(payload.sub);
  if (!id) return fail('the bearer token names no subject (oid or sub)');
  const name = str(payload.preferred_username) ?? str(payload.upn) ?? str(payload.email) ?? str(payload.unique_name);
  return {
    ok: true,
    approver: { source: 'oidc', id, ...(name ? { name } : {}), issuer: iss, groups: strings(payload.groups), roles: strings(payload.roles) },
  };
}

/**
 * Reads App Service Authentication's headers: `x-ms-client-principal` (base64 JSON with `claims: [{typ, val}]`),
 * `x-ms-client-principal-id`, `x-ms-client-principal-name`.
 */
export function approverFromAppServiceHeaders(headers: { get(name: string): string | null }): IdentityResult {
  const id = headers.get('x-ms-client-principal-id');
  const encoded = headers.get('x-ms-client-principal');
  if (!id || !encoded) return fail('sign in first: no App Service Authentication principal on the request');
  let claims: { typ?: string; val?: string }[] = [];
  let roleType = 'roles';
  try {
    const principal = JSON.parse(Buffer.from(encoded, 'base64').toString('utf8')) as { claims?: { typ?: string; val?: string }[]; role_typ?: string };
    claims = principal.claims ?? [];
    roleType = principal.role_typ ?? roleType;
  } catch {
    return fail('the App Service Authentication principal header is not valid');
  }
  const values = (...types: string[]) => claims.filter((c) => c.typ && types.includes(c.typ)).map((c) => String(c.val));
  const name = headers.get('x-ms-client-principal-name') ?? values('preferred_username', 'upn', 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn')[0];
  return {
    ok: true,
    approver: {
      source: 'appServiceAuth',
      id,
      ...(name ? { name } : {}),
      groups: values('groups'),
      roles: values('roles', roleType, 'http://schemas.microsoft.com/ws/2008/06/identity/claims/role'),
    },
  };
}

function fail(reason: string): IdentityResult {
  return { ok: false, status: 401, reason };
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v.length > 0 ? v : undefined;
}

function strings(v: unknown): string[] {
  if (Array.isArray(v)) return v.map(String);
  if (typeof v === 'string' && v.length > 0) return v.split(',');
  return [];
}
