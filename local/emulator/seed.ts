/**
 * The seed environment file: subscriptions, resource groups, virtual networks and subnets, NSGs with rules,
 * identities, role definitions and assignments, vaults with secrets, event subscriptions and faults. Validation
 * names every bad field by its path (`nsgs[0].rules[2].priority`) with the value found there; security rules go
 * through the same checks as the emulated Network RP.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { isGuid, normalizeGuid } from '../../src/arm/guid';
import { InputError } from '../../src/errors';
import { validateWith } from '../../src/validation';
import { epochSeconds } from './identifiers';
import type { EmulatorIdentity } from './identities';
import { DEFAULT_TENANT_ID } from './identities';
import type { EmulatorState, RoleDefinitionRecord, RuleProperties, VaultRecord } from './state';
import { key, nsgId, vnetId } from './state';
import { findConflict, isValidAddressPrefix, isValidResourceName, parseRuleProperties } from './arm/securityRules';
import { builtInRoleDefinitions } from './arm/builtinRoles';
import { principalTypeOf, assignmentKey } from './arm/authorization';
import type { EventSubscriptionSpec } from './events/delivery';
import type { FaultSpec } from './faults';

const guid = z.string().refine(isGuid, { message: 'must be a GUID (8-4-4-4-12 hex digits)' });
const resourceName = z.string().refine(isValidResourceName, { message: "must be 1-80 characters: letters, digits, '_', '.', '-', starting with a letter, digit or '_'" });
const tags = z.record(z.string(), z.string());
const cidr = z.string().refine((v) => v.includes('/') && isValidAddressPrefix(v), { message: 'must be a CIDR prefix such as 10.20.0.0/16' });
const port = z.string();
/** Epoch seconds, an ISO 8601 time, or an ISO 8601 duration from load time ("P20D", "-P1D" for yesterday). */
const timeSpec = z.union([z.number().int().nonnegative(), z.string().min(1)]);

export const ruleSeedSchema = z
  .object({
    name: resourceName,
    description: z.string().optional(),
    protocol: z.string(),
    access: z.string(),
    direction: z.string(),
    priority: z.number(),
    sourcePortRange: port.optional(),
    sourcePortRanges: z.array(port).optional(),
    destinationPortRange: port.optional(),
    destinationPortRanges: z.array(port).optional(),
    sourceAddressPrefix: z.string().optional(),
    sourceAddressPrefixes: z.array(z.string()).optional(),
    destinationAddressPrefix: z.string().optional(),
    destinationAddressPrefixes: z.array(z.string()).optional(),
    sourceApplicationSecurityGroups: z.array(z.object({ id: z.string() }).strict()).optional(),
    destinationApplicationSecurityGroups: z.array(z.object({ id: z.string() }).strict()).optional(),
  })
  .strict()
  .superRefine((rule, ctx) => {
    const { name, ...properties } = rule;
    const parsed = parseRuleProperties(properties, `security rule ${name}`);
    if (!parsed.ok) ctx.addIssue({ code: 'custom', path: pathOf(parsed.issue.field), message: `${parsed.issue.message} [${parsed.issue.code}]`, input: parsed.issue.value });
  });

export const eventSubscriptionSchema = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9-]{3,64}$/, { message: 'must be 3-64 letters, digits or hyphens (Event Grid subscription names)' }),
    endpoint: z.string().refine((v) => /^https?:\/\/[^\s/]+/i.test(v) && URL.canParse(v), { message: 'must be an http:// or https:// URL' }),
    schema: z.enum(['EventGrid', 'CloudEvents']).default('EventGrid'),
    includedEventTypes: z.array(z.string().min(1)).optional(),
    subjectBeginsWith: z.string().optional(),
    subjectEndsWith: z.string().optional(),
    maxEventsPerBatch: z.number().int().min(1).max(5000).optional(),
    batchWindowMs: z.number().int().min(0).max(60_000).optional(),
    maxDeliveryAttempts: z.number().int().min(1).max(30).optional(),
    retryDelaysMs: z.array(z.number().int().min(0).max(86_400_000)).min(1).optional(),
    deadLetter: z.boolean().optional(),
    deliveryHeaders: z
      .record(z.string(), z.string())
      .refine((h) => Object.keys(h).length <= 10, { message: 'Event Grid allows at most 10 custom delivery headers' })
      .optional(),
  })
  .strict();

export const faultSchema = z
  .object({
    id: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, { message: 'must be 1-64 letters, digits, dots, underscores or hyphens' }).optional(),
    kind: z.enum(['throttle', 'error', 'latency', 'concurrentWriter', 'duplicateDelivery', 'outOfOrderDelivery']),
    service: z.enum(['arm', 'keyvault']).optional(),
    method: z.string().regex(/^(\*|GET|PUT|PATCH|POST|DELETE|OPTIONS|HEAD)$/i, { message: 'must be an HTTP method or *' }).optional(),
    path: z.string().startsWith('/', { message: 'must be a path glob starting with /' }).or(z.literal('**')).optional(),
    probability: z.number().min(0).max(1).optional(),
    count: z.number().int().min(1).optional(),
    skip: z.number().int().min(0).optional(),
    retryAfterSeconds: z.number().int().min(0).max(3600).optional(),
    status: z.number().int().min(500).max(599).optional(),
    latencyMs: z.number().int().min(0).max(120_000).optional(),
    change: z.record(z.string(), z.unknown()).optional(),
    actor: z.string().optional(),
    subscription: z.string().optional(),
    eventType: z.string().optional(),
  })
  .strict()
  .superRefine((f, ctx) => {
    if (f.kind === 'latency' && f.latencyMs === undefined) ctx.addIssue({ code: 'custom', path: ['latencyMs'], message: 'is required for a latency fault' });
    const requestKind = ['throttle', 'error', 'latency', 'concurrentWriter'].includes(f.kind);
    for (const field of ['service', 'method', 'path'] as const) {
      if (!requestKind && f[field] !== undefined) ctx.addIssue({ code: 'custom', path: [field], message: `applies to request faults only, not ${f.kind}`, input: f[field] });
    }
    for (const field of ['subscription', 'eventType'] as const) {
      if (requestKind && f[field] !== undefined) ctx.addIssue({ code: 'custom', path: [field], message: `applies to delivery faults only, not ${f.kind}`, input: f[field] });
    }
    if (f.kind === 'concurrentWriter' && f.service === 'keyvault') ctx.addIssue({ code: 'custom', path: ['service'], message: 'concurrentWriter applies to ARM network resources only', input: f.service });
  });

const identitySchema = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9@._-]{1,128}$/, { message: 'must be 1-128 letters, digits or @._-' }),
    type: z.enum(['user', 'servicePrincipal', 'managedIdentity', 'group']),
    objectId: guid,
    displayName: z.string().optional(),
    upn: z.string().regex(/^[^@\s]+@[^@\s]+$/, { message: 'must look like user@domain' }).optional(),
    appId: guid.optional(),
    resourceId: z.string().startsWith('/subscriptions/', { message: 'must be an ARM id starting with /subscriptions/' }).optional(),
    memberOf: z.array(z.string()).optional(),
    ipAddress: z.string().optional(),
  })
  .strict()
  .superRefine((i, ctx) => {
    if ((i.type === 'servicePrincipal' || i.type === 'managedIdentity') && i.appId === undefined) {
      ctx.addIssue({ code: 'custom', path: ['appId'], message: `is required for a ${i.type}` });
    }
    if (i.type !== 'user' && i.upn !== undefined) ctx.addIssue({ code: 'custom', path: ['upn'], message: 'applies to users only', input: i.upn });
    if (i.type !== 'managedIdentity' && i.resourceId !== undefined) ctx.addIssue({ code: 'custom', path: ['resourceId'], message: 'applies to managed identities only', input: i.resourceId });
  });

const secretSchema = z
  .object({
    name: z.string().regex(/^[0-9a-zA-Z-]{1,127}$/, { message: 'must be 1-127 letters, digits or hyphens (Key Vault secret names)' }),
    value: z.string(),
    contentType: z.string().optional(),
    tags: tags.refine((t) => Object.keys(t).length <= 15, { message: 'Key Vault allows at most 15 tags' }).optional(),
    enabled: z.boolean().optional(),
    notBefore: timeSpec.optional(),
    expires: timeSpec.optional(),
  })
  .strict();

const settingsSchema = z
  .object({
    enforceRbac: z.boolean().optional(),
    faultSeed: z.number().int().optional(),
    armPageSize: z.number().int().min(1).max(1000).optional(),
    secretExpiryCheckIntervalMs: z.number().int().min(0).optional(),
    deadLetterDir: z.string().min(1).optional(),
    lro: z
      .object({
        inProgressPolls: z.number().int().min(0).max(100).optional(),
        completeAfterMs: z.number().int().min(0).max(600_000).optional(),
        retryAfterSeconds: z.number().int().min(0).max(60).optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

const scoped = { subscriptionId: guid, resourceGroup: z.string().min(1) };

export const seedSchema = z
  .object({
    $schema: z.string().optional(),
    description: z.string().optional(),
    tenantId: guid.optional(),
    settings: settingsSchema.optional(),
    subscriptions: z.array(z.object({ subscriptionId: guid, displayName: z.string().optional() }).strict()).default([]),
    resourceGroups: z.array(z.object({ subscriptionId: guid, name: resourceName, location: z.string().min(1), tags: tags.optional() }).strict()).default([]),
    vnets: z
      .array(
        z
          .object({
            ...scoped,
            name: resourceName,
            location: z.string().min(1).optional(),
            addressPrefixes: z.array(cidr).min(1),
            tags: tags.optional(),
            subnets: z.array(z.object({ name: resourceName, addressPrefix: cidr, networkSecurityGroup: z.string().optional() }).strict()).default([]),
          })
          .strict(),
      )
      .default([]),
    nsgs: z.array(z.object({ ...scoped, name: resourceName, location: z.string().min(1).optional(), tags: tags.optional(), rules: z.array(ruleSeedSchema).default([]) }).strict()).default([]),
    identities: z.array(identitySchema).default([]),
    roleDefinitions: z
      .array(
        z
          .object({
            name: guid,
            roleName: z.string().min(1),
            description: z.string().default(''),
            assignableScopes: z.array(z.string().startsWith('/')).min(1),
            permissions: z
              .array(
                z
                  .object({
                    actions: z.array(z.string()).default([]),
                    notActions: z.array(z.string()).default([]),
                    dataActions: z.array(z.string()).default([]),
                    notDataActions: z.array(z.string()).default([]),
                  })
                  .strict(),
              )
              .min(1),
          })
          .strict(),
      )
      .default([]),
    roleAssignments: z
      .array(
        z
          .object({
            name: guid,
            scope: z.string().startsWith('/', { message: 'must be an ARM scope starting with /' }),
            role: z.string().min(1),
            principal: z.string().min(1),
            principalType: z.enum(['User', 'Group', 'ServicePrincipal', 'ForeignGroup', 'Device']).optional(),
            description: z.string().optional(),
          })
          .strict(),
      )
      .default([]),
    vaults: z
      .array(
        z
          .object({
            ...scoped,
            name: z.string().regex(/^[a-zA-Z][a-zA-Z0-9-]{1,22}[a-zA-Z0-9]$/, { message: 'must be 3-24 letters, digits or hyphens, starting with a letter (Key Vault names)' }),
            location: z.string().min(1).optional(),
            softDeleteRetentionDays: z.union([z.literal(0), z.number().int().min(7).max(90)]).default(90),
            secrets: z.array(secretSchema).default([]),
          })
          .strict(),
      )
      .default([]),
    eventSubscriptions: z.array(eventSubscriptionSchema).default([]),
    faults: z.array(faultSchema).default([]),
  })
  .strict();

export type SeedFile = z.output<typeof seedSchema>;
export type SeedSettings = NonNullable<SeedFile['settings']>;

/** Validates a parsed seed document: schema first, then references between its parts. */
export function parseSeed(value: unknown, source = 'seed environment'): SeedFile {
  const seed = validateWith(seedSchema, value, source);
  checkReferences(seed, source);
  return seed;
}

export async function readSeedFile(file: string): Promise<SeedFile> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new InputError('(file)', file, `could not be read: ${(err as Error).message}`, { source: file });
  }
  let json: unknown;
  try {
    json = JSON.parse(text) as unknown;
  } catch (err) {
    throw new InputError('(root)', text.slice(0, 40), `is not valid JSON: ${(err as Error).message}`, { source: file });
  }
  return parseSeed(json, file);
}

function fail(source: string, field: string, value: unknown, problem: string): never {
  throw new InputError(field, value, problem, { source });
}

/** Cross-references the schema cannot see: things a seed entry points at must be declared in the seed. */
function checkReferences(seed: SeedFile, source: string): void {
  const subs = new Set(seed.subscriptions.map((s) => s.subscriptionId.toLowerCase()));
  unique(source, seed.subscriptions.map((s) => s.subscriptionId), 'subscriptions', 'subscriptionId');
  const rgs = new Set<string>();
  seed.resourceGroups.forEach((rg, i) => {
    if (!subs.has(rg.subscriptionId.toLowerCase())) fail(source, `resourceGroups[${i}].subscriptionId`, rg.subscriptionId, 'is not one of the subscriptions declared in "subscriptions"');
    const k = key(rg.subscriptionId, rg.name);
    if (rgs.has(k)) fail(source, `resourceGroups[${i}].name`, rg.name, 'is declared twice in the same subscription');
    rgs.add(k);
  });
  const inRg = (section: string, i: number, item: { subscriptionId: string; resourceGroup: string }): void => {
    if (!subs.has(item.subscriptionId.toLowerCase())) fail(source, `${section}[${i}].subscriptionId`, item.subscriptionId, 'is not one of the subscriptions declared in "subscriptions"');
    if (!rgs.has(key(item.subscriptionId, item.resourceGroup))) fail(source, `${section}[${i}].resourceGroup`, item.resourceGroup, 'is not one of the resource groups declared in "resourceGroups" for that subscription');
  };

  const nsgKeys = new Set<string>();
  seed.nsgs.forEach((nsg, i) => {
    inRg('nsgs', i, nsg);
    const k = key(nsg.subscriptionId, nsg.resourceGroup, nsg.name);
    if (nsgKeys.has(k)) fail(source, `nsgs[${i}].name`, nsg.name, 'is declared twice in the same resource group');
    nsgKeys.add(k);
    const seen: { name: string; properties: ReturnType<typeof ruleProperties> }[] = [];
    nsg.rules.forEach((rule, j) => {
      if (seen.some((s) => s.name.toLowerCase() === rule.name.toLowerCase())) fail(source, `nsgs[${i}].rules[${j}].name`, rule.name, `is used by another rule of ${nsg.name}`);
      const properties = ruleProperties(rule);
      const conflict = findConflict({ name: rule.name, properties }, seen);
      if (conflict !== undefined) fail(source, `nsgs[${i}].rules[${j}].priority`, rule.priority, `is already used by rule ${conflict} in the ${properties.direction} direction (rules cannot have the same priority and direction)`);
      seen.push({ name: rule.name, properties });
    });
  });

  seed.vnets.forEach((vnet, i) => {
    inRg('vnets', i, vnet);
    vnet.subnets.forEach((subnet, j) => {
      const ref = subnet.networkSecurityGroup;
      if (ref === undefined) return;
      const target = ref.startsWith('/') ? ref.toLowerCase() : nsgId(vnet.subscriptionId, vnet.resourceGroup, ref).toLowerCase();
      const known = seed.nsgs.some((n) => nsgId(n.subscriptionId, n.resourceGroup, n.name).toLowerCase() === target);
      if (!known) fail(source, `vnets[${i}].subnets[${j}].networkSecurityGroup`, ref, 'names an NSG that is not declared in "nsgs" (give its name in the same resource group, or its full id)');
    });
  });

  unique(source, seed.identities.map((x) => x.name), 'identities', 'name');
  unique(source, seed.identities.map((x) => x.objectId), 'identities', 'objectId');
  const identityNames = new Map(seed.identities.map((x) => [x.name.toLowerCase(), x]));
  const groupIds = new Set(seed.identities.filter((x) => x.type === 'group').map((x) => x.objectId.toLowerCase()));
  seed.identities.forEach((identity, i) => {
    identity.memberOf?.forEach((m, j) => {
      const group = identityNames.get(m.toLowerCase());
      const ok = (group && group.type === 'group') || groupIds.has(m.toLowerCase());
      if (!ok) fail(source, `identities[${i}].memberOf[${j}]`, m, 'is not a group declared in "identities" (by name or objectId)');
    });
  });

  const builtIns = builtInRoleDefinitions();
  const customRoles = seed.roleDefinitions;
  unique(source, customRoles.map((r) => r.name), 'roleDefinitions', 'name');
  customRoles.forEach((r, i) => {
    if (builtIns.some((b) => b.name === r.name.toLowerCase())) fail(source, `roleDefinitions[${i}].name`, r.name, 'is the GUID of a built-in role');
  });
  unique(source, seed.roleAssignments.map((a) => a.name), 'roleAssignments', 'name');
  seed.roleAssignments.forEach((a, i) => {
    if (resolveRole(a.role, builtIns, customRoles) === undefined) fail(source, `roleAssignments[${i}].role`, a.role, 'is not a known role (give a built-in or custom role name, GUID or role definition id)');
    if (resolvePrincipal(a.principal, seed.identities) === undefined) fail(source, `roleAssignments[${i}].principal`, a.principal, 'is not an identity declared in "identities" (give its name or objectId, or any GUID for an unknown principal)');
    const parts = /^\/subscriptions\/([^/]+)(?:\/resourceGroups\/([^/]+))?/i.exec(a.scope);
    if (a.scope !== '/' && parts) {
      if (!subs.has(parts[1]!.toLowerCase())) fail(source, `roleAssignments[${i}].scope`, a.scope, 'is in a subscription not declared in "subscriptions"');
      if (parts[2] !== undefined && !rgs.has(key(parts[1]!, parts[2]))) fail(source, `roleAssignments[${i}].scope`, a.scope, 'is in a resource group not declared in "resourceGroups"');
    } else if (a.scope !== '/' && !/^\/providers\/Microsoft\.Management\/managementGroups\/[^/]+$/i.test(a.scope)) {
      fail(source, `roleAssignments[${i}].scope`, a.scope, 'must be "/", a management group, a subscription, a resource group or a resource id');
    }
  });

  unique(source, seed.vaults.map((v) => v.name), 'vaults', 'name');
  seed.vaults.forEach((vault, i) => {
    inRg('vaults', i, vault);
    unique(source, vault.secrets.map((s) => s.name), `vaults[${i}].secrets`, 'name');
    vault.secrets.forEach((secret, j) => {
      for (const field of ['notBefore', 'expires'] as const) {
        const v = secret[field];
        if (v !== undefined && resolveTime(v, Date.now()) === undefined) {
          fail(source, `vaults[${i}].secrets[${j}].${field}`, v, 'must be epoch seconds, an ISO 8601 time (2027-01-31T00:00:00Z) or a duration from load time (P20D, PT12H, -P1D)');
        }
      }
    });
  });
  unique(source, seed.eventSubscriptions.map((s) => s.name), 'eventSubscriptions', 'name');
  unique(source, seed.faults.map((f) => f.id).filter((id): id is string => id !== undefined), 'faults', 'id');
  seed.faults.forEach((f, i) => {
    if (f.actor !== undefined && !identityNames.has(f.actor.toLowerCase())) fail(source, `faults[${i}].actor`, f.actor, 'is not an identity declared in "identities"');
  });
}

function unique(source: string, values: string[], section: string, field: string): void {
  const seen = new Map<string, number>();
  values.forEach((v, i) => {
    const k = v.toLowerCase();
    if (seen.has(k)) fail(source, `${section}[${i}].${field}`, v, `duplicates ${section}[${seen.get(k)!}].${field}`);
    seen.set(k, i);
  });
}

function ruleProperties(rule: SeedFile['nsgs'][number]['rules'][number]): RuleProperties {
  const { name, ...properties } = rule;
  const parsed = parseRuleProperties(properties, `security rule ${name}`);
  if (!parsed.ok) throw new Error(`rule ${name} passed schema validation but not the rule parser: ${parsed.issue.message}`);
  return parsed.properties;
}

function pathOf(field: string): (string | number)[] {
  const out: (string | number)[] = [];
  for (const part of field.split('.')) {
    const m = /^([^[]+)((?:\[\d+\])*)$/.exec(part);
    if (!m) {
      out.push(part);
      continue;
    }
    out.push(m[1]!);
    for (const index of m[2]!.matchAll(/\[(\d+)\]/g)) out.push(Number(index[1]));
  }
  return out;
}

function resolveRole(role: string, builtIns: RoleDefinitionRecord[], custom: SeedFile['roleDefinitions']): string | undefined {
  const asGuid = normalizeGuid(role.split('/').pop() ?? '');
  if (asGuid) return builtIns.some((b) => b.name === asGuid) || custom.some((c) => normalizeGuid(c.name) === asGuid) ? asGuid : undefined;
  const byName = builtIns.find((b) => b.roleName.toLowerCase() === role.toLowerCase()) ?? custom.find((c) => c.roleName.toLowerCase() === role.toLowerCase());
  return byName ? (normalizeGuid(byName.name) ?? byName.name) : undefined;
}

function resolvePrincipal(principal: string, identities: SeedFile['identities']): { objectId: string; type?: string } | undefined {
  const byName = identities.find((x) => x.name.toLowerCase() === principal.toLowerCase());
  if (byName) return { objectId: byName.objectId, type: byName.type };
  const asGuid = normalizeGuid(principal);
  if (!asGuid) return undefined;
  const byId = identities.find((x) => normalizeGuid(x.objectId) === asGuid);
  return byId ? { objectId: byId.objectId, type: byId.type } : { objectId: asGuid };
}

/** Epoch seconds for a seed time: a number, an ISO time, or an ISO 8601 duration (optionally negative) from `nowMs`. */
export function resolveTime(spec: number | string, nowMs: number): number | undefined {
  if (typeof spec === 'number') return spec;
  const duration = /^(-)?P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/.exec(spec);
  if (duration && spec !== 'P' && spec !== '-P' && !spec.endsWith('T')) {
    const [, sign, w, d, h, m, s] = duration;
    const seconds = Number(w ?? 0) * 604800 + Number(d ?? 0) * 86400 + Number(h ?? 0) * 3600 + Number(m ?? 0) * 60 + Number(s ?? 0);
    return epochSeconds(nowMs) + (sign ? -seconds : seconds);
  }
  if (/^\d{4}-\d{2}-\d{2}/.test(spec)) {
    const ms = Date.parse(spec);
    return Number.isNaN(ms) ? undefined : epochSeconds(ms);
  }
  return undefined;
}

export interface SeedSecretInput {
  vault: VaultRecord;
  name: string;
  value: string;
  contentType?: string;
  tags?: Record<string, string>;
  enabled?: boolean;
  nbf?: number;
  exp?: number;
}

/**
 * Fills an empty state from a validated seed. Secrets are returned rather than added, so the caller adds them
 * through the same path as `PUT /secrets/{name}` (without raising events for the seed itself).
 */
export function loadSeed(seed: SeedFile, state: EmulatorState, nowMs: number): SeedSecretInput[] {
  state.tenantId = seed.tenantId ?? DEFAULT_TENANT_ID;
  for (const s of seed.subscriptions) state.subscriptions.set(s.subscriptionId.toLowerCase(), { subscriptionId: s.subscriptionId, displayName: s.displayName ?? s.subscriptionId });
  for (const rg of seed.resourceGroups) {
    state.resourceGroups.set(key(rg.subscriptionId, rg.name), { subscriptionId: rg.subscriptionId, name: rg.name, location: rg.location, ...(rg.tags ? { tags: rg.tags } : {}) });
  }
  const rgLocation = (subscriptionId: string, resourceGroup: string): string => state.resourceGroup(subscriptionId, resourceGroup)?.location ?? 'westeurope';
  const rgName = (subscriptionId: string, resourceGroup: string): string => state.resourceGroup(subscriptionId, resourceGroup)?.name ?? resourceGroup;

  for (const n of seed.nsgs) {
    const resourceGroup = rgName(n.subscriptionId, n.resourceGroup);
    const rules = new Map(n.rules.map((r) => [r.name.toLowerCase(), { name: r.name, properties: ruleProperties(r) }]));
    state.nsgs.set(nsgId(n.subscriptionId, resourceGroup, n.name).toLowerCase(), {
      subscriptionId: n.subscriptionId,
      resourceGroup,
      name: n.name,
      location: n.location ?? rgLocation(n.subscriptionId, n.resourceGroup),
      ...(n.tags ? { tags: n.tags } : {}),
      resourceGuid: stableGuid(`nsg:${n.subscriptionId}/${resourceGroup}/${n.name}`),
      etag: `W/"${stableGuid(`etag:${n.subscriptionId}/${resourceGroup}/${n.name}`)}"`,
      rules,
      pendingOperations: 0,
    });
  }
  for (const v of seed.vnets) {
    const resourceGroup = rgName(v.subscriptionId, v.resourceGroup);
    state.vnets.set(vnetId(v.subscriptionId, resourceGroup, v.name).toLowerCase(), {
      subscriptionId: v.subscriptionId,
      resourceGroup,
      name: v.name,
      location: v.location ?? rgLocation(v.subscriptionId, v.resourceGroup),
      addressPrefixes: v.addressPrefixes,
      ...(v.tags ? { tags: v.tags } : {}),
      subnets: v.subnets.map((s) => {
        const nsgRef = s.networkSecurityGroup;
        let networkSecurityGroupId: string | undefined;
        if (nsgRef !== undefined) {
          const target = nsgRef.startsWith('/') ? nsgRef.toLowerCase() : nsgId(v.subscriptionId, resourceGroup, nsgRef).toLowerCase();
          const nsg = state.nsgs.get(target);
          networkSecurityGroupId = nsg ? nsgId(nsg.subscriptionId, nsg.resourceGroup, nsg.name) : nsgRef;
        }
        return { name: s.name, addressPrefix: s.addressPrefix, ...(networkSecurityGroupId ? { networkSecurityGroupId } : {}) };
      }),
    });
  }

  const groupIdOf = (ref: string): string => seed.identities.find((x) => x.name.toLowerCase() === ref.toLowerCase())?.objectId ?? ref;
  for (const i of seed.identities) {
    const identity: EmulatorIdentity = { name: i.name, type: i.type, objectId: i.objectId, tenantId: state.tenantId };
    if (i.displayName !== undefined) identity.displayName = i.displayName;
    if (i.upn !== undefined) identity.upn = i.upn;
    if (i.appId !== undefined) identity.appId = i.appId;
    if (i.resourceId !== undefined) identity.resourceId = i.resourceId;
    if (i.ipAddress !== undefined) identity.ipAddress = i.ipAddress;
    if (i.memberOf) identity.memberOf = i.memberOf.map(groupIdOf);
    state.identities.set(i.name.toLowerCase(), identity);
  }

  const builtIns = builtInRoleDefinitions();
  for (const d of builtIns) state.roleDefinitions.set(d.name, d);
  for (const d of seed.roleDefinitions) {
    state.roleDefinitions.set(normalizeGuid(d.name)!, {
      name: normalizeGuid(d.name)!,
      roleName: d.roleName,
      type: 'CustomRole',
      description: d.description,
      assignableScopes: d.assignableScopes,
      permissions: d.permissions,
      createdOn: '2024-01-01T00:00:00.0000000Z',
      updatedOn: '2024-01-01T00:00:00.0000000Z',
      createdBy: null,
      updatedBy: null,
    });
  }
  const seededAt = new Date(nowMs).toISOString().replace(/\.(\d{3})Z$/, '.$10000Z');
  for (const a of seed.roleAssignments) {
    const roleGuid = resolveRole(a.role, builtIns, seed.roleDefinitions)!;
    const principal = resolvePrincipal(a.principal, seed.identities)!;
    const scope = a.scope.replace(/\/+$/, '') || '/';
    const subscriptionId = /^\/subscriptions\/([^/]+)/i.exec(scope)?.[1];
    state.roleAssignments.set(assignmentKey(scope, a.name), {
      name: normalizeGuid(a.name)!,
      scope,
      roleDefinitionId: subscriptionId ? `/subscriptions/${subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${roleGuid}` : `/providers/Microsoft.Authorization/roleDefinitions/${roleGuid}`,
      principalId: principal.objectId,
      principalType: a.principalType ?? (principal.type ? principalTypeOf(principal.type) : 'User'),
      ...(a.description !== undefined ? { description: a.description } : {}),
      createdOn: seededAt,
      updatedOn: seededAt,
      createdBy: null,
      updatedBy: null,
    });
  }

  const secrets: SeedSecretInput[] = [];
  for (const v of seed.vaults) {
    const vault: VaultRecord = {
      subscriptionId: v.subscriptionId,
      resourceGroup: rgName(v.subscriptionId, v.resourceGroup),
      name: v.name,
      location: v.location ?? rgLocation(v.subscriptionId, v.resourceGroup),
      softDeleteRetentionDays: v.softDeleteRetentionDays,
      secrets: new Map(),
      deleted: new Map(),
      notified: new Set(),
    };
    state.vaults.set(v.name.toLowerCase(), vault);
    for (const s of v.secrets) {
      const input: SeedSecretInput = { vault, name: s.name, value: s.value };
      if (s.contentType !== undefined) input.contentType = s.contentType;
      if (s.tags !== undefined) input.tags = s.tags;
      if (s.enabled !== undefined) input.enabled = s.enabled;
      if (s.notBefore !== undefined) input.nbf = resolveTime(s.notBefore, nowMs);
      if (s.expires !== undefined) input.exp = resolveTime(s.expires, nowMs);
      secrets.push(input);
    }
  }
  return secrets;
}

/** Seeded ids are derived from names, so restarting with the same seed yields the same etags and resource GUIDs. */
function stableGuid(seed: string): string {
  const hex = createHash('sha1').update(seed).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

export function eventSubscriptionsOf(seed: SeedFile): EventSubscriptionSpec[] {
  return seed.eventSubscriptions.map((s) => ({ ...s }));
}

export function faultsOf(seed: SeedFile): FaultSpec[] {
  return seed.faults.map((f) => ({ ...f }));
}
