/**
 * Address prefixes of NSG rules: `*`/`Any`, the `Internet` and other service tags, CIDRs and bare IPs (v4 and v6),
 * and application security groups. Parsed once into `AddressPrefix`; compared by meaning through
 * `addressPrefixKey` / `prefixCovers`, never by text.
 */

import { normalizeResourceId } from '../arm/resourceId';
import { InputError } from '../errors';
import { cidrContains, cidrPurity, compareCidr, formatCidr, parseCidr, type Cidr } from './ip';
import type { AddressPrefix, SourceClass } from './types';

/** Service tags are letters, digits, dots, dashes and underscores, starting with a letter (`Storage.WestEurope`). */
const SERVICE_TAG = /^[A-Za-z][A-Za-z0-9_.-]*$/;

/**
 * Parses one source/destination entry. Strings: `*`/`Any` (any case), `0.0.0.0/0` and `::/0` → `any` (every
 * address); `Internet` → `internetTag`; CIDRs and bare IPs → `cidr` (host bits cleared, `/32` or `/128` added, IPv6
 * compressed); other tags (`VirtualNetwork`, `AzureLoadBalancer`, …) → `serviceTag`. Objects `{ id }` (the
 * `*ApplicationSecurityGroups` entries) → `asg`. Anything else is an `InputError` naming `field`.
 */
export function parseAddressPrefix(value: unknown, field: string): AddressPrefix {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const id = (value as { id?: unknown }).id;
    if (typeof id !== 'string' || id.trim() === '') {
      throw new InputError(`${field}.id`, id, 'must be the ARM id of an application security group');
    }
    return { kind: 'asg', raw: id.trim(), id: normalizeResourceId(id) };
  }
  if (typeof value !== 'string') {
    throw new InputError(field, value, 'must be an address prefix string (a CIDR, an IP address, a service tag or "*")');
  }
  const raw = value.trim();
  if (raw === '') throw new InputError(field, value, 'is empty');
  if (raw === '*') return { kind: 'any', raw };
  const first = raw.charCodeAt(0);
  const looksNumeric = (first >= 48 && first <= 57) || raw.includes(':');
  if (!looksNumeric) {
    const lower = raw.toLowerCase();
    if (lower === 'any') return { kind: 'any', raw };
    if (lower === 'internet') return { kind: 'internetTag', raw };
    if (SERVICE_TAG.test(raw)) return { kind: 'serviceTag', raw, tag: raw };
    throw new InputError(field, value, 'is not a CIDR, an IP address, a service tag or "*"');
  }
  const cidr = parseCidr(raw);
  if (cidr === undefined) {
    throw new InputError(field, value, 'is not a valid IP address or CIDR (IPv4 a.b.c.d[/0-32], IPv6 [/0-128])');
  }
  if (cidr.length === 0) return { kind: 'any', raw };
  return { kind: 'cidr', raw, version: cidr.version, cidr: formatCidr(cidr), scope: cidrPurity(cidr) === 'private' ? 'private' : 'public' };
}

/** Tag names compare case-insensitively; `VirtualNetwork` is the private address space of the VNet. */
export function isVirtualNetworkTag(prefix: AddressPrefix): boolean {
  return prefix.kind === 'serviceTag' && prefix.tag.toLowerCase() === 'virtualnetwork';
}

/**
 * The class of source a prefix stands for: `*`/`Internet` → `internet`, a public CIDR → `public`, a private CIDR or
 * `VirtualNetwork` → `private`, other tags → `serviceTag`, an application security group → `asg`.
 */
export function sourceClassOf(prefix: AddressPrefix): SourceClass {
  switch (prefix.kind) {
    case 'any':
    case 'internetTag':
      return 'internet';
    case 'cidr':
      return prefix.scope;
    case 'serviceTag':
      return isVirtualNetworkTag(prefix) ? 'private' : 'serviceTag';
    case 'asg':
      return 'asg';
  }
}

/**
 * A key equal for two prefixes exactly when they mean the same addresses: `*`, `Any`, `0.0.0.0/0` and `::/0` →
 * `*`; tags case-insensitively; CIDRs by canonical network; ASGs by normalized id.
 */
export function addressPrefixKey(prefix: AddressPrefix): string {
  switch (prefix.kind) {
    case 'any':
      return '*';
    case 'internetTag':
      return 'tag:internet';
    case 'serviceTag':
      return `tag:${prefix.tag.toLowerCase()}`;
    case 'cidr':
      return prefix.cidr;
    case 'asg':
      return `asg:${prefix.id}`;
  }
}

export function sameAddressPrefix(a: AddressPrefix, b: AddressPrefix): boolean {
  return addressPrefixKey(a) === addressPrefixKey(b);
}

/** The numeric block of a `cidr` prefix (parsed from its canonical text). */
export function cidrOf(prefix: AddressPrefix & { kind: 'cidr' }): Cidr {
  const parsed = parseCidr(prefix.cidr);
  if (parsed === undefined) throw new InputError('cidr', prefix.cidr, 'is not a valid CIDR');
  return parsed;
}

/**
 * Whether `outer` names every address `inner` names: `*` covers everything; `Internet` covers itself and public
 * blocks that touch no private range; `VirtualNetwork` covers itself and private blocks; a CIDR covers the CIDRs
 * inside it; a tag or an ASG covers only itself. Partial overlaps do not cover.
 */
export function prefixCovers(outer: AddressPrefix, inner: AddressPrefix): boolean {
  if (outer.kind === 'any') return true;
  if (inner.kind === 'any') return false;
  if (outer.kind === 'internetTag') {
    return inner.kind === 'internetTag' || (inner.kind === 'cidr' && cidrPurity(cidrOf(inner)) === 'public');
  }
  if (isVirtualNetworkTag(outer)) {
    return isVirtualNetworkTag(inner) || (inner.kind === 'cidr' && inner.scope === 'private');
  }
  if (outer.kind === 'cidr') return inner.kind === 'cidr' && cidrContains(cidrOf(outer), cidrOf(inner));
  return addressPrefixKey(outer) === addressPrefixKey(inner);
}

const KIND_RANK: Record<AddressPrefix['kind'], number> = { any: 0, internetTag: 1, serviceTag: 2, cidr: 3, asg: 4 };

/** Display order: `*`, `Internet`, tags, IPv4 then IPv6 blocks numerically, ASGs. */
export function compareAddressPrefixes(a: AddressPrefix, b: AddressPrefix): number {
  const rank = KIND_RANK[a.kind] - KIND_RANK[b.kind];
  if (rank !== 0) return rank;
  if (a.kind === 'cidr' && b.kind === 'cidr') return compareCidr(cidrOf(a), cidrOf(b));
  const ka = addressPrefixKey(a);
  const kb = addressPrefixKey(b);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

/** De-duplicated by meaning (the first spelling wins) and sorted for display. */
export function uniqueSortedPrefixes(prefixes: readonly AddressPrefix[]): AddressPrefix[] {
  const seen = new Map<string, AddressPrefix>();
  for (const p of prefixes) {
    const key = addressPrefixKey(p);
    if (!seen.has(key)) seen.set(key, p);
  }
  const unique = [...seen.values()];
  if (unique.length < 2) return unique;
  // Decorate once: comparing CIDRs numerically would otherwise re-parse them on every comparison.
  const decorated = unique.map((p) => ({ p, c: p.kind === 'cidr' ? cidrOf(p) : undefined, k: addressPrefixKey(p) }));
  decorated.sort((x, y) => {
    const rank = KIND_RANK[x.p.kind] - KIND_RANK[y.p.kind];
    if (rank !== 0) return rank;
    if (x.c !== undefined && y.c !== undefined) return compareCidr(x.c, y.c);
    return x.k < y.k ? -1 : x.k > y.k ? 1 : 0;
  });
  return decorated.map((d) => d.p);
}
