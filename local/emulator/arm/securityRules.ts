/**
 * Security rules as Network RP validates and returns them. Validation yields the corpus codes and message styles
 * (SecurityRuleInvalidPortRange, ...InvalidAddressPrefix, ...InvalidPriority, ...DescriptionTooLong, SecurityRuleConflict);
 * the same checks serve the seed file, where the issue's `field` names the bad property.
 */
import { isIPv4, isIPv6 } from 'node:net';
import type { AsgReference, NsgRecord, RuleProperties, SecurityRuleRecord } from '../state';
import { nsgId } from '../state';

export interface RuleIssue {
  /** Property path inside the rule's properties, e.g. `priority` or `destinationPortRanges[1]`. */
  field: string;
  code: string;
  message: string;
  value?: unknown;
}

export type RuleParse = { ok: true; properties: RuleProperties } | { ok: false; issue: RuleIssue };

const PROTOCOLS = new Map(['Tcp', 'Udp', 'Icmp', 'Esp', 'Ah', '*'].map((p) => [p.toLowerCase(), p]));
const MAX_DESCRIPTION = 140;
export const MIN_PRIORITY = 100;
export const MAX_PRIORITY = 4096;
const SERVICE_TAG = /^[A-Za-z][A-Za-z0-9]*(\.[A-Za-z0-9]+)?$/;
const NAME = /^[A-Za-z0-9_](?:[A-Za-z0-9_.-]{0,78}[A-Za-z0-9_])?$/;

export function isValidResourceName(name: string): boolean {
  return NAME.test(name);
}

export function isValidPortRange(value: string): boolean {
  if (value === '*') return true;
  const range = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(value);
  if (!range) return false;
  const from = Number(range[1]);
  const to = range[2] === undefined ? from : Number(range[2]);
  return from <= 65535 && to <= 65535 && from <= to;
}

export function isValidAddressPrefix(value: string): boolean {
  if (value === '*') return true;
  const slash = value.indexOf('/');
  const address = slash < 0 ? value : value.slice(0, slash);
  const length = slash < 0 ? undefined : value.slice(slash + 1);
  if (length !== undefined && !/^\d{1,3}$/.test(length)) return false;
  if (isIPv4(address)) return length === undefined || Number(length) <= 32;
  if (isIPv6(address)) return length === undefined || Number(length) <= 128;
  return length === undefined && SERVICE_TAG.test(value);
}

/**
 * Validates a rule's `properties` from a request body (or a seed rule). `ruleId` goes into messages that name the
 * rule, as Network RP's do.
 */
export function parseRuleProperties(raw: unknown, ruleId: string): RuleParse {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    return fail('properties', 'InvalidRequestFormat', 'Cannot parse the request. The security rule must have a properties object.', raw);
  }
  const p = raw as Record<string, unknown>;
  const missing = (field: string, what: string): RuleParse =>
    fail(field, 'SecurityRuleParametersMissing', `Required security rule parameters are missing for security rule with Id: ${ruleId}. Security rule must specify ${what}.`, undefined);

  // protocol
  if (p['protocol'] === undefined || p['protocol'] === null) return missing('protocol', 'Protocol');
  if (typeof p['protocol'] !== 'string' || !PROTOCOLS.has(p['protocol'].toLowerCase())) {
    return fail('protocol', 'SecurityRuleInvalidProtocol', `Security rule has invalid Protocol. Value provided: ${show(p['protocol'])} Allowed values: Icmp,Tcp,Udp,Esp,Ah,*.`, p['protocol']);
  }
  // access and direction: anything but the two enum values fails deserialization in Network RP.
  const access = enumValue(p['access'], ['Allow', 'Deny']);
  if (p['access'] === undefined || p['access'] === null) return missing('access', 'Access');
  if (access === undefined) return fail('access', 'InvalidRequestFormat', `Cannot parse the request. Value provided for access: ${show(p['access'])}. Allowed values: Allow, Deny.`, p['access']);
  const direction = enumValue(p['direction'], ['Inbound', 'Outbound']);
  if (p['direction'] === undefined || p['direction'] === null) return missing('direction', 'Direction');
  if (direction === undefined) return fail('direction', 'InvalidRequestFormat', `Cannot parse the request. Value provided for direction: ${show(p['direction'])}. Allowed values: Inbound, Outbound.`, p['direction']);
  // priority
  if (p['priority'] === undefined || p['priority'] === null) return missing('priority', 'Priority');
  const priority = p['priority'];
  if (typeof priority !== 'number' || !Number.isInteger(priority) || priority < MIN_PRIORITY || priority > MAX_PRIORITY) {
    return fail('priority', 'SecurityRuleInvalidPriority', `Security rule has invalid Priority. Value provided: ${show(priority)} Allowed range ${MIN_PRIORITY}-${MAX_PRIORITY}.`, priority);
  }
  // description
  const description = p['description'];
  if (description !== undefined && description !== null) {
    if (typeof description !== 'string') return fail('description', 'InvalidRequestFormat', 'Cannot parse the request. The description must be a string.', description);
    if (description.length > MAX_DESCRIPTION) {
      return fail('description', 'SecurityRuleDescriptionTooLong', `Security rule description cannot exceed ${MAX_DESCRIPTION} chars.`, description);
    }
  }

  const properties: RuleProperties = {
    protocol: PROTOCOLS.get((p['protocol'] as string).toLowerCase()) === '*' ? '*' : (p['protocol'] as string),
    access,
    priority,
    direction,
  };
  if (typeof description === 'string') properties.description = description;

  for (const side of ['source', 'destination'] as const) {
    const label = side === 'source' ? 'Source' : 'Destination';
    // Ports: a singular range or a list of them.
    const portSingle = p[`${side}PortRange`];
    const portList = p[`${side}PortRanges`];
    const ports = readStrings(portList, `${side}PortRanges`);
    if (!ports.ok) return ports;
    if (portSingle !== undefined && portSingle !== null) {
      if (typeof portSingle !== 'string' || !isValidPortRange(portSingle)) return invalidPort(`${side}PortRange`, portSingle);
      properties[`${side}PortRange`] = portSingle;
    }
    for (const [i, value] of ports.values.entries()) {
      if (!isValidPortRange(value)) return invalidPort(`${side}PortRanges[${i}]`, value);
    }
    if (ports.values.length > 0) properties[`${side}PortRanges`] = ports.values;
    if (properties[`${side}PortRange`] === undefined && ports.values.length === 0) {
      return missing(`${side}PortRange`, `${label}PortRanges or ${label}PortRange`);
    }

    // Address prefixes: a singular prefix, a list, or application security groups.
    const prefixSingle = p[`${side}AddressPrefix`];
    const prefixes = readStrings(p[`${side}AddressPrefixes`], `${side}AddressPrefixes`);
    if (!prefixes.ok) return prefixes;
    if (prefixSingle !== undefined && prefixSingle !== null && prefixSingle !== '') {
      if (typeof prefixSingle !== 'string' || !isValidAddressPrefix(prefixSingle)) return invalidPrefix(`${side}AddressPrefix`, prefixSingle, ruleId);
      properties[`${side}AddressPrefix`] = prefixSingle;
    }
    for (const [i, value] of prefixes.values.entries()) {
      if (!isValidAddressPrefix(value)) return invalidPrefix(`${side}AddressPrefixes[${i}]`, value, ruleId);
    }
    if (prefixes.values.length > 0) properties[`${side}AddressPrefixes`] = prefixes.values;
    const asgs = readAsgs(p[`${side}ApplicationSecurityGroups`], `${side}ApplicationSecurityGroups`);
    if (!asgs.ok) return asgs;
    if (asgs.values.length > 0) properties[`${side}ApplicationSecurityGroups`] = asgs.values;
    if (properties[`${side}AddressPrefix`] === undefined && prefixes.values.length === 0 && asgs.values.length === 0) {
      return missing(`${side}AddressPrefix`, `${label}AddressPrefixes, ${label}AddressPrefix, or ${label}ApplicationSecurityGroups`);
    }
  }
  return { ok: true, properties };
}

/** The first rule in `others` that has the same direction and priority (rules may share a priority across directions). */
export function findConflict(candidate: { name: string; properties: RuleProperties }, others: Iterable<{ name: string; properties: RuleProperties }>): string | undefined {
  for (const other of others) {
    if (other.name.toLowerCase() === candidate.name.toLowerCase()) continue;
    if (other.properties.direction === candidate.properties.direction && other.properties.priority === candidate.properties.priority) return other.name;
  }
  return undefined;
}

export function conflictMessage(existing: string, incoming: string): string {
  return `Security rule ${existing} conflicts with rule ${incoming}. Rules cannot have the same Priority and Direction. To learn more, see aka.ms/nsgrules.`;
}

/** A rule as Network RP returns it: singular fields only where given, plural arrays always (empty when unused). */
export function ruleBody(nsg: NsgRecord, rule: SecurityRuleRecord): Record<string, unknown> {
  const p = rule.properties;
  const props: Record<string, unknown> = { provisioningState: rule.pendingOperationId ? 'Updating' : 'Succeeded' };
  if (p.description !== undefined) props['description'] = p.description;
  props['protocol'] = p.protocol;
  if (p.sourcePortRange !== undefined) props['sourcePortRange'] = p.sourcePortRange;
  if (p.destinationPortRange !== undefined) props['destinationPortRange'] = p.destinationPortRange;
  if (p.sourceAddressPrefix !== undefined) props['sourceAddressPrefix'] = p.sourceAddressPrefix;
  if (p.destinationAddressPrefix !== undefined) props['destinationAddressPrefix'] = p.destinationAddressPrefix;
  props['access'] = p.access;
  props['priority'] = p.priority;
  props['direction'] = p.direction;
  props['sourcePortRanges'] = [...(p.sourcePortRanges ?? [])];
  props['destinationPortRanges'] = [...(p.destinationPortRanges ?? [])];
  props['sourceAddressPrefixes'] = [...(p.sourceAddressPrefixes ?? [])];
  props['destinationAddressPrefixes'] = [...(p.destinationAddressPrefixes ?? [])];
  if (p.sourceApplicationSecurityGroups) props['sourceApplicationSecurityGroups'] = p.sourceApplicationSecurityGroups.map((a) => ({ id: a.id }));
  if (p.destinationApplicationSecurityGroups) props['destinationApplicationSecurityGroups'] = p.destinationApplicationSecurityGroups.map((a) => ({ id: a.id }));
  return {
    name: rule.name,
    id: `${nsgId(nsg.subscriptionId, nsg.resourceGroup, nsg.name)}/securityRules/${rule.name}`,
    etag: nsg.etag,
    type: 'Microsoft.Network/networkSecurityGroups/securityRules',
    properties: props,
  };
}

interface DefaultRule {
  name: string;
  description: string;
  sourceAddressPrefix: string;
  destinationAddressPrefix: string;
  access: 'Allow' | 'Deny';
  priority: number;
  direction: 'Inbound' | 'Outbound';
}

/** The six rules Azure puts in every NSG (corpus nsg-get.default-rules.spec-example). */
const DEFAULT_RULES: DefaultRule[] = [
  { name: 'AllowVnetInBound', description: 'Allow inbound traffic from all VMs in VNET', sourceAddressPrefix: 'VirtualNetwork', destinationAddressPrefix: 'VirtualNetwork', access: 'Allow', priority: 65000, direction: 'Inbound' },
  { name: 'AllowAzureLoadBalancerInBound', description: 'Allow inbound traffic from azure load balancer', sourceAddressPrefix: 'AzureLoadBalancer', destinationAddressPrefix: '*', access: 'Allow', priority: 65001, direction: 'Inbound' },
  { name: 'DenyAllInBound', description: 'Deny all inbound traffic', sourceAddressPrefix: '*', destinationAddressPrefix: '*', access: 'Deny', priority: 65500, direction: 'Inbound' },
  { name: 'AllowVnetOutBound', description: 'Allow outbound traffic from all VMs to all VMs in VNET', sourceAddressPrefix: 'VirtualNetwork', destinationAddressPrefix: 'VirtualNetwork', access: 'Allow', priority: 65000, direction: 'Outbound' },
  { name: 'AllowInternetOutBound', description: 'Allow outbound traffic from all VMs to Internet', sourceAddressPrefix: '*', destinationAddressPrefix: 'Internet', access: 'Allow', priority: 65001, direction: 'Outbound' },
  { name: 'DenyAllOutBound', description: 'Deny all outbound traffic', sourceAddressPrefix: '*', destinationAddressPrefix: '*', access: 'Deny', priority: 65500, direction: 'Outbound' },
];

export function defaultRuleBodies(nsg: NsgRecord): Record<string, unknown>[] {
  const base = nsgId(nsg.subscriptionId, nsg.resourceGroup, nsg.name);
  const state = nsg.pendingOperations > 0 ? 'Updating' : 'Succeeded';
  return DEFAULT_RULES.map((r) => ({
    name: r.name,
    id: `${base}/defaultSecurityRules/${r.name}`,
    etag: nsg.etag,
    type: 'Microsoft.Network/networkSecurityGroups/defaultSecurityRules',
    properties: {
      provisioningState: state,
      description: r.description,
      protocol: '*',
      sourcePortRange: '*',
      destinationPortRange: '*',
      sourceAddressPrefix: r.sourceAddressPrefix,
      destinationAddressPrefix: r.destinationAddressPrefix,
      access: r.access,
      priority: r.priority,
      direction: r.direction,
      sourcePortRanges: [],
      destinationPortRanges: [],
      sourceAddressPrefixes: [],
      destinationAddressPrefixes: [],
    },
  }));
}

export function nsgBody(nsg: NsgRecord, subnetIds: string[]): Record<string, unknown> {
  const properties: Record<string, unknown> = {
    provisioningState: nsg.pendingOperations > 0 ? 'Updating' : 'Succeeded',
    resourceGuid: nsg.resourceGuid,
    securityRules: [...nsg.rules.values()].map((rule) => ruleBody(nsg, rule)),
    defaultSecurityRules: defaultRuleBodies(nsg),
  };
  if (subnetIds.length > 0) properties['subnets'] = subnetIds.map((id) => ({ id }));
  return {
    name: nsg.name,
    id: nsgId(nsg.subscriptionId, nsg.resourceGroup, nsg.name),
    etag: nsg.etag,
    type: 'Microsoft.Network/networkSecurityGroups',
    location: nsg.location,
    ...(nsg.tags === undefined ? {} : { tags: { ...nsg.tags } }),
    properties,
  };
}

function fail(field: string, code: string, message: string, value: unknown): RuleParse {
  return { ok: false, issue: { field, code, message, ...(value === undefined ? {} : { value }) } };
}

function invalidPort(field: string, value: unknown): RuleParse {
  return fail(field, 'SecurityRuleInvalidPortRange', `Security rule has invalid Port range. Value provided: ${show(value)}. Value should be an integer OR integer range with '-' delimiter. Valid range 0-65535.`, value);
}

function invalidPrefix(field: string, value: unknown, ruleId: string): RuleParse {
  return fail(field, 'SecurityRuleInvalidAddressPrefix', `Security rule ${ruleId} has invalid Address prefix. Value provided: ${show(value)}`, value);
}

function show(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value) ?? String(value);
}

function enumValue<T extends string>(value: unknown, allowed: readonly T[]): T | undefined {
  if (typeof value !== 'string') return undefined;
  return allowed.find((a) => a.toLowerCase() === value.toLowerCase());
}

type Strings = { ok: true; values: string[] } | { ok: false; issue: RuleIssue };

function readStrings(value: unknown, field: string): Strings {
  if (value === undefined || value === null) return { ok: true, values: [] };
  if (!Array.isArray(value)) return { ok: false, issue: { field, code: 'InvalidRequestFormat', message: `Cannot parse the request. ${field} must be an array of strings.`, value } };
  const values: string[] = [];
  for (const [i, item] of value.entries()) {
    if (typeof item !== 'string') {
      const isPort = field.includes('Port');
      return { ok: false, issue: { field: `${field}[${i}]`, code: isPort ? 'SecurityRuleInvalidPortRange' : 'SecurityRuleInvalidAddressPrefix', message: `${field}[${i}] must be a string. Value provided: ${show(item)}`, value: item } };
    }
    values.push(item);
  }
  return { ok: true, values };
}

type Asgs = { ok: true; values: AsgReference[] } | { ok: false; issue: RuleIssue };

function readAsgs(value: unknown, field: string): Asgs {
  if (value === undefined || value === null) return { ok: true, values: [] };
  if (!Array.isArray(value)) return { ok: false, issue: { field, code: 'InvalidRequestFormat', message: `Cannot parse the request. ${field} must be an array of {id} references.`, value } };
  const values: AsgReference[] = [];
  for (const [i, item] of value.entries()) {
    const id = item !== null && typeof item === 'object' ? (item as Record<string, unknown>)['id'] : undefined;
    if (typeof id !== 'string' || !/\/providers\/Microsoft\.Network\/applicationSecurityGroups\/[^/]+$/i.test(id)) {
      return { ok: false, issue: { field: `${field}[${i}].id`, code: 'InvalidRequestFormat', message: `Cannot parse the request. ${field}[${i}].id must be an application security group id.`, value: id } };
    }
    values.push({ id });
  }
  return { ok: true, values };
}
