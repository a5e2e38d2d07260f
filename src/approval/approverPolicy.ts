/**
 * Who may approve for a scope. An entry applies to its scope and everything below it; all entries that apply are
 * combined. No entry for a resource means nobody may approve it over HTTP (a clear 403, never an open door).
 */
import { normalizeResourceId } from '../arm/resourceId';
import { sameGuid } from '../arm/guid';
import type { Approver } from './approverIdentity';

export interface ApproverRule {
  /** Subscription or resource-group id (or any ARM scope). */
  scope: string;
  /** Group object ids (Entra) or group names (Okta). */
  groups?: string[];
  /** App roles (the `roles` claim). */
  roles?: string[];
  /**
   * Object ids (Entra `oid`) or subjects (OIDC `sub`). Names (UPN, email, preferred_username) are not accepted: an
   * identity provider may let a user change them, and an approval must not follow a rename.
   */
  users?: string[];
}

export type AuthorizationResult = { ok: true; matched: string } | { ok: false; status: 403; reason: string };

export function authorizeApprover(approver: Approver, resourceId: string, rules: readonly ApproverRule[]): AuthorizationResult {
  const resource = normalizeResourceId(resourceId);
  const applicable = rules.filter((r) => {
    const scope = normalizeResourceId(r.scope);
    return resource === scope || resource.startsWith(`${scope}/`);
  });
  if (applicable.length === 0) {
    return { ok: false, status: 403, reason: `no approvers are configured for ${resourceId}; add an approval.approvers entry for its subscription or resource group` };
  }
  for (const rule of applicable) {
    const user = rule.users?.find((u) => sameGuid(u, approver.id));
    if (user) return { ok: true, matched: `user ${user} at ${rule.scope}` };
    const group = rule.groups?.find((g) => approver.groups.some((ag) => sameGuid(ag, g)));
    if (group) return { ok: true, matched: `group ${group} at ${rule.scope}` };
    const role = rule.roles?.find((r) => approver.roles.includes(r));
    if (role) return { ok: true, matched: `role ${role} at ${rule.scope}` };
  }
  return {
    ok: false,
    status: 403,
    reason: `${approver.name ?? approver.id} is not an approver for ${resourceId} (needs one of the groups, roles or users configured for its scope)`,
  };
}
