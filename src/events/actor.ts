/**
 * Who made an ARM change, from the caller's token claims in `data.claims`. `authorization.evidence` is not used: it
 * describes the role assignment that granted the access (possibly a group's), not the caller.
 *
 * ARM renames some JWT claims to WS-Fed URIs (`oid` → `…/objectidentifier`, `upn` → `…/ws/2005/05/identity/claims/upn`,
 * `unique_name` → `…/ws/2005/05/identity/claims/name`, `tid` → `…/tenantid`, `scp` → `…/scope`), so each fact is looked
 * up under both names. Every lookup is a separate property access with a constant key, never a scan of the (often
 * long) claim map: property caches make that the cheapest way through 5,000 events.
 */

import { normalizeGuid } from '../arm/guid';
import { EventFieldError, JsonObject, childPath, isObject, optionalString } from './fields';
import { normalizeArmId } from './resourceKind';
import { Actor, ActorType } from './types';

const OBJECT_ID_URI = 'http://schemas.microsoft.com/identity/claims/objectidentifier';
const UPN_URI = 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn';
const UNIQUE_NAME_URI = 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name';
const TENANT_ID_URI = 'http://schemas.microsoft.com/identity/claims/tenantid';
const SCOPE_URI = 'http://schemas.microsoft.com/identity/claims/scope';

/** A claim value, trimmed; blank means absent. Claim values are strings: anything else is an error (value not shown). */
function claimText(value: unknown, key: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string') {
    const trimmed = value.trim();
    return trimmed === '' ? undefined : trimmed;
  }
  return optionalString(value, childPath('data.claims', key), false);
}

const UPPER_CASE = /[A-Z]/;

/**
 * Canonical GUID when the value is one, the value itself otherwise (corpus placeholders such as `{ID}` stay as
 * they are). A value without capitals and with dashes in GUID places is returned as is whatever it holds (it is
 * either a canonical GUID or not a GUID at all), which spares the common case `normalizeGuid`'s regular
 * expressions and any string copy.
 */
export function canonicalGuidOrSelf(value: string): string {
  if (
    value.length === 36 &&
    value.charCodeAt(8) === 0x2d &&
    value.charCodeAt(13) === 0x2d &&
    value.charCodeAt(18) === 0x2d &&
    value.charCodeAt(23) === 0x2d &&
    !UPPER_CASE.test(value)
  ) {
    return value;
  }
  return normalizeGuid(value) ?? value;
}

/**
 * The actor of an ARM event. `httpRequest` supplies the client IP when the token has no `ipaddr`.
 * Classification: `xms_mirid` (managed identities only) → managedIdentity; `idtyp` user/app when present (newer
 * tokens); otherwise a UPN, `puid` or a delegated scope (only issued to signed-in users) → user; an app id alone
 * → servicePrincipal; else unknown.
 */
export function actorFromClaims(claimsValue: unknown, httpRequest: JsonObject | undefined): Actor {
  if (claimsValue === undefined || claimsValue === null) {
    const actor: Actor = { type: 'unknown' };
    addClientIpFromRequest(actor, httpRequest);
    return actor;
  }
  if (!isObject(claimsValue)) throw new EventFieldError('data.claims', 'expected an object of string claims');
  const c = claimsValue;

  const objectId = claimText(c.oid, 'oid') ?? claimText(c[OBJECT_ID_URI], OBJECT_ID_URI);
  const appId = claimText(c.appid, 'appid') ?? claimText(c.azp, 'azp');
  // `upn` first; `unique_name` (and its WS-Fed form) and `preferred_username` only when there is no UPN claim.
  const upn =
    claimText(c.upn, 'upn') ??
    claimText(c[UPN_URI], UPN_URI) ??
    claimText(c.unique_name, 'unique_name') ??
    claimText(c[UNIQUE_NAME_URI], UNIQUE_NAME_URI) ??
    claimText(c.preferred_username, 'preferred_username');
  const managedIdentity = claimText(c.xms_mirid, 'xms_mirid');

  let type: ActorType;
  const idType = claimText(c.idtyp, 'idtyp')?.toLowerCase();
  if (managedIdentity !== undefined) type = 'managedIdentity';
  else if (idType === 'user') type = 'user';
  else if (idType === 'app') type = 'servicePrincipal';
  else if (upn !== undefined || claimText(c.puid, 'puid') !== undefined || (claimText(c.scp, 'scp') ?? claimText(c[SCOPE_URI], SCOPE_URI)) !== undefined) type = 'user';
  else if (appId !== undefined) type = 'servicePrincipal';
  else type = 'unknown';

  const actor: Actor = { type };
  if (objectId !== undefined) actor.objectId = canonicalGuidOrSelf(objectId);
  if (appId !== undefined) actor.appId = canonicalGuidOrSelf(appId);
  if (upn !== undefined) actor.upn = upn;
  const name = claimText(c.name, 'name');
  if (name !== undefined) actor.name = name;
  const tenantId = claimText(c.tid, 'tid') ?? claimText(c[TENANT_ID_URI], TENANT_ID_URI);
  if (tenantId !== undefined) actor.tenantId = canonicalGuidOrSelf(tenantId);
  const ip = claimText(c.ipaddr, 'ipaddr');
  if (ip !== undefined) actor.clientIp = ip;
  else addClientIpFromRequest(actor, httpRequest);
  if (managedIdentity !== undefined) actor.managedIdentityResourceId = normalizeArmId(managedIdentity);
  return actor;
}

function addClientIpFromRequest(actor: Actor, httpRequest: JsonObject | undefined): void {
  if (httpRequest === undefined) return;
  const ip = optionalString(httpRequest.clientIpAddress, 'data.httpRequest.clientIpAddress', false);
  if (ip !== undefined) actor.clientIp = ip;
}
