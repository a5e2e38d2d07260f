/**
 * The address index of an NSG: every distinct prefix its rules name becomes an "atom" with a number, a class
 * bucket and (for CIDRs) the range of atoms nested inside it; each rule's prefixes become atom numbers, split into
 * those that need per-atom tracking and those only `*`/Internet/VirtualNetwork can decide. Exposure then works on
 * small integers and typed arrays instead of strings.
 *
 * The index depends only on which prefixes the rules name (and each rule's direction), not on access, protocol or
 * ports, so `normalizeNsg` builds it once (it parses every prefix anyway) and `effectiveExposure` reuses it for as
 * long as the NSG's rules and prefix arrays are the very same objects (normalized prefix arrays are frozen, so the
 * same array has the same elements); anything else (a hand-built or deserialized NSG, an array edited in place, a
 * rule replaced or turned around) is detected by identity and compiled afresh. Priorities are re-checked on every
 * use (`evaluationOrder`); ports, protocols and access are read afresh on every evaluation.
 */

import { addressPrefixKey, isVirtualNetworkTag } from './addresses';
import { cidrContains, cidrPurity, compareCidr, parseCidr, type Cidr } from './ip';
import type { AddressPrefix, Direction, NetworkSecurityGroup, SecurityRule } from './types';

/** Buckets: how an atom is covered by the generic atoms, and the class it is reported as. */
export const B_ANY = 0; // `*`, `Any`, `0.0.0.0/0`, `::/0`
export const B_INET = 1; // the `Internet` tag
export const B_VNET = 2; // the `VirtualNetwork` tag
export const B_PUB = 3; // a CIDR wholly outside the private ranges
export const B_MIXED = 4; // a CIDR straddling private and public space
export const B_PRIV = 5; // a CIDR wholly inside a private range
export const B_TAG = 6; // any other service tag
export const B_ASG = 7; // an application security group
export const BUCKETS = 8;

export interface CompiledRule {
  rule: SecurityRule;
  /** Snapshot for the identity check: the arrays as they were when compiled (their elements too, unless frozen). */
  direction: Direction;
  sourcesRef: readonly AddressPrefix[];
  sourceItems: readonly AddressPrefix[] | undefined;
  destinationsRef: readonly AddressPrefix[];
  destinationItems: readonly AddressPrefix[] | undefined;
  /** Atom of each source / destination, aligned with `rule.sources` / `rule.destinations`. */
  srcAtoms: Int32Array;
  dstAtoms: Int32Array;
  /**
   * Positions (into the classified dimension: sources inbound, destinations outbound) of the atoms that need
   * per-atom tracking, with their tracked index and bucket; and per bucket the positions that do not (named once
   * in this direction, with no CIDR nested inside or around them), which only the generic atoms can decide.
   */
  related: Int32Array;
  relatedTracked: Int32Array;
  relatedBucket: Uint8Array;
  isolated: Int32Array[];
  /** The classified prefixes as written (aligned with them), for output without touching the prefix objects. */
  raws: string[];
  /** `raws` at the `isolated` positions of each bucket (frozen). */
  isolatedRaws: string[][];
  /** Whether the other address side (destinations inbound, sources outbound) includes `*`. */
  otherHasAny: boolean;
  /** Key of the other side's atoms, for grouping rules by what they match outside the classified dimension. */
  otherKey: string;
  /** Facts about the source ports, remembered with the (frozen) array they were computed from. */
  sourcePortsMemo?: { sourcePorts: readonly unknown[]; all: boolean; sigKey: string };
  /** The rule's (protocol, port) points, remembered with the protocol and (frozen) port array they came from. */
  ports?: { protocol: string; destinationPorts: readonly unknown[]; value: readonly number[] };
}

/** Atoms that need tracking in one direction, numbered densely, with the tracked CIDRs nested in each. */
export interface TrackedAtoms {
  count: number;
  /** Tracked indexes of the blocks inside tracked atom t: list[start[t] .. start[t+1]-1]. */
  nestedStart: Int32Array;
  nestedList: Int32Array;
}

export interface CompiledNsg {
  rulesRef: readonly SecurityRule[];
  defaultsRef: readonly SecurityRule[];
  /** Compiled user rules followed by compiled default rules, in the NSG's array order. */
  rules: CompiledRule[];
  atomCount: number;
  atomBucket: Uint8Array;
  /** Position of a CIDR atom in `cidrOrder`, -1 for others. */
  atomPos: Int32Array;
  /** CIDR atoms sorted so that the atoms inside one follow it: cidrOrder[atomPos[a]+1 .. descEnd[a]-1]. */
  cidrOrder: Int32Array;
  descEnd: Int32Array;
  anyAtom: number;
  inetAtom: number;
  vnetAtom: number;
  inbound: TrackedAtoms;
  outbound: TrackedAtoms;
  /** Each direction's rules in evaluation order (priority, then name), as of compile time; re-checked on use. */
  order: { Inbound: CompiledRule[]; Outbound: CompiledRule[] };
}

/** Evaluation order: priority ascending (Azure makes them unique per direction), then name for determinism. */
export function compareForEvaluation(a: CompiledRule, b: CompiledRule): number {
  const x = a.rule;
  const y = b.rule;
  if (x.priority !== y.priority) return x.priority - y.priority;
  const nx = x.name.toLowerCase();
  const ny = y.name.toLowerCase();
  return nx < ny ? -1 : nx > ny ? 1 : 0;
}

/** `rules` of one direction in evaluation order: the compiled order when it still holds, else sorted again. */
export function evaluationOrder(c: CompiledNsg, direction: Direction): CompiledRule[] {
  const order = c.order[direction];
  for (let i = 1; i < order.length; i++) {
    if (compareForEvaluation(order[i - 1]!, order[i]!) > 0) {
      c.order[direction] = order.slice().sort(compareForEvaluation);
      return c.order[direction];
    }
  }
  return order;
}

function bucketOf(prefix: AddressPrefix, cidr: Cidr | undefined): number {
  switch (prefix.kind) {
    case 'any':
      return B_ANY;
    case 'internetTag':
      return B_INET;
    case 'serviceTag':
      return isVirtualNetworkTag(prefix) ? B_VNET : B_TAG;
    case 'asg':
      return B_ASG;
    case 'cidr': {
      const purity = cidr === undefined ? 'mixed' : cidrPurity(cidr);
      return purity === 'private' ? B_PRIV : purity === 'public' ? B_PUB : B_MIXED;
    }
  }
}

export function compileNsg(nsg: NetworkSecurityGroup): CompiledNsg {
  const all = [...nsg.rules, ...nsg.defaultRules];
  const atomIds = new Map<string, number>();
  const buckets: number[] = [];
  const cidrs: (Cidr | undefined)[] = [];

  const atomsOf = (prefixes: readonly AddressPrefix[]): Int32Array => {
    const out = new Int32Array(prefixes.length);
    for (let i = 0; i < prefixes.length; i++) {
      const p = prefixes[i]!;
      const key = addressPrefixKey(p);
      let id = atomIds.get(key);
      if (id === undefined) {
        id = buckets.length;
        atomIds.set(key, id);
        const cidr = p.kind === 'cidr' ? parseCidr(p.cidr) : undefined;
        cidrs.push(cidr);
        buckets.push(bucketOf(p, cidr));
      }
      out[i] = id;
    }
    return out;
  };

  const rules: CompiledRule[] = all.map((rule) => ({
    rule,
    direction: rule.direction,
    sourcesRef: rule.sources,
    sourceItems: Object.isFrozen(rule.sources) ? undefined : rule.sources.slice(),
    destinationsRef: rule.destinations,
    destinationItems: Object.isFrozen(rule.destinations) ? undefined : rule.destinations.slice(),
    srcAtoms: atomsOf(rule.sources),
    dstAtoms: atomsOf(rule.destinations),
    related: new Int32Array(0),
    relatedTracked: new Int32Array(0),
    relatedBucket: new Uint8Array(0),
    isolated: [],
    raws: (rule.direction === 'Inbound' ? rule.sources : rule.destinations).map((p) => p.raw),
    isolatedRaws: [],
    otherHasAny: false,
    otherKey: '',
  }));

  const atomCount = buckets.length;
  const atomBucket = Uint8Array.from(buckets);

  // Nesting of CIDR blocks: sorted by (version, network, length) a block's sub-blocks follow it contiguously.
  // IPv4 blocks (nearly all of them) sort as numbers, network·64 + length, in a native typed-array sort.
  const v4Keys: number[] = [];
  const v4ByKey = new Map<number, number>();
  const v6Atoms: number[] = [];
  for (let a = 0; a < atomCount; a++) {
    const cidr = cidrs[a];
    if (cidr === undefined) continue;
    if (cidr.version === 6) {
      v6Atoms.push(a);
      continue;
    }
    const key = cidr.words[3] * 64 + cidr.length;
    v4Keys.push(key);
    v4ByKey.set(key, a);
  }
  const sortedV4 = Float64Array.from(v4Keys).sort();
  v6Atoms.sort((x, y) => compareCidr(cidrs[x]!, cidrs[y]!));
  const cidrAtoms: number[] = [];
  for (const key of sortedV4) cidrAtoms.push(v4ByKey.get(key)!);
  cidrAtoms.push(...v6Atoms);
  const cidrOrder = Int32Array.from(cidrAtoms);
  const atomPos = new Int32Array(atomCount).fill(-1);
  const descEnd = new Int32Array(atomCount);
  const hasAncestor = new Uint8Array(atomCount);
  const stack: number[] = [];
  for (let pos = 0; pos < cidrOrder.length; pos++) {
    const a = cidrOrder[pos]!;
    atomPos[a] = pos;
    while (stack.length > 0 && !cidrContains(cidrs[stack[stack.length - 1]!]!, cidrs[a]!)) descEnd[stack.pop()!] = pos;
    if (stack.length > 0) hasAncestor[a] = 1;
    stack.push(a);
  }
  while (stack.length > 0) descEnd[stack.pop()!] = cidrOrder.length;

  // An atom needs tracking if it is named by more than one rule of a direction (in that direction's classified
  // dimension) or has CIDRs nested in or around it; the rest can only be decided by `*`/Internet/VirtualNetwork.
  const trackedOf = (direction: Direction): TrackedAtoms => {
    const mine = rules.filter((cr) => cr.direction === direction);
    const classified = (cr: CompiledRule): Int32Array => (direction === 'Inbound' ? cr.srcAtoms : cr.dstAtoms);
    const uses = new Uint8Array(atomCount);
    for (const cr of mine) {
      const atoms = classified(cr);
      for (let i = 0; i < atoms.length; i++) if (uses[atoms[i]!]! < 2) uses[atoms[i]!]!++;
    }
    const dense = new Int32Array(atomCount).fill(-1);
    let count = 0;
    for (const cr of mine) {
      const atoms = classified(cr);
      const related: number[] = [];
      const isolated: number[][] = Array.from({ length: BUCKETS }, () => []);
      for (let i = 0; i < atoms.length; i++) {
        const a = atoms[i]!;
        const b = atomBucket[a]!;
        const generic = b === B_ANY || b === B_INET || b === B_VNET;
        const nested = atomPos[a]! >= 0 && (hasAncestor[a] === 1 || descEnd[a]! > atomPos[a]! + 1);
        if (!generic && (uses[a]! > 1 || nested)) {
          related.push(i);
          if (dense[a] === -1) dense[a] = count++;
        } else isolated[b]!.push(i);
      }
      cr.related = Int32Array.from(related);
      cr.relatedTracked = Int32Array.from(related, (i) => dense[atoms[i]!]!);
      cr.relatedBucket = Uint8Array.from(related, (i) => atomBucket[atoms[i]!]!);
      cr.isolated = isolated.map((list) => Int32Array.from(list));
      // Frozen: exposure entries share these arrays across calls instead of copying them.
      cr.isolatedRaws = isolated.map((list) => Object.freeze(list.map((i) => cr.raws[i]!)) as string[]);
    }
    // For each tracked block, the tracked blocks inside it (a rule naming the block decides them too).
    const nestedStart = new Int32Array(count + 1);
    const lists: number[][] = Array.from({ length: count }, () => []);
    for (let a = 0; a < atomCount; a++) {
      const t = dense[a]!;
      const pos = atomPos[a]!;
      if (t < 0 || pos < 0) continue;
      for (let q = pos + 1; q < descEnd[a]!; q++) {
        const inner = dense[cidrOrder[q]!]!;
        if (inner >= 0) lists[t]!.push(inner);
      }
    }
    let total = 0;
    for (let t = 0; t < count; t++) {
      nestedStart[t] = total;
      total += lists[t]!.length;
    }
    nestedStart[count] = total;
    const nestedList = new Int32Array(total);
    for (let t = 0; t < count; t++) nestedList.set(lists[t]!, nestedStart[t]!);
    return { count, nestedStart, nestedList };
  };
  const anyAtom = atomIds.get('*') ?? -1;
  for (const cr of rules) {
    const other = cr.direction === 'Inbound' ? cr.dstAtoms : cr.srcAtoms;
    cr.otherHasAny = other.includes(anyAtom);
    cr.otherKey = Array.from(other).sort((a, b) => a - b).join(',');
  }
  const inbound = trackedOf('Inbound');
  const outbound = trackedOf('Outbound');

  return {
    rulesRef: nsg.rules,
    defaultsRef: nsg.defaultRules,
    rules,
    atomCount,
    atomBucket,
    atomPos,
    cidrOrder,
    descEnd,
    anyAtom,
    inetAtom: atomIds.get('tag:internet') ?? -1,
    vnetAtom: atomIds.get('tag:virtualnetwork') ?? -1,
    inbound,
    outbound,
    order: {
      Inbound: rules.filter((cr) => cr.direction === 'Inbound').sort(compareForEvaluation),
      Outbound: rules.filter((cr) => cr.direction === 'Outbound').sort(compareForEvaluation),
    },
  };
}

/**
 * Same elements as when compiled. `items` is undefined when the array was frozen then (as `normalizeNsg` makes
 * them): the caller has checked it is the same array, which cannot have changed.
 */
function sameItems<T>(ref: readonly T[], items: readonly T[] | undefined): boolean {
  if (items === undefined) return true; // frozen when compiled (and a frozen array stays frozen)
  if (ref.length !== items.length) return false;
  for (let i = 0; i < ref.length; i++) if (ref[i] !== items[i]) return false;
  return true;
}

/** The compiled index still describes `nsg`: same rule objects, same prefix arrays and elements, same directions. */
function stillValid(c: CompiledNsg, nsg: NetworkSecurityGroup): boolean {
  if (c.rulesRef !== nsg.rules || c.defaultsRef !== nsg.defaultRules) return false;
  const n = nsg.rules.length;
  if (c.rules.length !== n + nsg.defaultRules.length) return false;
  for (let i = 0; i < c.rules.length; i++) {
    const cr = c.rules[i]!;
    const rule = i < n ? nsg.rules[i] : nsg.defaultRules[i - n];
    if (rule !== cr.rule || rule.direction !== cr.direction) return false;
    if (rule.sources !== cr.sourcesRef || rule.destinations !== cr.destinationsRef) return false;
    if (!sameItems(rule.sources, cr.sourceItems) || !sameItems(rule.destinations, cr.destinationItems)) return false;
  }
  return true;
}

const cache = new WeakMap<NetworkSecurityGroup, CompiledNsg>();

/** Builds and remembers the index of a freshly normalized NSG. */
export function primeCompiledNsg(nsg: NetworkSecurityGroup): CompiledNsg {
  const compiled = compileNsg(nsg);
  cache.set(nsg, compiled);
  return compiled;
}

/** The remembered index when it still matches `nsg`, else a new one. */
export function compiledNsgOf(nsg: NetworkSecurityGroup): CompiledNsg {
  const cached = cache.get(nsg);
  if (cached !== undefined && stillValid(cached, nsg)) return cached;
  const fresh = compileNsg(nsg);
  cache.set(nsg, fresh);
  return fresh;
}
