/**
 * Microsoft.Authorization: role assignments (get, list with `$filter`, create by name, delete) at any scope, and role
 * definitions (get, list) seeded with the built-in roles. Assignments are synchronous; their events go out at once.
 */
import { normalizeGuid, sameGuid, trailingGuid } from '../../../src/arm/guid';
import { parseResourceId } from '../../../src/arm/resourceId';
import { azureTimestamp } from '../identifiers';
import { pageOf } from '../http';
import type { Router } from '../router';
import type { RoleAssignmentRecord, RoleDefinitionRecord } from '../state';
import type { ArmContext, ArmHandler, ArmResponse } from './context';
import { draftEvent, publishArmEvent } from './context';
import { jsonObjectBody, param, requireResourceGroup, requireSubscription } from './common';
import { ArmError, invalidRequestContent } from './errors';
import { assignmentId, isAtOrAbove, scopeKey } from './rbac';

const ASSIGNMENTS = '{*scope}/providers/Microsoft.Authorization/roleAssignments';
const DEFINITIONS = '{*scope}/providers/Microsoft.Authorization/roleDefinitions';
const PRINCIPAL_TYPES = ['User', 'Group', 'ServicePrincipal', 'ForeignGroup', 'Device'];

export function registerAuthorizationRoutes(router: Router<ArmHandler>): void {
  router
    .add('GET', `${ASSIGNMENTS}/:name`, getAssignment)
    .add('PUT', `${ASSIGNMENTS}/:name`, createAssignment)
    .add('DELETE', `${ASSIGNMENTS}/:name`, deleteAssignment)
    .add('GET', ASSIGNMENTS, listAssignments)
    .add('GET', `${DEFINITIONS}/:roleDefinitionId`, getDefinition)
    .add('GET', DEFINITIONS, listDefinitions);
}

/** Scope with a leading slash as the client wrote it; `/` for the root. */
function scopeOf(ctx: ArmContext): string {
  const raw = ctx.params['scope'] ?? '';
  return raw === '' ? '/' : `/${raw}`;
}

/** The subscription and resource group a scope names must exist; deeper resources are not checked. */
function validateScope(ctx: ArmContext, scope: string): void {
  if (scope === '/') return;
  const parts = parseResourceId(scope);
  if (parts.subscriptionId === undefined) {
    if (/^\/providers\/Microsoft\.Management\/managementGroups\/[^/]+$/i.test(scope)) return;
    throw new ArmError(400, 'InvalidScope', `The scope '${scope}' is not valid for this operation.`);
  }
  if (parts.resourceGroup !== undefined) requireResourceGroup(ctx, parts.subscriptionId, parts.resourceGroup);
  else requireSubscription(ctx, parts.subscriptionId);
}

/** Map key of an assignment: scope and name, both normalized (names are unique per scope). */
export function assignmentKey(scope: string, name: string): string {
  return `${scopeKey(scope)}|${name.toLowerCase()}`;
}

function assignmentBody(record: RoleAssignmentRecord): Record<string, unknown> {
  const properties: Record<string, unknown> = {
    roleDefinitionId: record.roleDefinitionId,
    principalId: record.principalId,
    principalType: record.principalType,
    scope: record.scope,
  };
  if (record.condition !== undefined) properties['condition'] = record.condition;
  if (record.conditionVersion !== undefined) properties['conditionVersion'] = record.conditionVersion;
  properties['createdOn'] = record.createdOn;
  properties['updatedOn'] = record.updatedOn;
  properties['createdBy'] = record.createdBy;
  properties['updatedBy'] = record.updatedBy;
  if (record.delegatedManagedIdentityResourceId !== undefined) properties['delegatedManagedIdentityResourceId'] = record.delegatedManagedIdentityResourceId;
  if (record.description !== undefined) properties['description'] = record.description;
  return { properties, id: assignmentId(record), type: 'Microsoft.Authorization/roleAssignments', name: record.name };
}

function getAssignment(ctx: ArmContext): ArmResponse {
  const scope = scopeOf(ctx);
  validateScope(ctx, scope);
  const name = param(ctx, 'name');
  const record = ctx.services.state.roleAssignments.get(assignmentKey(scope, name));
  if (!record) throw new ArmError(404, 'RoleAssignmentNotFound', `The role assignment '${name}' is not found.`);
  return { status: 200, body: assignmentBody(record) };
}

function createAssignment(ctx: ArmContext): ArmResponse {
  const scope = scopeOf(ctx);
  const name = param(ctx, 'name');
  if (normalizeGuid(name) === undefined) throw new ArmError(400, 'InvalidRoleAssignmentId', `The role assignment ID '${name}' is not valid. The role assignment ID must be a GUID.`);
  validateScope(ctx, scope);
  const body = jsonObjectBody(ctx);
  const props = body['properties'];
  if (props === null || typeof props !== 'object' || Array.isArray(props)) throw invalidRequestContent("Required property 'properties' not found in JSON.");
  const p = props as Record<string, unknown>;
  const roleDefinitionId = p['roleDefinitionId'];
  if (typeof roleDefinitionId !== 'string' || roleDefinitionId.length === 0) throw invalidRequestContent("Required property 'roleDefinitionId' not found in JSON. Path 'properties'.");
  const principalId = p['principalId'];
  if (typeof principalId !== 'string' || normalizeGuid(principalId) === undefined) {
    throw new ArmError(400, 'InvalidPrincipalId', 'A valid principal ID must be provided for role assignment.');
  }
  const roleGuid = trailingGuid(roleDefinitionId);
  const definition = roleGuid ? ctx.services.state.roleDefinitions.get(roleGuid) : undefined;
  if (!definition) throw new ArmError(400, 'RoleDefinitionDoesNotExist', `The specified role definition with ID '${roleGuid ?? roleDefinitionId}' does not exist.`);
  const { state } = ctx.services;
  let principalType = p['principalType'];
  if (principalType === undefined || principalType === null) {
    const known = state.identityByObjectId(principalId);
    principalType = known ? principalTypeOf(known.type) : 'User';
  }
  if (typeof principalType !== 'string' || !PRINCIPAL_TYPES.includes(principalType)) {
    throw invalidRequestContent(`Error converting value ${JSON.stringify(principalType)} to type 'PrincipalType'. Path 'properties.principalType'.`);
  }

  const existing = state.roleAssignments.get(assignmentKey(scope, name));
  if (existing) {
    if (sameGuid(existing.principalId, principalId) && trailingGuid(existing.roleDefinitionId) === roleGuid) {
      throw new ArmError(409, 'RoleAssignmentExists', 'The role assignment already exists.');
    }
    throw new ArmError(400, 'RoleAssignmentUpdateNotPermitted', 'Tenant ID, application ID, principal ID, and scope are not allowed to be updated.');
  }
  for (const other of state.roleAssignments.values()) {
    if (scopeKey(other.scope) === scopeKey(scope) && sameGuid(other.principalId, principalId) && trailingGuid(other.roleDefinitionId) === roleGuid) {
      throw new ArmError(409, 'RoleAssignmentExists', 'The role assignment already exists.');
    }
  }

  const now = azureTimestamp(ctx.services.now());
  const record: RoleAssignmentRecord = {
    name: normalizeGuid(name)!,
    scope,
    roleDefinitionId,
    principalId,
    principalType,
    createdOn: now,
    updatedOn: now,
    createdBy: ctx.caller.objectId ?? null,
    updatedBy: ctx.caller.objectId ?? null,
  };
  for (const field of ['description', 'condition', 'conditionVersion', 'delegatedManagedIdentityResourceId'] as const) {
    const value = p[field];
    if (typeof value === 'string') record[field] = value;
  }
  const id = assignmentId(record);
  const draft = draftEvent(ctx, {
    kind: 'write',
    operationName: 'Microsoft.Authorization/roleAssignments/write',
    resourceUri: id,
    resourceProvider: 'Microsoft.Authorization',
    subscriptionId: parseResourceId(scope).subscriptionId ?? '',
    updatedExisting: false,
  });
  state.roleAssignments.set(assignmentKey(scope, record.name), record);
  publishArmEvent(ctx.services, draft);
  return { status: 201, body: assignmentBody(record) };
}

function deleteAssignment(ctx: ArmContext): ArmResponse {
  const scope = scopeOf(ctx);
  validateScope(ctx, scope);
  const name = param(ctx, 'name');
  const key = assignmentKey(scope, name);
  const record = ctx.services.state.roleAssignments.get(key);
  if (!record) return { status: 204 };
  const draft = draftEvent(ctx, {
    kind: 'delete',
    operationName: 'Microsoft.Authorization/roleAssignments/delete',
    resourceUri: assignmentId(record),
    resourceProvider: 'Microsoft.Authorization',
    subscriptionId: parseResourceId(record.scope).subscriptionId ?? '',
    updatedExisting: true,
  });
  ctx.services.state.roleAssignments.delete(key);
  publishArmEvent(ctx.services, draft);
  return { status: 200, body: assignmentBody(record) };
}

interface AssignmentFilter {
  atScope: boolean;
  principalId?: string;
  assignedTo?: string;
}

function parseAssignmentFilter(filter: string | null): AssignmentFilter {
  const result: AssignmentFilter = { atScope: false };
  if (filter === null || filter.trim() === '') return result;
  for (const term of filter.trim().split(/\s+and\s+/i)) {
    let m: RegExpExecArray | null;
    if (/^atScope\(\)$/i.test(term)) result.atScope = true;
    else if ((m = /^principalId\s+eq\s+'([^']*)'$/i.exec(term))) result.principalId = m[1];
    else if ((m = /^assignedTo\('([^']*)'\)$/i.exec(term))) result.assignedTo = m[1];
    else {
      throw new ArmError(400, 'UnsupportedQuery', `The filter '${filter}' is not supported. Supported filters are either 'atScope()' or 'principalId eq '{value}' or assignedTo('{value}')'.`);
    }
  }
  return result;
}

/**
 * At, above (inherited) and below the scope; `atScope()` keeps at and above. `principalId eq` matches the principal
 * itself, `assignedTo()` also the groups it belongs to.
 */
function listAssignments(ctx: ArmContext): ArmResponse {
  const scope = scopeOf(ctx);
  validateScope(ctx, scope);
  const filter = parseAssignmentFilter(ctx.req.query.get('$filter'));
  const { state } = ctx.services;
  let principals: string[] | undefined;
  if (filter.principalId !== undefined) principals = [filter.principalId];
  if (filter.assignedTo !== undefined) principals = [filter.assignedTo, ...(state.identityByObjectId(filter.assignedTo)?.memberOf ?? [])];
  const items = [...state.roleAssignments.values()].filter((a) => {
    const above = isAtOrAbove(a.scope, scope);
    const below = !filter.atScope && isAtOrAbove(scope, a.scope);
    if (!above && !below) return false;
    if (principals !== undefined && !principals.some((p) => sameGuid(p, a.principalId))) return false;
    return true;
  });
  const page = pageOf(ctx.req, items.map(assignmentBody), ctx.services.settings.pageSize);
  return { status: 200, body: page.nextLink ? { value: page.items, nextLink: page.nextLink } : { value: page.items } };
}

function definitionBody(scope: string, definition: RoleDefinitionRecord): Record<string, unknown> {
  const subscriptionId = parseResourceId(scope).subscriptionId;
  const prefix = subscriptionId ? `/subscriptions/${subscriptionId}` : '';
  return {
    properties: {
      roleName: definition.roleName,
      type: definition.type,
      description: definition.description,
      assignableScopes: [...definition.assignableScopes],
      permissions: definition.permissions.map((p) => ({ actions: [...p.actions], notActions: [...p.notActions], dataActions: [...p.dataActions], notDataActions: [...p.notDataActions] })),
      createdOn: definition.createdOn,
      updatedOn: definition.updatedOn,
      createdBy: definition.createdBy,
      updatedBy: definition.updatedBy,
    },
    id: `${prefix}/providers/Microsoft.Authorization/roleDefinitions/${definition.name}`,
    type: 'Microsoft.Authorization/roleDefinitions',
    name: definition.name,
  };
}

/** Custom roles are visible where one of their assignable scopes covers the requested scope. */
function visibleAt(definition: RoleDefinitionRecord, scope: string): boolean {
  return definition.type === 'BuiltInRole' || definition.assignableScopes.some((s) => isAtOrAbove(s.replace(/\/\*$/, ''), scope) || isAtOrAbove(scope, s));
}

function getDefinition(ctx: ArmContext): ArmResponse {
  const scope = scopeOf(ctx);
  validateScope(ctx, scope);
  const id = param(ctx, 'roleDefinitionId');
  const guid = normalizeGuid(id);
  const definition = guid ? ctx.services.state.roleDefinitions.get(guid) : undefined;
  if (!definition || !visibleAt(definition, scope)) throw new ArmError(404, 'RoleDefinitionDoesNotExist', `The specified role definition with ID '${id}' does not exist.`);
  return { status: 200, body: definitionBody(scope, definition) };
}

function listDefinitions(ctx: ArmContext): ArmResponse {
  const scope = scopeOf(ctx);
  validateScope(ctx, scope);
  const filter = ctx.req.query.get('$filter');
  let roleName: string | undefined;
  let type: string | undefined;
  if (filter !== null && filter.trim() !== '') {
    for (const term of filter.trim().split(/\s+and\s+/i)) {
      let m: RegExpExecArray | null;
      if ((m = /^roleName\s+eq\s+'([^']*)'$/i.exec(term))) roleName = m[1];
      else if ((m = /^type\s+eq\s+'([^']*)'$/i.exec(term))) type = m[1];
      else if (/^atScopeAndBelow\(\)$/i.test(term)) continue;
      else throw new ArmError(400, 'UnsupportedQuery', `The filter '${filter}' is not supported. Supported filters are 'roleName eq '{value}'', 'type eq '{value}'' and 'atScopeAndBelow()'.`);
    }
  }
  const items = [...ctx.services.state.roleDefinitions.values()].filter(
    (d) => visibleAt(d, scope) && (roleName === undefined || d.roleName.toLowerCase() === roleName.toLowerCase()) && (type === undefined || d.type.toLowerCase() === type.toLowerCase()),
  );
  const page = pageOf(ctx.req, items.map((d) => definitionBody(scope, d)), ctx.services.settings.pageSize);
  return { status: 200, body: page.nextLink ? { value: page.items, nextLink: page.nextLink } : { value: page.items } };
}

/** ARM's principalType for a directory object kind (managed identities are service principals). */
export function principalTypeOf(kind: string): string {
  switch (kind) {
    case 'user':
      return 'User';
    case 'group':
      return 'Group';
    default:
      return 'ServicePrincipal';
  }
}

