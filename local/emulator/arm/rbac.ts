/**
 * Azure RBAC as far as the emulator needs it: which role assignment grants a caller an action on a scope. That
 * assignment becomes `authorization.evidence` in the event (GUIDs without dashes, as real events carry them), and,
 * when RBAC enforcement is on, a caller without one gets ARM's 403 AuthorizationFailed.
 */
import { normalizeGuid, trailingGuid } from '../../../src/arm/guid';
import type { Caller } from '../identities';
import type { EmulatorState, RoleAssignmentRecord, RoleDefinitionRecord } from '../state';

/** Scope in canonical comparison form: lower case, single leading slash, no trailing slash; the root is `/`. */
export function scopeKey(scope: string): string {
  const trimmed = scope.trim().replace(/\/{2,}/g, '/').replace(/\/+$/, '').toLowerCase();
  if (trimmed === '') return '/';
  return trimmed.startsWith('/') ? trimmed : `/${trimmed}`;
}

/** True when `ancestor` is `scope` itself or contains it (the root contains everything). */
export function isAtOrAbove(ancestor: string, scope: string): boolean {
  const a = scopeKey(ancestor);
  const s = scopeKey(scope);
  return a === '/' || s === a || s.startsWith(`${a}/`);
}

export function assignmentId(record: RoleAssignmentRecord): string {
  const scope = record.scope === '/' ? '' : record.scope;
  return `${scope}/providers/Microsoft.Authorization/roleAssignments/${record.name}`;
}

function actionMatches(pattern: string, action: string): boolean {
  const source = pattern
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\/]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${source}$`, 'i').test(action);
}

/** Whether a role definition's control-plane permissions allow `action`. */
export function allowsAction(definition: RoleDefinitionRecord, action: string): boolean {
  return definition.permissions.some(
    (p) => p.actions.some((a) => actionMatches(a, action)) && !p.notActions.some((n) => actionMatches(n, action)),
  );
}

export interface Grant {
  assignment: RoleAssignmentRecord;
  definition: RoleDefinitionRecord;
}

/** The principal ids a caller acts as: its own object id plus its groups (from the token and from the seed). */
export function principalsOf(state: EmulatorState, caller: Caller): Set<string> {
  const ids = new Set<string>();
  const add = (id: string | undefined): void => {
    if (!id) return;
    ids.add(normalizeGuid(id) ?? id.toLowerCase());
  };
  add(caller.objectId);
  for (const group of caller.groups) add(group);
  if (caller.objectId) for (const group of state.identityByObjectId(caller.objectId)?.memberOf ?? []) add(group);
  return ids;
}

/** The most specific role assignment that lets the caller perform `action` on `resourceScope`. */
export function findGrant(state: EmulatorState, caller: Caller, action: string, resourceScope: string): Grant | undefined {
  const principals = principalsOf(state, caller);
  let best: Grant | undefined;
  for (const assignment of state.roleAssignments.values()) {
    const principal = normalizeGuid(assignment.principalId) ?? assignment.principalId.toLowerCase();
    if (!principals.has(principal)) continue;
    if (!isAtOrAbove(assignment.scope, resourceScope)) continue;
    const roleGuid = trailingGuid(assignment.roleDefinitionId);
    const definition = roleGuid ? state.roleDefinitions.get(roleGuid) : undefined;
    if (!definition || !allowsAction(definition, action)) continue;
    if (!best || scopeKey(assignment.scope).length > scopeKey(best.assignment.scope).length) best = { assignment, definition };
  }
  return best;
}

const noDashes = (id: string): string => (normalizeGuid(id) ?? id).replace(/-/g, '');

/**
 * `authorization.evidence`: the RBAC shape when an assignment grants the action, otherwise the classic
 * administrator shape (`{ role: 'Subscription Admin' }`), which is what Azure reports for callers outside RBAC.
 */
export function evidenceOf(grant: Grant | undefined): Record<string, string> {
  if (!grant) return { role: 'Subscription Admin' };
  return {
    role: grant.definition.roleName,
    roleAssignmentScope: grant.assignment.scope,
    roleAssignmentId: noDashes(grant.assignment.name),
    roleDefinitionId: noDashes(grant.definition.name),
    principalId: noDashes(grant.assignment.principalId),
    principalType: grant.assignment.principalType,
  };
}
