/**
 * Which of driftwarden's resource kinds an ARM id or operation names, found with plain string searches on the
 * normalized (lower-case) id: this runs for every event of a 5,000-event delivery.
 */

import { normalizeResourceId } from '../arm/resourceId';
import { ChangeKind } from './types';

const NSG_MARK = '/providers/microsoft.network/networksecuritygroups/';
const RULES_SEGMENT = 'securityrules/';
const ROLE_ASSIGNMENT_MARK = '/providers/microsoft.authorization/roleassignments/';

const KIND_BY_TYPE: ReadonlyMap<string, ChangeKind> = new Map<string, ChangeKind>([
  ['microsoft.network/networksecuritygroups', 'networkSecurityGroup'],
  ['microsoft.network/networksecuritygroups/securityrules', 'securityRule'],
  ['microsoft.authorization/roleassignments', 'roleAssignment'],
]);

/** The kind an ARM resource type (any casing) stands for; `other` for types driftwarden does not watch. */
export function kindOfResourceType(resourceType: string): ChangeKind {
  return KIND_BY_TYPE.get(resourceType.trim().toLowerCase()) ?? 'other';
}

/**
 * The resource type an ARM operation name acts on, lower-case: `Microsoft.Network/networkSecurityGroups/securityRules/write`
 * → `microsoft.network/networksecuritygroups/securityrules`; an action drops its name too
 * (`.../namespaces/AuthorizationRules/listKeys/action` → `.../namespaces/authorizationrules`). Undefined when the name
 * does not end in write, delete or action.
 */
export function resourceTypeOfOperation(operationName: string): string | undefined {
  const op = operationName.trim().toLowerCase();
  const last = op.lastIndexOf('/');
  if (last <= 0) return undefined;
  const verb = op.slice(last + 1);
  if (verb === 'write' || verb === 'delete') return op.slice(0, last);
  if (verb === 'action') {
    const actionStart = op.lastIndexOf('/', last - 1);
    return actionStart > 0 ? op.slice(0, actionStart) : undefined;
  }
  return undefined;
}

/** Classifies a normalized ARM id by its shape; ids of other types (or malformed ones) are `other`. */
export function classifyResourceId(normalizedId: string): ChangeKind {
  const nsgAt = normalizedId.lastIndexOf(NSG_MARK);
  if (nsgAt > 0) {
    const nameStart = nsgAt + NSG_MARK.length;
    const slash = normalizedId.indexOf('/', nameStart);
    if (slash === -1) {
      if (nameStart < normalizedId.length) return 'networkSecurityGroup';
    } else if (slash > nameStart && normalizedId.startsWith(RULES_SEGMENT, slash + 1)) {
      const ruleStart = slash + 1 + RULES_SEGMENT.length;
      if (ruleStart < normalizedId.length && normalizedId.indexOf('/', ruleStart) === -1) return 'securityRule';
    }
  }
  const assignmentAt = normalizedId.lastIndexOf(ROLE_ASSIGNMENT_MARK);
  if (assignmentAt >= 0) {
    const nameStart = assignmentAt + ROLE_ASSIGNMENT_MARK.length;
    if (nameStart < normalizedId.length && normalizedId.indexOf('/', nameStart) === -1) return 'roleAssignment';
  }
  return 'other';
}

/** The NSG a normalized NSG or rule id belongs to (the id itself for an NSG). */
export function nsgIdOf(normalizedId: string, kind: ChangeKind): string | undefined {
  if (kind === 'networkSecurityGroup') return normalizedId;
  if (kind === 'securityRule') return normalizedId.slice(0, normalizedId.lastIndexOf('/securityrules/'));
  return undefined;
}

const OPERATION_KIND_CACHE_LIMIT = 1_000;
const kindByOperation = new Map<string, ChangeKind | undefined>();

/**
 * `kindOfResourceType(resourceTypeOfOperation(name))`, remembered per operation name as written: a subscription
 * emits a handful of distinct names, and this saves two string copies per event. The memo is bounded so hostile
 * input cannot grow it without limit.
 */
export function kindOfOperation(operationName: string): ChangeKind | undefined {
  const cached = kindByOperation.get(operationName);
  if (cached !== undefined || kindByOperation.has(operationName)) return cached;
  const type = resourceTypeOfOperation(operationName);
  const kind = type === undefined ? undefined : kindOfResourceType(type);
  if (kindByOperation.size < OPERATION_KIND_CACHE_LIMIT) kindByOperation.set(operationName, kind);
  return kind;
}

/**
 * `normalizeResourceId`, with a fast path for the shape ARM events use (leading slash, no doubled or trailing
 * slash, no surrounding whitespace), where normalizing is just lower-casing.
 */
export function normalizeArmId(id: string): string {
  const first = id.charCodeAt(0);
  const last = id.charCodeAt(id.length - 1);
  if (first === 0x2f && last > 0x20 && last < 0x7f && last !== 0x2f && id.indexOf('//') === -1) return id.toLowerCase();
  return normalizeResourceId(id);
}

/** The last segment of an id as written (original casing), e.g. a rule's name. */
export function lastSegment(id: string): string {
  let end = id.length;
  while (end > 0 && (id.charCodeAt(end - 1) === 0x2f || id.charCodeAt(end - 1) <= 0x20)) end -= 1;
  return id.slice(id.lastIndexOf('/', end - 1) + 1, end);
}

/** The subscription id in a normalized id, if it is under one. */
export function subscriptionOf(normalizedId: string): string | undefined {
  if (!normalizedId.startsWith('/subscriptions/')) return undefined;
  const end = normalizedId.indexOf('/', 15);
  const id = end === -1 ? normalizedId.slice(15) : normalizedId.slice(15, end);
  return id === '' ? undefined : id;
}

/** Human name of a kind for messages. */
export function describeKind(kind: ChangeKind): string {
  switch (kind) {
    case 'networkSecurityGroup':
      return 'a network security group id (…/providers/Microsoft.Network/networkSecurityGroups/{name})';
    case 'securityRule':
      return 'a security rule id (…/networkSecurityGroups/{nsg}/securityRules/{rule})';
    case 'roleAssignment':
      return 'a role assignment id (…/providers/Microsoft.Authorization/roleAssignments/{id})';
    case 'secret':
      return 'a Key Vault id (…/providers/Microsoft.KeyVault/vaults/{name})';
    case 'other':
      return 'an ARM resource id';
  }
}
