/**
 * Microsoft.Network: network security groups and their security rules (plus read-only virtual networks from the
 * seed). Writes are long-running operations; every write changes the NSG's one etag; events go out when the
 * operation completes: the NSG PUT raises only the NSG event, a rule PUT only the rule event.
 */
import { newEtag, newGuid } from '../identifiers';
import { pageOf } from '../http';
import type { EmulatorRequest } from '../http';
import { callerFromClaims, claimsFor } from '../identities';
import type { Caller, EmulatorIdentity } from '../identities';
import { Router } from '../router';
import type { NsgRecord, SecurityRuleRecord, VirtualNetworkRecord } from '../state';
import { nsgId, vnetId } from '../state';
import type { FaultStatus } from '../faults';
import type { ArmContext, ArmHandler, ArmResponse, ArmServices } from './context';
import { draftEvent, publishArmEvent } from './context';
import { checkPreconditions, jsonObjectBody, optionalTags, param, requireResourceGroup, requireSubscription } from './common';
import { ArmError, childNotFound, invalidRequestFormat, invalidResourceName, networkError, parentNotFound, resourceNotFound } from './errors';
import { conflictMessage, defaultRuleBodies, findConflict, isValidResourceName, nsgBody, parseRuleProperties, ruleBody } from './securityRules';

const NSG_TYPE = 'Microsoft.Network/networkSecurityGroups';
const NSG_WRITE = 'Microsoft.Network/networkSecurityGroups/write';
const NSG_DELETE = 'Microsoft.Network/networkSecurityGroups/delete';
const RULE_WRITE = 'Microsoft.Network/networkSecurityGroups/securityRules/write';
const RULE_DELETE = 'Microsoft.Network/networkSecurityGroups/securityRules/delete';
const RG = '/subscriptions/:subscriptionId/resourceGroups/:resourceGroup/providers/Microsoft.Network';

export function registerNetworkRoutes(router: Router<ArmHandler>): void {
  router
    .add('GET', '/subscriptions/:subscriptionId/providers/Microsoft.Network/networkSecurityGroups', listAllNsgs)
    .add('GET', `${RG}/networkSecurityGroups`, listNsgs)
    .add('GET', `${RG}/networkSecurityGroups/:nsg`, getNsg)
    .add('PUT', `${RG}/networkSecurityGroups/:nsg`, putNsg)
    .add('PATCH', `${RG}/networkSecurityGroups/:nsg`, patchNsgTags)
    .add('DELETE', `${RG}/networkSecurityGroups/:nsg`, deleteNsg)
    .add('GET', `${RG}/networkSecurityGroups/:nsg/securityRules`, listRules)
    .add('GET', `${RG}/networkSecurityGroups/:nsg/securityRules/:rule`, getRule)
    .add('PUT', `${RG}/networkSecurityGroups/:nsg/securityRules/:rule`, putRule)
    .add('DELETE', `${RG}/networkSecurityGroups/:nsg/securityRules/:rule`, deleteRule)
    .add('GET', `${RG}/networkSecurityGroups/:nsg/defaultSecurityRules`, listDefaultRules)
    .add('GET', `${RG}/networkSecurityGroups/:nsg/defaultSecurityRules/:rule`, getDefaultRule)
    .add('GET', '/subscriptions/:subscriptionId/providers/Microsoft.Network/locations/:location/operations/:operationId', getOperationStatus)
    .add('GET', '/subscriptions/:subscriptionId/providers/Microsoft.Network/locations/:location/operationResults/:operationId', getOperationResult)
    .add('GET', '/subscriptions/:subscriptionId/providers/Microsoft.Network/virtualNetworks', listAllVnets)
    .add('GET', `${RG}/virtualNetworks`, listVnets)
    .add('GET', `${RG}/virtualNetworks/:vnet`, getVnet);
}

function existingNsg(ctx: ArmContext): NsgRecord | undefined {
  const subscriptionId = param(ctx, 'subscriptionId');
  const resourceGroup = param(ctx, 'resourceGroup');
  requireResourceGroup(ctx, subscriptionId, resourceGroup);
  return ctx.services.state.nsg(subscriptionId, resourceGroup, param(ctx, 'nsg'));
}

function requireNsg(ctx: ArmContext): NsgRecord {
  const nsg = existingNsg(ctx);
  if (!nsg) throw resourceNotFound(NSG_TYPE, param(ctx, 'nsg'), param(ctx, 'resourceGroup'));
  return nsg;
}

/** Child routes: a missing NSG is a missing parent. */
function parentNsg(ctx: ArmContext): NsgRecord {
  const nsg = existingNsg(ctx);
  if (!nsg) throw parentNotFound(param(ctx, 'nsg'));
  return nsg;
}

function nsgResponse(services: ArmServices, nsg: NsgRecord): Record<string, unknown> {
  return nsgBody(nsg, services.state.subnetsOf(nsgId(nsg.subscriptionId, nsg.resourceGroup, nsg.name)));
}

function list(ctx: ArmContext, items: unknown[]): ArmResponse {
  const page = pageOf(ctx.req, items, ctx.services.settings.pageSize);
  return { status: 200, body: page.nextLink ? { value: page.items, nextLink: page.nextLink } : { value: page.items } };
}

function listAllNsgs(ctx: ArmContext): ArmResponse {
  const subscriptionId = param(ctx, 'subscriptionId');
  requireSubscription(ctx, subscriptionId);
  const items = [...ctx.services.state.nsgs.values()].filter((n) => n.subscriptionId.toLowerCase() === subscriptionId.toLowerCase());
  return list(ctx, items.map((n) => nsgResponse(ctx.services, n)));
}

function listNsgs(ctx: ArmContext): ArmResponse {
  const subscriptionId = param(ctx, 'subscriptionId');
  const resourceGroup = param(ctx, 'resourceGroup');
  requireResourceGroup(ctx, subscriptionId, resourceGroup);
  const items = [...ctx.services.state.nsgs.values()].filter(
    (n) => n.subscriptionId.toLowerCase() === subscriptionId.toLowerCase() && n.resourceGroup.toLowerCase() === resourceGroup.toLowerCase(),
  );
  return list(ctx, items.map((n) => nsgResponse(ctx.services, n)));
}

/**
 * Serialized GET bodies, reused while nothing about the NSG changed: every write moves its etag, and running
 * operations (which show as `Updating`) are counted in the key. NSG GET is the hot path of load tests.
 */
const getCache = new WeakMap<NsgRecord, { key: string; text: string }>();

function getNsg(ctx: ArmContext): ArmResponse {
  const nsg = requireNsg(ctx);
  const subnets = ctx.services.state.subnetsOf(nsgId(nsg.subscriptionId, nsg.resourceGroup, nsg.name));
  const key = `${nsg.etag}|${nsg.pendingOperations}|${subnets.join(',')}`;
  const cached = getCache.get(nsg);
  if (cached && cached.key === key) return { status: 200, body: cached.text };
  const text = JSON.stringify(nsgBody(nsg, subnets));
  getCache.set(nsg, { key, text });
  return { status: 200, body: text };
}

/** Starts the LRO of a write to `nsg`; `done` runs when it completes (clear Updating, publish the event). */
function startNsgOperation(services: ArmServices, nsg: NsgRecord, done: (operationId: string) => void): string {
  nsg.pendingOperations += 1;
  const holder: { id?: string } = {};
  const op = services.operations.start(nsg.subscriptionId, nsg.location, () => {
    nsg.pendingOperations = Math.max(0, nsg.pendingOperations - 1);
    done(holder.id ?? '');
  });
  holder.id = op.id;
  return op.id;
}

function lroHeaders(ctx: ArmContext, operationId: string, withLocation: boolean): Record<string, string> {
  const op = ctx.services.operations.peek(operationId);
  if (!op) return {};
  return ctx.services.operations.headers(ctx.services.settings.baseUrl, op, ctx.apiVersion, withLocation);
}

function putNsg(ctx: ArmContext): ArmResponse {
  const subscriptionId = param(ctx, 'subscriptionId');
  const resourceGroup = param(ctx, 'resourceGroup');
  const rg = requireResourceGroup(ctx, subscriptionId, resourceGroup);
  const name = param(ctx, 'nsg');
  if (!isValidResourceName(name)) throw invalidResourceName(name);
  const { state } = ctx.services;
  const existing = state.nsg(subscriptionId, resourceGroup, name);
  const id = existing ? nsgId(existing.subscriptionId, existing.resourceGroup, existing.name) : nsgId(subscriptionId, rg.name, name);
  checkPreconditions(ctx, existing?.etag, id);
  const body = jsonObjectBody(ctx);
  const location = typeof body['location'] === 'string' && body['location'].length > 0 ? body['location'] : existing?.location;
  if (location === undefined) throw new ArmError(400, 'LocationRequired', 'The location property is required for this definition.');
  const tags = optionalTags(body['tags']);
  const properties = body['properties'] ?? {};
  if (properties === null || typeof properties !== 'object' || Array.isArray(properties)) throw invalidRequestFormat('properties must be an object.');
  const rawRules = (properties as Record<string, unknown>)['securityRules'] ?? [];
  if (!Array.isArray(rawRules)) throw invalidRequestFormat('properties.securityRules must be an array.');

  const rules = new Map<string, SecurityRuleRecord>();
  for (const raw of rawRules) {
    const ruleObject = raw !== null && typeof raw === 'object' ? (raw as Record<string, unknown>) : {};
    const ruleName = ruleObject['name'];
    if (typeof ruleName !== 'string' || !isValidResourceName(ruleName)) throw invalidResourceName(String(ruleName));
    if (rules.has(ruleName.toLowerCase())) throw invalidRequestFormat(`The security rule name ${ruleName} appears more than once.`);
    const parsed = parseRuleProperties(ruleObject['properties'], `${id}/securityRules/${ruleName}`);
    if (!parsed.ok) throw networkError(400, parsed.issue.code, parsed.issue.message);
    const candidate = { name: ruleName, properties: parsed.properties };
    const conflict = findConflict(candidate, rules.values());
    if (conflict !== undefined) throw networkError(400, 'SecurityRuleConflict', conflictMessage(conflict, ruleName));
    rules.set(ruleName.toLowerCase(), candidate);
  }

  const draft = draftEvent(ctx, { kind: 'write', operationName: NSG_WRITE, resourceUri: id, resourceProvider: 'Microsoft.Network', subscriptionId, updatedExisting: existing !== undefined });
  const nsg: NsgRecord = existing ?? {
    subscriptionId: state.subscription(subscriptionId)!.subscriptionId,
    resourceGroup: rg.name,
    name,
    location,
    resourceGuid: newGuid(),
    etag: newEtag(),
    rules: new Map(),
    pendingOperations: 0,
  };
  nsg.location = location;
  nsg.tags = tags;
  nsg.rules = rules;
  nsg.etag = newEtag();
  state.nsgs.set(id.toLowerCase(), nsg);
  const operationId = startNsgOperation(ctx.services, nsg, (opId) => {
    for (const rule of rules.values()) if (rule.pendingOperationId === opId) delete rule.pendingOperationId;
    publishArmEvent(ctx.services, draft);
  });
  for (const rule of rules.values()) rule.pendingOperationId = operationId;
  return { status: existing ? 200 : 201, body: nsgResponse(ctx.services, nsg), headers: lroHeaders(ctx, operationId, false) };
}

/** `networkSecurityGroups.updateTags`: synchronous in Network RP. */
function patchNsgTags(ctx: ArmContext): ArmResponse {
  const nsg = requireNsg(ctx);
  const id = nsgId(nsg.subscriptionId, nsg.resourceGroup, nsg.name);
  checkPreconditions(ctx, nsg.etag, id);
  const body = jsonObjectBody(ctx);
  const tags = optionalTags(body['tags']);
  const draft = draftEvent(ctx, { kind: 'write', operationName: NSG_WRITE, resourceUri: id, resourceProvider: 'Microsoft.Network', subscriptionId: nsg.subscriptionId, updatedExisting: true });
  nsg.tags = tags ?? {};
  nsg.etag = newEtag();
  publishArmEvent(ctx.services, draft);
  return { status: 200, body: nsgResponse(ctx.services, nsg) };
}

function deleteNsg(ctx: ArmContext): ArmResponse {
  const nsg = existingNsg(ctx);
  if (!nsg) return { status: 204 };
  const id = nsgId(nsg.subscriptionId, nsg.resourceGroup, nsg.name);
  checkPreconditions(ctx, nsg.etag, id);
  const inUse = ctx.services.state.subnetsOf(id);
  if (inUse.length > 0) {
    throw networkError(400, 'InUseNetworkSecurityGroupCannotBeDeleted', `Network security group ${id} cannot be deleted because it is in use by the following resources: ${inUse.join(', ')}. In order to delete the Network security group, remove the association with the resource(s).`);
  }
  const draft = draftEvent(ctx, { kind: 'delete', operationName: NSG_DELETE, resourceUri: id, resourceProvider: 'Microsoft.Network', subscriptionId: nsg.subscriptionId, updatedExisting: true });
  ctx.services.state.nsgs.delete(id.toLowerCase());
  const operationId = startNsgOperation(ctx.services, nsg, () => publishArmEvent(ctx.services, draft));
  return { status: 202, headers: lroHeaders(ctx, operationId, true) };
}

function listRules(ctx: ArmContext): ArmResponse {
  const nsg = parentNsg(ctx);
  return list(ctx, [...nsg.rules.values()].map((r) => ruleBody(nsg, r)));
}

function getRule(ctx: ArmContext): ArmResponse {
  const nsg = parentNsg(ctx);
  const name = param(ctx, 'rule');
  const rule = nsg.rules.get(name.toLowerCase());
  if (!rule) throw childNotFound(`${nsgId(nsg.subscriptionId, nsg.resourceGroup, nsg.name)}/securityRules/${name}`);
  return { status: 200, body: ruleBody(nsg, rule) };
}

function putRule(ctx: ArmContext): ArmResponse {
  const nsg = parentNsg(ctx);
  const name = param(ctx, 'rule');
  if (!isValidResourceName(name)) throw invalidResourceName(name);
  const existing = nsg.rules.get(name.toLowerCase());
  const ruleId = `${nsgId(nsg.subscriptionId, nsg.resourceGroup, nsg.name)}/securityRules/${existing?.name ?? name}`;
  checkPreconditions(ctx, existing ? nsg.etag : undefined, ruleId);
  const body = jsonObjectBody(ctx);
  const parsed = parseRuleProperties(body['properties'], ruleId);
  if (!parsed.ok) throw networkError(400, parsed.issue.code, parsed.issue.message);
  const record: SecurityRuleRecord = { name: existing?.name ?? name, properties: parsed.properties };
  const conflict = findConflict(record, nsg.rules.values());
  if (conflict !== undefined) throw networkError(400, 'SecurityRuleConflict', conflictMessage(conflict, record.name));
  const draft = draftEvent(ctx, { kind: 'write', operationName: RULE_WRITE, resourceUri: ruleId, resourceProvider: 'Microsoft.Network', subscriptionId: nsg.subscriptionId, updatedExisting: existing !== undefined });
  nsg.rules.set(name.toLowerCase(), record);
  nsg.etag = newEtag();
  const operationId = startNsgOperation(ctx.services, nsg, (opId) => {
    if (record.pendingOperationId === opId) delete record.pendingOperationId;
    publishArmEvent(ctx.services, draft);
  });
  record.pendingOperationId = operationId;
  return { status: existing ? 200 : 201, body: ruleBody(nsg, record), headers: lroHeaders(ctx, operationId, false) };
}

function deleteRule(ctx: ArmContext): ArmResponse {
  const nsg = parentNsg(ctx);
  const name = param(ctx, 'rule');
  const existing = nsg.rules.get(name.toLowerCase());
  if (!existing) return { status: 204 };
  const ruleId = `${nsgId(nsg.subscriptionId, nsg.resourceGroup, nsg.name)}/securityRules/${existing.name}`;
  checkPreconditions(ctx, nsg.etag, ruleId);
  const draft = draftEvent(ctx, { kind: 'delete', operationName: RULE_DELETE, resourceUri: ruleId, resourceProvider: 'Microsoft.Network', subscriptionId: nsg.subscriptionId, updatedExisting: true });
  nsg.rules.delete(name.toLowerCase());
  nsg.etag = newEtag();
  const operationId = startNsgOperation(ctx.services, nsg, () => publishArmEvent(ctx.services, draft));
  return { status: 202, headers: lroHeaders(ctx, operationId, true) };
}

function listDefaultRules(ctx: ArmContext): ArmResponse {
  return list(ctx, defaultRuleBodies(parentNsg(ctx)));
}

function getDefaultRule(ctx: ArmContext): ArmResponse {
  const nsg = parentNsg(ctx);
  const name = param(ctx, 'rule');
  const rule = defaultRuleBodies(nsg).find((r) => String(r['name']).toLowerCase() === name.toLowerCase());
  if (!rule) throw childNotFound(`${nsgId(nsg.subscriptionId, nsg.resourceGroup, nsg.name)}/defaultSecurityRules/${name}`);
  return { status: 200, body: rule };
}

function getOperationStatus(ctx: ArmContext): ArmResponse {
  const op = ctx.services.operations.poll(param(ctx, 'operationId'));
  if (!op || op.subscriptionId.toLowerCase() !== param(ctx, 'subscriptionId').toLowerCase()) {
    throw new ArmError(404, 'OperationNotFound', `Operation ${param(ctx, 'operationId')} was not found.`);
  }
  const headers: Record<string, string> = op.status === 'InProgress' ? { 'retry-after': ctx.services.operations.retryAfter() } : {};
  return { status: 200, body: { status: op.status }, headers };
}

function getOperationResult(ctx: ArmContext): ArmResponse {
  const op = ctx.services.operations.poll(param(ctx, 'operationId'));
  if (!op) throw new ArmError(404, 'OperationNotFound', `Operation ${param(ctx, 'operationId')} was not found.`);
  if (op.status === 'InProgress') return { status: 202, headers: lroHeaders(ctx, op.id, true) };
  return { status: 204 };
}

function vnetBody(vnet: VirtualNetworkRecord): Record<string, unknown> {
  const id = vnetId(vnet.subscriptionId, vnet.resourceGroup, vnet.name);
  return {
    name: vnet.name,
    id,
    type: 'Microsoft.Network/virtualNetworks',
    location: vnet.location,
    ...(vnet.tags ? { tags: { ...vnet.tags } } : {}),
    properties: {
      provisioningState: 'Succeeded',
      addressSpace: { addressPrefixes: [...vnet.addressPrefixes] },
      subnets: vnet.subnets.map((s) => ({
        name: s.name,
        id: `${id}/subnets/${s.name}`,
        type: 'Microsoft.Network/virtualNetworks/subnets',
        properties: {
          provisioningState: 'Succeeded',
          ...(s.addressPrefix ? { addressPrefix: s.addressPrefix } : {}),
          ...(s.addressPrefixes ? { addressPrefixes: [...s.addressPrefixes] } : {}),
          ...(s.networkSecurityGroupId ? { networkSecurityGroup: { id: s.networkSecurityGroupId } } : {}),
        },
      })),
    },
  };
}

function listAllVnets(ctx: ArmContext): ArmResponse {
  const subscriptionId = param(ctx, 'subscriptionId');
  requireSubscription(ctx, subscriptionId);
  const items = [...ctx.services.state.vnets.values()].filter((v) => v.subscriptionId.toLowerCase() === subscriptionId.toLowerCase());
  return list(ctx, items.map((v) => vnetBody(v)));
}

function listVnets(ctx: ArmContext): ArmResponse {
  const subscriptionId = param(ctx, 'subscriptionId');
  const resourceGroup = param(ctx, 'resourceGroup');
  requireResourceGroup(ctx, subscriptionId, resourceGroup);
  const items = [...ctx.services.state.vnets.values()].filter(
    (v) => v.subscriptionId.toLowerCase() === subscriptionId.toLowerCase() && v.resourceGroup.toLowerCase() === resourceGroup.toLowerCase(),
  );
  return list(ctx, items.map((v) => vnetBody(v)));
}

function getVnet(ctx: ArmContext): ArmResponse {
  const subscriptionId = param(ctx, 'subscriptionId');
  const resourceGroup = param(ctx, 'resourceGroup');
  requireResourceGroup(ctx, subscriptionId, resourceGroup);
  const name = param(ctx, 'vnet');
  const vnet = ctx.services.state.vnets.get(vnetId(subscriptionId, resourceGroup, name).toLowerCase());
  if (!vnet) throw resourceNotFound('Microsoft.Network/virtualNetworks', name, resourceGroup);
  return { status: 200, body: vnetBody(vnet) };
}

/** The identity a concurrent writer acts as when the fault names none. */
export const DEFAULT_CONCURRENT_WRITER: EmulatorIdentity = {
  name: 'concurrent-writer',
  type: 'user',
  objectId: '0c0c0c0c-5e1f-4a7e-9d3b-00000000c0de',
  upn: 'concurrent.writer@emulator.local',
  displayName: 'Concurrent Writer (emulator fault)',
};

/**
 * Runs a concurrentWriter fault after a client's successful GET of an NSG or a rule: someone else writes the same
 * resource (applying `fault.change`, or rewriting it unchanged), so its etag moves and the client's If-Match PUT
 * meets 412. The write raises its own ResourceWriteSuccess, attributed to the writer.
 */
export function runConcurrentWriter(services: ArmServices, fault: FaultStatus, req: EmulatorRequest, log: (message: string) => void): void {
  const target = concurrentTarget.match('GET', req.segments);
  if (target.kind !== 'found') return;
  const p = target.params;
  const nsg = services.state.nsg(p['subscriptionId'] ?? '', p['resourceGroup'] ?? '', p['nsg'] ?? '');
  if (!nsg) return;
  const identity = (fault.actor ? services.state.identities.get(fault.actor.toLowerCase()) : undefined) ?? DEFAULT_CONCURRENT_WRITER;
  const caller: Caller = callerFromClaims(claimsFor(identity, { tenantId: services.state.tenantId }));
  const id = nsgId(nsg.subscriptionId, nsg.resourceGroup, nsg.name);
  const ctx: ArmContext = {
    services,
    req: { ...req, method: 'PUT' },
    params: p,
    caller,
    correlationId: newGuid(),
    clientRequestId: newGuid(),
    apiVersion: req.query.get('api-version') ?? '',
  };
  const change = fault.change ?? {};
  if (target.handler === 'rule') {
    const rule = nsg.rules.get((p['rule'] ?? '').toLowerCase());
    if (!rule) return;
    const ruleId = `${id}/securityRules/${rule.name}`;
    const parsed = parseRuleProperties({ ...rule.properties, ...change }, ruleId);
    if (!parsed.ok) {
      log(`fault ${fault.id}: the concurrent writer's change is not a valid rule (${parsed.issue.message}); the rule is rewritten unchanged`);
    } else {
      rule.properties = parsed.properties;
    }
    nsg.etag = newEtag();
    publishArmEvent(services, draftEvent(ctx, { kind: 'write', operationName: RULE_WRITE, resourceUri: ruleId, resourceProvider: 'Microsoft.Network', subscriptionId: nsg.subscriptionId, updatedExisting: true }));
    return;
  }
  const tags = change['tags'];
  if (tags !== null && typeof tags === 'object' && !Array.isArray(tags)) {
    nsg.tags = { ...(nsg.tags ?? {}), ...Object.fromEntries(Object.entries(tags as Record<string, unknown>).map(([k, v]) => [k, String(v)])) };
  }
  nsg.etag = newEtag();
  publishArmEvent(services, draftEvent(ctx, { kind: 'write', operationName: NSG_WRITE, resourceUri: id, resourceProvider: 'Microsoft.Network', subscriptionId: nsg.subscriptionId, updatedExisting: true }));
}

const concurrentTarget = new Router<'nsg' | 'rule'>()
  .add('GET', `${RG}/networkSecurityGroups/:nsg`, 'nsg')
  .add('GET', `${RG}/networkSecurityGroups/:nsg/securityRules/:rule`, 'rule');
