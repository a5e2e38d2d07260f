/**
 * ARM NSG and security-rule JSON → `NetworkSecurityGroup` / `SecurityRule`. Accepts GET, PUT and LIST bodies, fields
 * under `properties` or flattened at the top level (newer SDK models), singular and plural fields together,
 * any casing of protocol/access/direction, rules inline or as child rule bodies, and bodies without
 * `defaultSecurityRules` (the six defaults are implied). Errors name the full path of the bad field.
 */

import { normalizeResourceId, resourceTypeOf } from '../arm/resourceId';
import { InputError } from '../errors';
import { parseAddressPrefix, uniqueSortedPrefixes } from './addresses';
import { primeIndex } from './reach';
import { DEFAULT_RULE_BODIES } from './defaults';
import { mergeRanges, parsePortRange } from './ports';
import type { Access, AddressPrefix, Direction, NetworkSecurityGroup, PortRange, RuleProtocol, SecurityRule } from './types';

type Json = Record<string, unknown>;

/** User rules must use 100-4096 (Azure rejects others); the defaults use 65000, 65001 and 65500. */
export const MIN_USER_PRIORITY = 100;
export const MAX_USER_PRIORITY = 4096;

const PROTOCOLS: Record<string, RuleProtocol> = { tcp: 'Tcp', udp: 'Udp', icmp: 'Icmp', esp: 'Esp', ah: 'Ah', '*': '*', any: '*' };
const ACCESS: Record<string, Access> = { allow: 'Allow', deny: 'Deny' };
const DIRECTIONS: Record<string, Direction> = { inbound: 'Inbound', outbound: 'Outbound' };

function isObject(value: unknown): value is Json {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * Normalized prefix and port lists are frozen (array and elements): they are shared by everything that reads the
 * NSG, and the exposure engine's address index can then trust an unchanged array reference.
 */
function frozen<T extends object>(items: T[]): T[] {
  for (const item of items) Object.freeze(item);
  return Object.freeze(items) as T[];
}

function join(base: string, key: string): string {
  return base === '' ? key : `${base}.${key}`;
}

/**
 * Reads fields from `properties` (ARM wire format) or, failing that, from the top level (flattened SDK models),
 * and knows the path of whatever it returns.
 */
class Fields {
  private readonly props: Json | undefined;
  constructor(
    private readonly body: Json,
    private readonly base: string,
  ) {
    this.props = isObject(body.properties) ? body.properties : undefined;
  }

  /** The value (null counts as absent) and its path. */
  get(key: string): { value: unknown; path: string } {
    const inProps = this.props?.[key];
    if (inProps !== undefined && inProps !== null) return { value: inProps, path: join(this.base, `properties.${key}`) };
    const top = this.body[key];
    if (top !== undefined && top !== null) return { value: top, path: join(this.base, key) };
    return { value: undefined, path: this.pathFor(key) };
  }

  /** Where a missing field would go: under `properties` when the body has one. */
  pathFor(key: string): string {
    return join(this.base, this.props ? `properties.${key}` : key);
  }
}

function enumField<T>(fields: Fields, key: string, table: Record<string, T>, allowed: string): T {
  const { value, path } = fields.get(key);
  if (typeof value !== 'string') throw new InputError(path, value, `is required and must be one of ${allowed}`);
  const found = table[value.trim().toLowerCase()];
  if (found === undefined) throw new InputError(path, value, `must be one of ${allowed}`);
  return found;
}

function priorityField(fields: Fields, isDefault: boolean): number {
  const { value, path } = fields.get('priority');
  let n: number | undefined;
  if (typeof value === 'number') n = value;
  else if (typeof value === 'string' && /^\s*\d+\s*$/.test(value)) n = Number(value);
  if (n === undefined || !Number.isInteger(n)) throw new InputError(path, value, 'is required and must be an integer');
  if (isDefault) {
    if (n < 0 || n > 65535) throw new InputError(path, value, 'must be between 0 and 65535');
  } else if (n < MIN_USER_PRIORITY || n > MAX_USER_PRIORITY) {
    throw new InputError(path, value, `must be between ${MIN_USER_PRIORITY} and ${MAX_USER_PRIORITY}`);
  }
  return n;
}

/** Singular `<dim>PortRange` and plural `<dim>PortRanges`, merged. At least one must say something. */
function portsField(fields: Fields, dim: 'source' | 'destination'): PortRange[] {
  const single = fields.get(`${dim}PortRange`);
  const plural = fields.get(`${dim}PortRanges`);
  const ranges: PortRange[] = [];
  if (single.value !== undefined && single.value !== '') ranges.push(parsePortRange(single.value, single.path));
  if (plural.value !== undefined) {
    if (!Array.isArray(plural.value)) throw new InputError(plural.path, plural.value, 'must be an array of port ranges');
    for (let i = 0; i < plural.value.length; i++) ranges.push(parsePortRange(plural.value[i], `${plural.path}[${i}]`));
  }
  if (ranges.length === 0) {
    throw new InputError(single.path, single.value, `is required (or ${dim}PortRanges): a port, a range such as "1000-2000", or "*"`);
  }
  return frozen(mergeRanges(ranges));
}

/**
 * Singular `<dim>AddressPrefix`, plural `<dim>AddressPrefixes` and `<dim>ApplicationSecurityGroups`, merged. The
 * empty string that ARM puts in the singular field beside an ASG list is skipped.
 */
function prefixesField(fields: Fields, dim: 'source' | 'destination'): AddressPrefix[] {
  const single = fields.get(`${dim}AddressPrefix`);
  const plural = fields.get(`${dim}AddressPrefixes`);
  const asgs = fields.get(`${dim}ApplicationSecurityGroups`);
  const out: AddressPrefix[] = [];
  if (single.value !== undefined && !(typeof single.value === 'string' && single.value.trim() === '')) {
    out.push(parseAddressPrefix(single.value, single.path));
  }
  if (plural.value !== undefined) {
    if (!Array.isArray(plural.value)) throw new InputError(plural.path, plural.value, 'must be an array of address prefixes');
    for (let i = 0; i < plural.value.length; i++) {
      const item: unknown = plural.value[i];
      if (typeof item === 'string' && item.trim() === '') continue;
      out.push(parseAddressPrefix(item, `${plural.path}[${i}]`));
    }
  }
  if (asgs.value !== undefined) {
    if (!Array.isArray(asgs.value)) throw new InputError(asgs.path, asgs.value, 'must be an array of { "id": … } objects');
    for (let i = 0; i < asgs.value.length; i++) {
      const item: unknown = asgs.value[i];
      if (!isObject(item)) throw new InputError(`${asgs.path}[${i}]`, item, 'must be an object with the id of an application security group');
      out.push(parseAddressPrefix(item, `${asgs.path}[${i}]`));
    }
  }
  if (out.length === 0) {
    throw new InputError(
      single.path,
      single.value,
      `is required (or ${dim}AddressPrefixes / ${dim}ApplicationSecurityGroups): a CIDR, an IP, a service tag or "*"`,
    );
  }
  return frozen(uniqueSortedPrefixes(out));
}

export interface NormalizeRuleOptions {
  /** The rule is one of `defaultSecurityRules` (allows the 65000-65500 priorities). */
  isDefault?: boolean;
  /** Name to use when the body has neither `name` nor `id` (a PUT request body: the name is in the URL). */
  name?: string;
}

/**
 * One security rule body (GET/PUT/LIST item, ARM or flattened SDK shape). `field` is the body's path in the
 * document (e.g. `properties.securityRules[3]`), used in error messages.
 */
export function normalizeSecurityRule(json: unknown, field = '', options: NormalizeRuleOptions = {}): SecurityRule {
  if (!isObject(json)) throw new InputError(field === '' ? 'body' : field, json, 'must be a security rule object');
  const fields = new Fields(json, field);
  const isDefault = options.isDefault === true;

  const rawId = json.id;
  if (rawId !== undefined && rawId !== null && typeof rawId !== 'string') throw new InputError(join(field, 'id'), rawId, 'must be a string');
  const id = typeof rawId === 'string' && rawId.trim() !== '' ? normalizeResourceId(rawId) : undefined;

  let name: string | undefined;
  const rawName = json.name;
  if (typeof rawName === 'string' && rawName.trim() !== '') name = rawName.trim();
  else if (rawName !== undefined && rawName !== null && typeof rawName !== 'string') throw new InputError(join(field, 'name'), rawName, 'must be a string');
  else if (typeof rawId === 'string' && rawId.trim() !== '') name = rawId.trim().replace(/\/+$/, '').split('/').pop();
  else if (options.name !== undefined) name = options.name;
  if (name === undefined || name === '') throw new InputError(join(field, 'name'), rawName, 'is required (the rule has neither a name nor an id)');

  const priority = priorityField(fields, isDefault);
  const direction = enumField(fields, 'direction', DIRECTIONS, '"Inbound", "Outbound"');
  const access = enumField(fields, 'access', ACCESS, '"Allow", "Deny"');
  const protocol = enumField(fields, 'protocol', PROTOCOLS, '"Tcp", "Udp", "Icmp", "Esp", "Ah", "*"');
  const sourcePorts = portsField(fields, 'source');
  const destinationPorts = portsField(fields, 'destination');
  const sources = prefixesField(fields, 'source');
  const destinations = prefixesField(fields, 'destination');

  const desc = fields.get('description');
  if (desc.value !== undefined && typeof desc.value !== 'string') throw new InputError(desc.path, desc.value, 'must be a string');

  const rule: SecurityRule = { name, priority, direction, access, protocol, sourcePorts, destinationPorts, sources, destinations, isDefault };
  if (id !== undefined) rule.id = id;
  if (typeof desc.value === 'string' && desc.value !== '') rule.description = desc.value;
  return rule;
}

/** Azure's six default rules, with ids under `nsgId` when it is known. */
export function defaultSecurityRules(nsgId = ''): SecurityRule[] {
  const base = nsgId === '' ? '' : normalizeResourceId(nsgId);
  return DEFAULT_RULE_BODIES.map((body, i) => {
    const withId = base === '' ? body : { ...body, id: `${base}/defaultSecurityRules/${body.name}` };
    return normalizeSecurityRule(withId, `defaultSecurityRules[${i}]`, { isDefault: true });
  });
}

const DIRECTION_ORDER: Record<Direction, number> = { Inbound: 0, Outbound: 1 };

/** Inbound before outbound, then by priority, then by name: a stable order for display and comparison. */
export function compareRules(a: SecurityRule, b: SecurityRule): number {
  return (
    DIRECTION_ORDER[a.direction] - DIRECTION_ORDER[b.direction] ||
    a.priority - b.priority ||
    (a.name.toLowerCase() < b.name.toLowerCase() ? -1 : a.name.toLowerCase() > b.name.toLowerCase() ? 1 : 0)
  );
}

function repack(rule: SecurityRule): SecurityRule {
  return { ...rule };
}

export type NetworkBodyKind = 'networkSecurityGroup' | 'networkSecurityGroupList' | 'securityRule' | 'securityRuleList' | 'error' | 'other';

const NSG_TYPE = 'microsoft.network/networksecuritygroups';
const RULE_TYPES = new Set([`${NSG_TYPE}/securityrules`, `${NSG_TYPE}/defaultsecurityrules`]);
const RULE_KEYS = ['protocol', 'access', 'direction', 'priority'];

function classifyItem(json: Json): NetworkBodyKind {
  if (isObject(json.error)) return 'error';
  const type = typeof json.type === 'string' ? json.type.trim().toLowerCase() : undefined;
  if (type === NSG_TYPE) return 'networkSecurityGroup';
  if (type !== undefined && RULE_TYPES.has(type)) return 'securityRule';
  const idType = typeof json.id === 'string' ? resourceTypeOf(json.id) : undefined;
  if (idType === NSG_TYPE) return 'networkSecurityGroup';
  if (idType !== undefined && RULE_TYPES.has(idType)) return 'securityRule';
  const props = isObject(json.properties) ? json.properties : json;
  if (Array.isArray(props.securityRules) || Array.isArray(props.defaultSecurityRules)) return 'networkSecurityGroup';
  if (RULE_KEYS.filter((k) => props[k] !== undefined).length >= 3) return 'securityRule';
  return 'other';
}

/**
 * What an ARM network body is: one NSG, a LIST of NSGs, one rule, a LIST of rules, an ARM error envelope, or
 * something else (an async-operation status, a recorded response without a body).
 */
export function classifyNetworkBody(json: unknown): NetworkBodyKind {
  if (!isObject(json)) return 'other';
  if (Array.isArray(json.value)) {
    const kinds = new Set(json.value.map((item) => (isObject(item) ? classifyItem(item) : 'other')));
    if (kinds.size === 0 || (kinds.size === 1 && kinds.has('networkSecurityGroup'))) return 'networkSecurityGroupList';
    if (kinds.size === 1 && kinds.has('securityRule')) return 'securityRuleList';
    return 'other';
  }
  return classifyItem(json);
}

function describeKind(kind: NetworkBodyKind, json: Json): string {
  switch (kind) {
    case 'error': {
      const err = json.error as Json;
      return `is an ARM error response (${String(err.code ?? 'unknown code')}: ${String(err.message ?? '')}), not a network security group`;
    }
    case 'networkSecurityGroupList':
    case 'securityRuleList':
      return 'is a LIST body ({"value": [...]}), not one network security group';
    case 'securityRule':
      return 'is a security rule, not a network security group';
    default:
      return 'is not a network security group (no type, id or securityRules identify it as one)';
  }
}

export interface NormalizeNsgOptions {
  /** Path of the body in its document (e.g. `value[2]`), prefixed to error fields. */
  field?: string;
  /**
   * Child rule bodies (GET/PUT/LIST items of `.../securityRules/{name}`). They replace inline rules of the same name
   * (names compare case-insensitively) and add the others.
   */
  rules?: readonly unknown[];
}

/**
 * One NSG body (GET/PUT response, a LIST item, or a flattened SDK model). Inline `securityRules` and the child
 * `rules` are merged; `defaultSecurityRules` are taken from the body, or the six defaults are implied when the body
 * has none.
 */
export function normalizeNsg(json: unknown, options: string | NormalizeNsgOptions = {}): NetworkSecurityGroup {
  const opts: NormalizeNsgOptions = typeof options === 'string' ? { field: options } : options;
  const base = opts.field ?? '';
  const where = base === '' ? 'body' : base;
  if (!isObject(json)) throw new InputError(where, json, 'must be a network security group object');
  const kind = classifyNetworkBody(json);
  if (kind !== 'networkSecurityGroup') throw new InputError(where, kind === 'other' ? json : undefined, describeKind(kind, json));
  const fields = new Fields(json, base);

  const rawId = json.id;
  const id = typeof rawId === 'string' && rawId.trim() !== '' ? normalizeResourceId(rawId) : '';
  const rawName = json.name;
  const name =
    typeof rawName === 'string' && rawName.trim() !== ''
      ? rawName.trim()
      : typeof rawId === 'string' && rawId.trim() !== ''
        ? (rawId.trim().replace(/\/+$/, '').split('/').pop() ?? '')
        : '';

  const byName = new Map<string, { rule: SecurityRule; path: string }>();
  const inline = fields.get('securityRules');
  if (inline.value !== undefined) {
    if (!Array.isArray(inline.value)) throw new InputError(inline.path, inline.value, 'must be an array of security rules');
    inline.value.forEach((item: unknown, i: number) => {
      const path = `${inline.path}[${i}]`;
      const rule = normalizeSecurityRule(item, path);
      const key = rule.name.toLowerCase();
      const dup = byName.get(key);
      if (dup !== undefined) throw new InputError(join(path, 'name'), rule.name, `duplicates the name of ${dup.path}`);
      byName.set(key, { rule, path });
    });
  }
  (opts.rules ?? []).forEach((item, i) => {
    // Child bodies are fresher than the parent's inline copy (an event delivers the rule after the NSG was read).
    const rule = normalizeSecurityRule(item, `rules[${i}]`);
    byName.set(rule.name.toLowerCase(), { rule, path: `rules[${i}]` });
  });

  let defaultRules: SecurityRule[];
  const defaults = fields.get('defaultSecurityRules');
  if (defaults.value !== undefined && !Array.isArray(defaults.value)) {
    throw new InputError(defaults.path, defaults.value, 'must be an array of security rules');
  }
  if (Array.isArray(defaults.value) && defaults.value.length > 0) {
    defaultRules = defaults.value.map((item: unknown, i: number) => normalizeSecurityRule(item, `${defaults.path}[${i}]`, { isDefault: true }));
  } else {
    defaultRules = defaultSecurityRules(id);
  }

  const nsg: NetworkSecurityGroup = {
    id,
    name,
    // Fresh copies, allocated back to back: evaluation reads every rule's fields, and adjacent objects read fast.
    rules: [...byName.values()].map((e) => e.rule).sort(compareRules).map(repack),
    defaultRules: defaultRules.sort(compareRules).map(repack),
  };
  const location = fields.get('location').value;
  if (typeof location === 'string' && location !== '') nsg.location = location;
  const etag = json.etag;
  if (typeof etag === 'string' && etag !== '') nsg.etag = etag;
  // Build the address index now: normalization is where prefixes are parsed anyway, and exposure is then cheap.
  primeIndex(nsg);
  return nsg;
}

/** A LIST body (`{"value": [...NSGs]}`); items are reported as `value[i]…` in errors. */
export function nsgsFromListBody(json: unknown, field = ''): NetworkSecurityGroup[] {
  const where = field === '' ? 'body' : field;
  if (!isObject(json)) throw new InputError(where, json, 'must be a LIST body ({"value": [...]})');
  const value = json.value;
  if (!Array.isArray(value)) throw new InputError(join(field, 'value'), value, 'must be an array of network security groups');
  return value.map((item: unknown, i: number) => normalizeNsg(item, { field: `${join(field, 'value')}[${i}]` }));
}

/** One NSG body or a LIST body of NSGs. */
export function nsgsFromBody(json: unknown): NetworkSecurityGroup[] {
  if (isObject(json) && Array.isArray(json.value)) return nsgsFromListBody(json);
  return [normalizeNsg(json)];
}

/** A LIST body of security rules (`GET …/securityRules`). */
export function securityRulesFromListBody(json: unknown, field = ''): SecurityRule[] {
  const where = field === '' ? 'body' : field;
  if (!isObject(json)) throw new InputError(where, json, 'must be a LIST body ({"value": [...]})');
  const value = json.value;
  if (!Array.isArray(value)) throw new InputError(join(field, 'value'), value, 'must be an array of security rules');
  return value.map((item: unknown, i: number) => normalizeSecurityRule(item, `${join(field, 'value')}[${i}]`));
}
