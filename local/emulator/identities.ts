/**
 * Identities. The emulator's bearer tokens are unsigned JWTs: whatever claims a token carries are the caller. Tests
 * and tools act as a user, a service principal or a managed identity just by the token they send, and the claims flow
 * into the `claims` of the Event Grid events the way Azure flattens them.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { AccessToken, GetTokenOptions, TokenCredential } from '@azure/identity';

export type IdentityKind = 'user' | 'servicePrincipal' | 'managedIdentity' | 'group';

/** A principal known to the emulated directory (seeded), or described ad hoc by a test. */
export interface EmulatorIdentity {
  /** Short handle used in seeds and admin calls, e.g. `alice` or `id-driftwarden`. */
  name: string;
  type: IdentityKind;
  /** Entra object id (the `oid` claim, the `principalId` of role assignments). */
  objectId: string;
  displayName?: string;
  /** Users: user principal name, e.g. `alice@contoso.example`. */
  upn?: string;
  /** Service principals and managed identities: the application (client) id. */
  appId?: string;
  /** Managed identities: ARM id of the identity (user-assigned) or of the resource (system-assigned). */
  resourceId?: string;
  /** Object ids of the groups the principal belongs to (the `groups` claim). */
  memberOf?: string[];
  /** Client IP the tokens carry (`ipaddr`); users only. */
  ipAddress?: string;
  tenantId?: string;
}

/** JWT claims as a token carries them (numbers for times, arrays for multi-valued claims). */
export type JwtClaims = Record<string, unknown>;

export const ARM_AUDIENCE = 'https://management.azure.com/';
export const VAULT_AUDIENCE = 'https://vault.azure.net';
/** Azure CLI's well-known client id: the app a human user's ARM token is issued to. */
export const AZURE_CLI_APP_ID = '04b07795-8ddb-461a-bbee-02f9e1bf7b46';
/** Tenant used when neither the identity nor the caller names one. */
export const DEFAULT_TENANT_ID = '00000000-0000-4000-8000-00000000e1a0';

export interface TokenOptions {
  audience?: string;
  tenantId?: string;
  /** Token lifetime; 1 hour by default, like Entra ID. */
  lifetimeSeconds?: number;
  /** Epoch ms to issue the token at (defaults to now). */
  now?: number;
}

/** The claims Entra ID would put in an access token for this identity (v1 tokens, as ARM receives them). */
export function claimsFor(identity: EmulatorIdentity, options: TokenOptions = {}): JwtClaims {
  const now = Math.floor((options.now ?? Date.now()) / 1000);
  const tenantId = identity.tenantId ?? options.tenantId ?? DEFAULT_TENANT_ID;
  const base: JwtClaims = {
    aud: options.audience ?? ARM_AUDIENCE,
    iss: `https://sts.windows.net/${tenantId}/`,
    iat: now,
    nbf: now,
    exp: now + (options.lifetimeSeconds ?? 3600),
    aio: randomToken(),
    oid: identity.objectId,
    rh: randomToken(),
    tid: tenantId,
    uti: randomToken().slice(0, 22),
    ver: '1.0',
  };
  if (identity.memberOf && identity.memberOf.length > 0) base['groups'] = [...identity.memberOf];
  switch (identity.type) {
    case 'user': {
      const upn = identity.upn ?? `${identity.name}@contoso.example`;
      return {
        ...base,
        acr: '1',
        amr: ['pwd', 'mfa'],
        appid: AZURE_CLI_APP_ID,
        appidacr: '0',
        idtyp: 'user',
        ipaddr: identity.ipAddress ?? '203.0.113.10',
        name: identity.displayName ?? upn,
        puid: stableHex(`puid:${identity.objectId}`, 16).toUpperCase(),
        scp: 'user_impersonation',
        // For users `sub` is a pairwise id, stable per principal and app, and not the object id.
        sub: stableBase64(`sub:${identity.objectId}`),
        unique_name: upn,
        upn,
      };
    }
    case 'servicePrincipal':
    case 'managedIdentity': {
      const claims: JwtClaims = {
        ...base,
        appid: identity.appId ?? identity.objectId,
        // 1 = client secret, 2 = certificate / managed identity credential.
        appidacr: identity.type === 'managedIdentity' ? '2' : '1',
        idp: `https://sts.windows.net/${tenantId}/`,
        idtyp: 'app',
        sub: identity.objectId,
      };
      if (identity.type === 'managedIdentity' && identity.resourceId) claims['xms_mirid'] = identity.resourceId;
      return claims;
    }
    case 'group':
      throw new Error(`identity "${identity.name}" is a group; groups cannot obtain tokens`);
  }
}

/** An unsigned JWT (`alg: none`) carrying the claims. The emulator reads the claims and never checks a signature. */
export function encodeJwt(claims: JwtClaims): string {
  const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
  const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
  return `${header}.${payload}.`;
}

/** The claims of a JWT, or undefined when the text is not a JWT with a JSON object payload. */
export function decodeJwt(token: string): JwtClaims | undefined {
  const parts = token.split('.');
  if (parts.length !== 3 || parts[1] === undefined || parts[1].length === 0) return undefined;
  try {
    const payload = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as unknown;
    if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) return undefined;
    return payload as JwtClaims;
  } catch {
    return undefined;
  }
}

/** A token for an identity or for raw claims (used as they are, with `exp` etc. filled in when missing). */
export function tokenFor(subject: EmulatorIdentity | JwtClaims, options: TokenOptions = {}): string {
  return encodeJwt(resolveClaims(subject, options));
}

function isIdentity(subject: EmulatorIdentity | JwtClaims): subject is EmulatorIdentity {
  return typeof subject['objectId'] === 'string' && typeof subject['type'] === 'string' && typeof subject['name'] === 'string';
}

function resolveClaims(subject: EmulatorIdentity | JwtClaims, options: TokenOptions): JwtClaims {
  if (isIdentity(subject)) return claimsFor(subject, options);
  const now = Math.floor((options.now ?? Date.now()) / 1000);
  return {
    aud: options.audience ?? ARM_AUDIENCE,
    iat: now,
    nbf: now,
    exp: now + (options.lifetimeSeconds ?? 3600),
    ...(options.tenantId ? { tid: options.tenantId } : {}),
    ...subject,
  };
}

/**
 * A TokenCredential for the Azure SDK clients that returns emulator tokens for the identity (or raw claims). The
 * audience follows the requested scope, so the same credential serves ARM and Key Vault clients.
 */
export function emulatorCredential(subject: EmulatorIdentity | JwtClaims, options: Omit<TokenOptions, 'audience' | 'now'> = {}): TokenCredential {
  return {
    getToken(scopes: string | string[], getTokenOptions?: GetTokenOptions): Promise<AccessToken> {
      const scope = Array.isArray(scopes) ? (scopes[0] ?? ARM_AUDIENCE) : scopes;
      const audience = scope.replace(/\/?\.default$/, '').replace(/^https:\/\/management\.azure\.com$/, ARM_AUDIENCE);
      const lifetimeSeconds = options.lifetimeSeconds ?? 3600;
      const tenantId = getTokenOptions?.tenantId ?? options.tenantId;
      const token = tokenFor(subject, { ...options, audience, lifetimeSeconds, ...(tenantId ? { tenantId } : {}) });
      return Promise.resolve({ token, expiresOnTimestamp: Date.now() + lifetimeSeconds * 1000, tokenType: 'Bearer' });
    },
  };
}

/** The caller of a request, read from its token. */
export interface Caller {
  claims: JwtClaims;
  objectId?: string;
  tenantId?: string;
  upn?: string;
  appId?: string;
  ipAddress?: string;
  /** Object ids from the `groups` claim. */
  groups: string[];
  /** `user` when the token says so (idtyp) or carries a UPN; `app` otherwise. */
  kind: 'user' | 'app';
  /** A printable name for messages: the UPN, else the app id, else the object id. */
  display: string;
}

export function callerFromClaims(claims: JwtClaims): Caller {
  const str = (key: string): string | undefined => {
    const value = claims[key];
    return typeof value === 'string' && value.length > 0 ? value : undefined;
  };
  const groupsClaim = claims['groups'];
  const groups = Array.isArray(groupsClaim)
    ? groupsClaim.filter((g): g is string => typeof g === 'string')
    : typeof groupsClaim === 'string'
      ? groupsClaim.split(',').map((g) => g.trim()).filter((g) => g.length > 0)
      : [];
  const upn = str('upn') ?? str('unique_name');
  const idtyp = str('idtyp');
  const kind: 'user' | 'app' = idtyp === 'app' ? 'app' : idtyp === 'user' || upn !== undefined ? 'user' : 'app';
  const objectId = str('oid');
  const appId = str('appid') ?? str('azp');
  return {
    claims,
    objectId,
    tenantId: str('tid'),
    upn,
    appId,
    ipAddress: str('ipaddr'),
    groups,
    kind,
    display: upn ?? appId ?? objectId ?? 'unknown caller',
  };
}

/**
 * The caller's claims as ARM puts them in an event's `data.claims`: some JWT names become WS-Fed URIs, every value is
 * a string, and arrays become comma-separated lists (see corpus NOTES.md §2).
 */
const WS_FED_NAMES: Record<string, string> = {
  oid: 'http://schemas.microsoft.com/identity/claims/objectidentifier',
  tid: 'http://schemas.microsoft.com/identity/claims/tenantid',
  scp: 'http://schemas.microsoft.com/identity/claims/scope',
  idp: 'http://schemas.microsoft.com/identity/claims/identityprovider',
  amr: 'http://schemas.microsoft.com/claims/authnmethodsreferences',
  acr: 'http://schemas.microsoft.com/claims/authnclassreference',
  upn: 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn',
  unique_name: 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name',
  sub: 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/nameidentifier',
  given_name: 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname',
  family_name: 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname',
  deviceid: 'http://schemas.microsoft.com/2012/01/devicecontext/claims/identifier',
};

export function flattenClaimsForEvent(claims: JwtClaims): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(claims)) {
    if (value === undefined || value === null) continue;
    const name = WS_FED_NAMES[key] ?? key;
    if (Array.isArray(value)) out[name] = value.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))).join(',');
    else if (typeof value === 'object') out[name] = JSON.stringify(value);
    else out[name] = String(value);
  }
  return out;
}

function randomToken(): string {
  return Buffer.from(randomUUID().replace(/-/g, ''), 'hex').toString('base64url') + 'AA';
}

function stableHex(seed: string, length: number): string {
  return createHash('sha256').update(seed).digest('hex').slice(0, length);
}

function stableBase64(seed: string): string {
  return createHash('sha256').update(seed).digest('base64url').slice(0, 43);
}
