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

/** Where a side of the comparison reached, indexed by the kind of prefix that reached it. */
class Coverage {
  /** The Internet: `*`'s Internet part and the `Internet` tag. */
  private pub: Intervals = EMPTY;
  /** The VNet: `*`'s private part and `VirtualNetwork`. */
  private priv: Intervals = EMPTY;
  /** Every address: where one `*` reached from both parts. */
  private whole: Intervals = EMPTY;
  private readonly byKey = new Map<string, Intervals>();
  /** Prefix lengths present per IP version, to look up blocks around a CIDR. */
  private readonly lengths: [Set<number>, Set<number>] = [new Set(), new Set()];

  constructor(dr: DirectionReach) {
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
      const prefixes = classifiedPrefixes(dr.rules[g.ruleIndex]!.rule);
      for (let i = 0; i < g.positions.length; i++) {
        const p = prefixes[g.positions[i]!]!;
        if (g.bucket === B_INET) this.pub = union(this.pub, g.ports);
        else if (g.bucket === B_VNET) this.priv = union(this.priv, g.ports);
        else {
          const key = addressPrefixKey(p);
          this.byKey.set(key, union(this.byKey.get(key) ?? EMPTY, g.ports));
          if (p.kind === 'cidr') this.lengths[p.version === 4 ? 0 : 1].add(cidrOf(p).length);
        }
      }
    }
  }

  /** Ports at which this side reached every address of `prefix` (of the `part` of `*`). */
  coveredFor(prefix: AddressPrefix, bucket: number, part: 'public' | 'private' | undefined): Intervals {
    if (bucket === B_ANY) return part === 'public' ? this.pub : this.priv;
    if (bucket === B_INET) return this.pub;
    if (bucket === B_VNET) return this.priv;
    let covered = this.whole;
    if (bucket === B_PUB) covered = union(covered, this.pub);
    if (bucket === B_PRIV) covered = union(covered, this.priv);
    if (prefix.kind !== 'cidr') return union(covered, this.byKey.get(addressPrefixKey(prefix)) ?? EMPTY);
    const cidr: Cidr = cidrOf(prefix);
    for (const length of this.lengths[cidr.version === 4 ? 0 : 1]) {
      if (length > cidr.length) continue;
      const wide = cidr.version === 4 ? length + 96 : length;
      const key = formatCidr({ version: cidr.version, words: maskWords(cidr.words, wide), length });
      const ports = this.byKey.get(key);
      if (ports !== undefined) covered = union(covered, ports);
    }
    return covered;
  }
}

/** What `side` reaches that `other` did not, as groups (same shape as the reach groups), attributed to `side`'s rules. */
function newlyReached(side: DirectionReach, other: Coverage): DirectionReach {
  const groups: ReachGroup[] = [];
  for (const g of side.groups) {
    const prefixes = classifiedPrefixes(side.rules[g.ruleIndex]!.rule);
    if (g.bucket === B_ANY) {
      const added = subtract(g.ports, other.coveredFor(prefixes[g.positions[0]!]!, B_ANY, g.part));
      if (added.length > 0) groups.push({ ...g, ports: added });
      continue;
    }
    // Prefixes of one group can differ in what the other side covered: regroup them by what is new.
    const byAdded: { ports: Intervals; positions: number[] }[] = [];
    for (let i = 0; i < g.positions.length; i++) {
      const pos = g.positions[i]!;
      const added = subtract(g.ports, other.coveredFor(prefixes[pos]!, g.bucket, undefined));
      if (added.length === 0) continue;
      const same = byAdded.find((x) => equal(x.ports, added));
      if (same !== undefined) same.positions.push(pos);
      else byAdded.push({ ports: added, positions: [pos] });
    }
    for (const x of byAdded) groups.push({ ruleIndex: g.ruleIndex, bucket: g.bucket, positions: x.positions, ports: x.ports });
  }
  return { direction: side.direction, rules: side.rules, groups };
}

function exposureDelta(before: DirectionReach, after: DirectionReach): { added: ExposureEntry[]; removed: ExposureEntry[] } {
  return {
    added: exposureEntries(newlyReached(after, new Coverage(before))),
    removed: exposureEntries(newlyReached(before, new Coverage(after))),
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
