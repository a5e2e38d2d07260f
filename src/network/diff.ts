/**
 * Semantic difference between a baseline NSG and its current state: rule drift (matched by name, compared by
 * meaning) and the exposure delta (what became reachable, and what stopped being reachable).
 *
 * The exposure delta compares what is reachable, not which rule admits it: renaming a rule, splitting one rule
 * into two or narrowing a rule adds no exposure. A current (protocol, port, prefix) is new unless the baseline
 * reached the same point from a prefix that covers it (`*` covers all; Internet covers public blocks; VirtualNetwork
 * covers private blocks; a CIDR covers the CIDRs inside it; a tag or ASG itself). For `*`, its Internet and its
 * VirtualNetwork parts are compared separately.
 */

import { addressPrefixKey, cidrOf, uniqueSortedPrefixes } from './addresses';
import { B_ANY, B_INET, B_PRIV, B_PUB, B_VNET } from './compile';
import { exposureEntries } from './exposure';
import { EMPTY, equal, intersect, subtract, union, type Intervals } from './intervals';
import { formatCidr, maskWords, type Cidr } from './ip';
import { compareRules } from './normalize';
import { formatRanges, mergeRanges, rangesEqual } from './ports';
import { classifiedPrefixes, reachOf, type DirectionReach, type ReachGroup } from './reach';
import type { AddressPrefix, ExposureEntry, NetworkSecurityGroup, NsgDiff, RuleDrift, RuleFieldChange, SecurityRule } from './types';

function prefixKeys(prefixes: readonly AddressPrefix[]): string[] {
  return [...new Set(prefixes.map(addressPrefixKey))].sort();
}

function sameKeys(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((k, i) => k === b[i]);
}

function displayPrefixes(prefixes: readonly AddressPrefix[]): string[] {
  return uniqueSortedPrefixes(prefixes).map((p) => p.raw);
}

/** Field-level changes of a rule, by meaning: prefix order, `"22"` vs `"22-22"`, `*` vs `Any`, casing are not changes. */
export function ruleChanges(before: SecurityRule, after: SecurityRule): RuleFieldChange[] {
  const changes: RuleFieldChange[] = [];
  if (before.priority !== after.priority) changes.push({ field: 'priority', before: before.priority, after: after.priority });
  if (before.direction !== after.direction) changes.push({ field: 'direction', before: before.direction, after: after.direction });
  if (before.access !== after.access) changes.push({ field: 'access', before: before.access, after: after.access });
  if (before.protocol.toLowerCase() !== after.protocol.toLowerCase()) changes.push({ field: 'protocol', before: before.protocol, after: after.protocol });
  for (const field of ['sourcePorts', 'destinationPorts'] as const) {
    const b = mergeRanges(before[field]);
    const a = mergeRanges(after[field]);
    if (!rangesEqual(b, a)) changes.push({ field, before: formatRanges(b), after: formatRanges(a) });
  }
  for (const field of ['sources', 'destinations'] as const) {
    if (!sameKeys(prefixKeys(before[field]), prefixKeys(after[field]))) {
      changes.push({ field, before: displayPrefixes(before[field]), after: displayPrefixes(after[field]) });
    }
  }
  if ((before.description ?? '') !== (after.description ?? '')) {
    changes.push({ field: 'description', before: before.description ?? null, after: after.description ?? null });
  }
  return changes;
}

/** Changes that alter what a rule matches or decides (everything but the description). */
export function isSecurityRelevant(change: RuleFieldChange): boolean {
  return change.field !== 'description';
}

/** Rule drift of the user rules (default rules cannot change and are not compared), matched by name case-insensitively. */
export function ruleDrift(baseline: readonly SecurityRule[], current: readonly SecurityRule[]): RuleDrift[] {
  const before = new Map(baseline.map((r) => [r.name.toLowerCase(), r]));
  const after = new Map(current.map((r) => [r.name.toLowerCase(), r]));
  const drift: { sortBy: SecurityRule; d: RuleDrift }[] = [];
  for (const [name, rule] of before) {
    const now = after.get(name);
    if (now === undefined) {
      drift.push({ sortBy: rule, d: { type: 'removed', rule } });
      continue;
    }
    const changes = ruleChanges(rule, now);
    if (changes.length > 0) drift.push({ sortBy: now, d: { type: 'modified', before: rule, after: now, changes } });
  }
  for (const [name, rule] of after) if (!before.has(name)) drift.push({ sortBy: rule, d: { type: 'added', rule } });
  drift.sort((x, y) => compareRules(x.sortBy, y.sortBy) || (x.d.type < y.d.type ? -1 : x.d.type > y.d.type ? 1 : 0));
  return drift.map((x) => x.d);
}

/** The network of an IPv4 block under a shorter prefix length, as an unsigned 32-bit number. */
function networkV4(cidr: Cidr, length: number): number {
  return length === 0 ? 0 : length >= 32 ? cidr.words[3] : (cidr.words[3] & (~0 << (32 - length))) >>> 0;
}

/** IPv4 blocks of one prefix length: sorted networks (binary-searched) and the ports each reached. */
class V4Blocks {
  networks: Uint32Array = new Uint32Array(0);
  ports: Intervals[] = [];
  private readonly pending = new Map<number, Intervals>();

  add(network: number, ports: Intervals): void {
    const known = this.pending.get(network);
    this.pending.set(network, known === undefined ? ports : union(known, ports));
  }

  seal(): void {
    const entries = [...this.pending.entries()].sort((x, y) => x[0] - y[0]);
    this.networks = Uint32Array.from(entries, (e) => e[0]);
    this.ports = entries.map((e) => e[1]);
  }

  get(network: number): Intervals | undefined {
    let lo = 0;
    let hi = this.networks.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const v = this.networks[mid]!;
      if (v === network) return this.ports[mid];
      if (v < network) lo = mid + 1;
      else hi = mid - 1;
    }
    return undefined;
  }
}

/** Where a side of the comparison reached, indexed by the kind of prefix that reached it. */
class Coverage {
  /** The Internet: `*`'s Internet part and the `Internet` tag. */
  private pub: Intervals = EMPTY;
  /** The VNet: `*`'s private part and `VirtualNetwork`. */
  private priv: Intervals = EMPTY;
  /** Every address: where one `*` reached from both parts. */
  private whole: Intervals = EMPTY;
  /** Tags, ASGs and IPv6 blocks by key. */
  private readonly byKey = new Map<string, Intervals>();
  /** IPv4 blocks by prefix length (numeric, no string per lookup: a large NSG has tens of thousands). */
  private readonly v4 = new Map<number, V4Blocks>();
  private v4Lengths: number[] = [];
  /** IPv6 prefix lengths present, to look up the blocks around an IPv6 CIDR. */
  private readonly v6Lengths = new Set<number>();
  private wholePub: Intervals | undefined;
  private wholePriv: Intervals | undefined;

  private wholeOrPub(): Intervals {
    return (this.wholePub ??= union(this.whole, this.pub));
  }

  private wholeOrPriv(): Intervals {
    return (this.wholePriv ??= union(this.whole, this.priv));
  }

  constructor(
    dr: DirectionReach,
    private readonly cidrs: CidrCache,
  ) {
    const anyPublic = new Map<number, Intervals>();
    for (const g of dr.groups) {
      if (g.bucket === B_ANY) {
        if (g.part === 'public') {
          this.pub = union(this.pub, g.ports);
          anyPublic.set(g.ruleIndex, g.ports);
        } else {
          this.priv = union(this.priv, g.ports);
          const pub = anyPublic.get(g.ruleIndex);
          if (pub !== undefined) this.whole = union(this.whole, intersect(pub, g.ports));
        }
        continue;
      }
      if (g.bucket === B_INET) {
        this.pub = union(this.pub, g.ports);
        continue;
      }
      if (g.bucket === B_VNET) {
        this.priv = union(this.priv, g.ports);
        continue;
      }
      const prefixes = classifiedPrefixes(dr.rules[g.ruleIndex]!.rule);
      for (let i = 0; i < g.positions.length; i++) {
        const p = prefixes[g.positions[i]!]!;
        if (p.kind === 'cidr' && p.version === 4) {
          const cidr = cidrs.of(p);
          let blocks = this.v4.get(cidr.length);
          if (blocks === undefined) this.v4.set(cidr.length, (blocks = new V4Blocks()));
          blocks.add(networkV4(cidr, cidr.length), g.ports);
          continue;
        }
        if (p.kind === 'cidr') this.v6Lengths.add(cidrs.of(p).length);
        const key = addressPrefixKey(p);
        const known = this.byKey.get(key);
        this.byKey.set(key, known === undefined ? g.ports : union(known, g.ports));
      }
    }
    for (const blocks of this.v4.values()) blocks.seal();
    this.v4Lengths = [...this.v4.keys()].sort((x, y) => x - y);
  }

  /**
   * `ports` minus where this side reached every address of `prefix` (of the `part` of `*`). The covering sets are
   * subtracted one by one rather than united first: the broad ones (the Internet's, the VNet's) can be large, and
   * uniting them with each prefix's own would copy them once per prefix.
   */
  uncovered(ports: Intervals, prefix: AddressPrefix, bucket: number, part: 'public' | 'private' | undefined): Intervals {
    if (bucket === B_ANY) return subtract(ports, part === 'public' ? this.pub : this.priv);
    if (bucket === B_INET) return subtract(ports, this.pub);
    if (bucket === B_VNET) return subtract(ports, this.priv);
    let rest = subtract(ports, bucket === B_PUB ? this.wholeOrPub() : bucket === B_PRIV ? this.wholeOrPriv() : this.whole);
    if (rest.length === 0) return rest;
    // Then what this side reached from the prefix itself or a block around it.
    if (prefix.kind !== 'cidr') {
      const own = this.byKey.get(addressPrefixKey(prefix));
      return own === undefined ? rest : subtract(rest, own);
    }
    const cidr = this.cidrs.of(prefix);
    if (cidr.version === 4) {
      for (let i = 0; i < this.v4Lengths.length && rest.length > 0; i++) {
        const length = this.v4Lengths[i]!;
        if (length > cidr.length) break;
        const around = this.v4.get(length)!.get(networkV4(cidr, length));
        if (around !== undefined) rest = subtract(rest, around);
      }
      return rest;
    }
    for (const length of this.v6Lengths) {
      if (length > cidr.length || rest.length === 0) continue;
      const around = this.byKey.get(formatCidr({ version: 6, words: maskWords(cidr.words, length), length }));
      if (around !== undefined) rest = subtract(rest, around);
    }
    return rest;
  }
}

/** Parsed CIDR blocks by canonical text, shared by both sides of one diff. */
class CidrCache {
  private readonly parsed = new Map<string, Cidr>();
  of(prefix: AddressPrefix & { kind: 'cidr' }): Cidr {
    let cidr = this.parsed.get(prefix.cidr);
    if (cidr === undefined) this.parsed.set(prefix.cidr, (cidr = cidrOf(prefix)));
    return cidr;
  }
}

/** What `side` reaches that `other` did not, as groups (same shape as the reach groups), attributed to `side`'s rules. */
function newlyReached(side: DirectionReach, other: Coverage): DirectionReach {
  const groups: ReachGroup[] = [];
  for (const g of side.groups) {
    const prefixes = classifiedPrefixes(side.rules[g.ruleIndex]!.rule);
    if (g.bucket === B_ANY) {
      const added = other.uncovered(g.ports, prefixes[g.positions[0]!]!, B_ANY, g.part);
      if (added.length > 0) groups.push({ ...g, ports: added });
      continue;
    }
    // Prefixes of one group can differ in what the other side covered: regroup them by what is new.
    const byAdded: { ports: Intervals; positions: number[] }[] = [];
    for (let i = 0; i < g.positions.length; i++) {
      const pos = g.positions[i]!;
      const added = other.uncovered(g.ports, prefixes[pos]!, g.bucket, undefined);
      if (added.length === 0) continue;
      const same = byAdded.find((x) => equal(x.ports, added));
      if (same !== undefined) same.positions.push(pos);
      else byAdded.push({ ports: added, positions: [pos] });
    }
    const only = byAdded.length === 1 ? byAdded[0]! : undefined;
    if (only !== undefined && only.positions.length === g.positions.length && only.ports === g.ports) groups.push(g); // all new
    else for (const x of byAdded) groups.push({ ruleIndex: g.ruleIndex, bucket: g.bucket, part: undefined, positions: x.positions, raws: undefined, ports: x.ports });
  }
  return { direction: side.direction, rules: side.rules, groups };
}

function exposureDelta(before: DirectionReach, after: DirectionReach): { added: ExposureEntry[]; removed: ExposureEntry[] } {
  const cidrs = new CidrCache();
  return {
    added: exposureEntries(newlyReached(after, new Coverage(before, cidrs))),
    removed: exposureEntries(newlyReached(before, new Coverage(after, cidrs))),
  };
}

/**
 * Rule drift and exposure delta of `current` against `baseline`. `exposureAdded`/`exposureRemoved` are inbound (what
 * policy judges); the outbound delta is in `outboundExposureAdded`/`outboundExposureRemoved`. Entries name the rule
 * that admits them now (added) or admitted them in the baseline (removed).
 */
export function diffNsg(baseline: NetworkSecurityGroup, current: NetworkSecurityGroup): NsgDiff {
  const before = reachOf(baseline);
  const after = reachOf(current);
  const inbound = exposureDelta(before.inbound, after.inbound);
  const outbound = exposureDelta(before.outbound, after.outbound);
  return {
    nsgId: current.id || baseline.id,
    drift: ruleDrift(baseline.rules, current.rules),
    exposureAdded: inbound.added,
    exposureRemoved: inbound.removed,
    outboundExposureAdded: outbound.added,
    outboundExposureRemoved: outbound.removed,
  };
}
