/**
 * The evaluation engine behind `effectiveExposure` and the exposure delta: Azure's first-match-by-priority over
 * (protocol, destination port, address), per direction, computed on interval sets rather than per port.
 *
 * Conventions (see also `exposure.ts`):
 * - Protocols and ports form one line: protocol i (in `PROTOCOLS` order) occupies [i·65536, i·65536+65535]. ICMP,
 *   ESP and AH have no ports: a rule matching the protocol (its own or `*`) matches all of it whatever its port
 *   list says, so those blocks are always all-or-nothing and are reported as 0-65535.
 * - The "classified" address dimension is the source inbound and the destination outbound. An earlier rule decides
 *   a later rule's entry `s` only where it covers `s`: `*` covers everything; `Internet` covers public blocks and
 *   itself; `VirtualNetwork` covers private blocks and itself; a CIDR covers the CIDRs inside it; a tag or ASG only
 *   itself. `*` itself is treated as Internet ∪ VirtualNetwork, so a Deny on `Internet` leaves a later `*`
 *   reachable from the private part only.
 * - The other dimensions (the other address side and the source ports) are not split: an earlier rule decides a
 *   later one only if it covers the later rule's whole set there (source ports compared as written, for ICMP too).
 *   Partial overlaps never hide exposure.
 *
 * Structure and arithmetic are kept apart. The structure — for each rule, its prefixes grouped by "history" (the
 * earlier rules that named the same address or a block around it, hash-consed into states so that prefixes with
 * the same history share one computation) — depends only on which rules name which prefixes and in what order,
 * so it is built once per compiled NSG and direction (`history`). Each evaluation then does the port arithmetic:
 * the rule's ports minus what the generic addresses (`*`, `Internet`, `VirtualNetwork`) and the history decided.
 */

import { B_ANY, B_ASG, B_INET, B_MIXED, B_PRIV, B_PUB, B_TAG, B_VNET, compiledNsgOf, evaluationOrder, primeCompiledNsg, type CompiledNsg, type CompiledRule } from './compile';
import { EMPTY, subtract, union, type Intervals } from './intervals';
import { mergeRanges, rangesCover } from './ports';
import type { Direction, NetworkSecurityGroup, PortRange, SecurityRule, SourceClass } from './types';

export const BLOCK = 65536;
const PORTLESS_START = 2 * BLOCK; // Icmp, Esp, Ah: three adjacent port-less blocks
const PORTLESS_BLOCK: Record<string, number> = { Icmp: 2, Esp: 3, Ah: 4 };

/** Class reported for each bucket (B_ANY is split into its public and private parts). */
export const BUCKET_CLASS: readonly SourceClass[] = ['internet', 'internet', 'private', 'public', 'public', 'private', 'serviceTag', 'asg'];

/** Every CHECKPOINT-th state of a history keeps its decided ports materialized. */
const CHECKPOINT = 16;

const BASE_ANY = 0;
const BASE_PUBLIC = 1;
const BASE_PRIVATE = 2;
/** Which generic atoms decide an atom of each bucket, besides its own history. */
const BUCKET_BASE: readonly number[] = [BASE_ANY, BASE_PUBLIC, BASE_PRIVATE, BASE_PUBLIC, BASE_ANY, BASE_PRIVATE, BASE_ANY, BASE_ANY];

/** One set of addresses of one allowing rule that reach the same ports. */
export interface ReachGroup {
  /** Index into `DirectionReach.rules`. */
  ruleIndex: number;
  bucket: number;
  /** For `*` entries: the Internet (`public`) or VirtualNetwork (`private`) part. */
  part?: 'public' | 'private';
  /** Ascending positions in the rule's classified prefix array (sources inbound, destinations outbound). */
  positions: ArrayLike<number>;
  /** The prefixes at `positions` as written (frozen), when known. */
  raws: readonly string[] | undefined;
  /** Reachable (protocol, port) points, on the combined line. */
  ports: Intervals;
}

export interface DirectionReach {
  direction: Direction;
  /** The direction's rules in evaluation order (priority ascending). */
  rules: CompiledRule[];
  /** In rule order. */
  groups: ReachGroup[];
}

/** A rule's (protocol, destination port) points on the combined line. */
function rulePorts(rule: SecurityRule): Intervals {
  let dest: readonly PortRange[] = rule.destinationPorts;
  for (let i = 1; i < dest.length; i++) {
    // Hand-built rules may not be merged; normalized ones always are.
    if (dest[i]!.from <= dest[i - 1]!.to + 1) {
      dest = mergeRanges(dest);
      break;
    }
  }
  const out: number[] = [];
  const push = (from: number, to: number): void => {
    const n = out.length;
    if (n > 0 && out[n - 1]! + 1 >= from) {
      if (to > out[n - 1]!) out[n - 1] = to;
    } else out.push(from, to);
  };
  const p = rule.protocol;
  if (p === 'Tcp' || p === '*') for (const r of dest) push(r.from, r.to);
  if (p === 'Udp' || p === '*') for (const r of dest) push(r.from + BLOCK, r.to + BLOCK);
  if (p === '*') {
    if (dest.length > 0) push(PORTLESS_START, 5 * BLOCK - 1);
  } else if (p !== 'Tcp' && p !== 'Udp') {
    const blk = PORTLESS_BLOCK[p]!;
    if (dest.length > 0) push(blk * BLOCK, blk * BLOCK + BLOCK - 1);
  }
  return out;
}

/** Two ascending position lists as one. */
function mergeSorted(a: ArrayLike<number>, b: ArrayLike<number>): number[] {
  const out = new Array<number>(a.length + b.length);
  let i = 0;
  let j = 0;
  let k = 0;
  while (i < a.length && j < b.length) out[k++] = a[i]! < b[j]! ? a[i++]! : b[j++]!;
  while (i < a.length) out[k++] = a[i++]!;
  while (j < b.length) out[k++] = b[j++]!;
  return out;
}

function isAllPorts(ranges: readonly PortRange[]): boolean {
  return ranges.length === 1 && ranges[0]!.from === 0 && ranges[0]!.to === 65535;
}

/** The rule's points on the combined line, remembered on its compiled form while protocol and ports are unchanged. */
function portsOf(cr: CompiledRule): Intervals {
  const rule = cr.rule;
  const memo = cr.ports;
  if (memo !== undefined && memo.protocol === rule.protocol && memo.destinationPorts === rule.destinationPorts) return memo.value;
  const value = rulePorts(rule);
  // Only a frozen array is known not to change under the same reference.
  if (Object.isFrozen(rule.destinationPorts)) cr.ports = { protocol: rule.protocol, destinationPorts: rule.destinationPorts, value };
  return value;
}

/** Whether a rule's source ports are all ports, and a key for them; remembered while the array is the same. */
function sourcePortsOf(cr: CompiledRule): { all: boolean; sigKey: string } {
  const sourcePorts = cr.rule.sourcePorts;
  const memo = cr.sourcePortsMemo;
  if (memo !== undefined && memo.sourcePorts === sourcePorts) return memo;
  const ports = sourcePorts.map((r) => `${r.from}-${r.to}`).join(',');
  const fresh = { sourcePorts, all: isAllPorts(sourcePorts), sigKey: `${cr.otherKey}|${ports}` };
  if (Object.isFrozen(sourcePorts)) cr.sourcePortsMemo = fresh;
  return fresh;
}

/** The address structure of one direction, for one evaluation order. */
export interface History {
  /** The evaluation order it was built for (the array from `evaluationOrder`). */
  order: CompiledRule[];
  stateCount: number;
  /** Per state (0 = nothing decided yet): the previous state, the rule that led here, and the chain length. */
  parent: Int32Array;
  ruleOf: Int32Array;
  depth: Int32Array;
  /** Per rule: its tracked and lone prefixes (all but `*`) grouped by bucket and state. */
  groups: RuleGroups[];
}

interface RuleGroups {
  bucket: number[];
  state: number[];
  positions: ArrayLike<number>[];
  raws: (readonly string[])[];
}

const NO_GROUPS: RuleGroups = { bucket: [], state: [], positions: [], raws: [] };

/**
 * Builds the history of a direction: walks the rules in order; before a rule names its prefixes, groups them by
 * (bucket, current state); then moves each named tracked atom, and the tracked blocks nested in it, to the state
 * "previous state + this rule" (shared by every atom that was in the same state).
 */
function buildHistory(c: CompiledNsg, order: CompiledRule[], inbound: boolean): History {
  const tracked = inbound ? c.inbound : c.outbound;
  const { nestedStart, nestedList } = tracked;
  const stateOf = new Int32Array(tracked.count);
  const atomStamp = new Int32Array(tracked.count);
  let cap = 64;
  let parent: Int32Array = new Int32Array(cap);
  let ruleOf: Int32Array = new Int32Array(cap);
  let depth: Int32Array = new Int32Array(cap);
  let memoStamp: Int32Array = new Int32Array(cap);
  let memoNext: Int32Array = new Int32Array(cap);
  let count = 1;
  const grow = (): void => {
    cap *= 2;
    const extend = (a: Int32Array): Int32Array => {
      const b = new Int32Array(cap);
      b.set(a);
      return b;
    };
    parent = extend(parent);
    ruleOf = extend(ruleOf);
    depth = extend(depth);
    memoStamp = extend(memoStamp);
    memoNext = extend(memoNext);
  };
  const transition = (t: number, k: number): void => {
    const stamp = k + 1;
    if (atomStamp[t] === stamp) return;
    atomStamp[t] = stamp;
    const s = stateOf[t]!;
    if (memoStamp[s] === stamp) {
      stateOf[t] = memoNext[s]!;
      return;
    }
    if (count === cap) grow();
    const next = count++;
    parent[next] = s;
    ruleOf[next] = k;
    depth[next] = depth[s]! + 1;
    memoStamp[s] = stamp;
    memoNext[s] = next;
    stateOf[t] = next;
  };

  const groups: RuleGroups[] = [];
  for (let k = 0; k < order.length; k++) {
    const cr = order[k]!;
    const { related, relatedTracked, relatedBucket, isolated, isolatedRaws, raws } = cr;
    let g: RuleGroups = NO_GROUPS;
    if (related.length === 0) {
      for (let b = 1; b < 8; b++) {
        if (isolated[b]!.length === 0) continue;
        if (g === NO_GROUPS) g = { bucket: [], state: [], positions: [], raws: [] };
        g.bucket.push(b);
        g.state.push(0);
        g.positions.push(isolated[b]!);
        g.raws.push(isolatedRaws[b]!);
      }
    } else {
      // (bucket, state) → group, in order of first appearance; then the lone prefixes join the state-0 groups.
      const index = new Map<number, number>();
      const positions: number[][] = [];
      g = { bucket: [], state: [], positions: [], raws: [] };
      for (let i = 0; i < related.length; i++) {
        const key = stateOf[relatedTracked[i]!]! * 8 + relatedBucket[i]!;
        let at = index.get(key);
        if (at === undefined) {
          at = positions.length;
          index.set(key, at);
          positions.push([]);
          g.bucket.push(relatedBucket[i]!);
          g.state.push(stateOf[relatedTracked[i]!]!);
        }
        positions[at]!.push(related[i]!);
      }
      for (let b = 1; b < 8; b++) {
        const iso = isolated[b]!;
        if (iso.length === 0) continue;
        const at = index.get(b);
        if (at !== undefined) positions[at] = mergeSorted(positions[at]!, iso);
        else {
          positions.push(Array.from(iso));
          g.bucket.push(b);
          g.state.push(0);
        }
      }
      g.positions = positions;
      g.raws = positions.map((list) => Object.freeze(list.map((p) => raws[p]!)));
    }
    groups.push(g);
    for (let i = 0; i < relatedTracked.length; i++) {
      const t = relatedTracked[i]!;
      transition(t, k);
      const end = nestedStart[t + 1]!;
      for (let q = nestedStart[t]!; q < end; q++) transition(nestedList[q]!, k);
    }
  }
  return { order, stateCount: count, parent: parent.slice(0, count), ruleOf: ruleOf.slice(0, count), depth: depth.slice(0, count), groups };
}

const histories = new WeakMap<CompiledNsg, { Inbound?: History; Outbound?: History }>();

/** The history for the direction's current evaluation order, built on first use and kept with the compiled NSG. */
function historyOf(c: CompiledNsg, direction: Direction): History {
  const order = evaluationOrder(c, direction);
  let entry = histories.get(c);
  if (entry === undefined) histories.set(c, (entry = {}));
  const known = entry[direction];
  if (known !== undefined && known.order === order) return known;
  const built = buildHistory(c, order, direction === 'Inbound');
  entry[direction] = built;
  return built;
}

/** Port arithmetic of one direction over its history. */
class DirectionEvaluator {
  private readonly n: number;
  private readonly rules: CompiledRule[];
  private readonly ports: Intervals[];
  private readonly universal: Uint8Array;
  private readonly other: Int32Array[];
  /** Rules with the same other-side addresses and source ports share a signature; coverage is memoized per pair. */
  private readonly sig: Int32Array;
  private readonly sigCount: number;
  private coverMemo: Int8Array | undefined;
  /** Per state: the nearest state at or above it whose rule is not universal (0 if none). */
  private readonly nonUniv: Int32Array;
  /** Per checkpoint state: the ports its universal rules decided. */
  private readonly decided: (Intervals | undefined)[];
  // Generic atoms `*`, `Internet`, `VirtualNetwork`: ports decided by universal rules, and the other rules.
  private readonly baseUniv: Intervals[] = [EMPTY, EMPTY, EMPTY];
  private readonly baseOther: number[][] = [[], [], []];
  // Per allowing rule: P minus what decided the generic atoms (BASE_ANY, BASE_PUBLIC, BASE_PRIVATE).
  private readonly bases: (Intervals | undefined)[] = [undefined, undefined, undefined];

  constructor(
    private readonly c: CompiledNsg,
    private readonly h: History,
    inbound: boolean,
  ) {
    const rules = (this.rules = h.order);
    this.n = rules.length;
    this.ports = rules.map(portsOf);
    this.other = rules.map((cr) => (inbound ? cr.dstAtoms : cr.srcAtoms));
    this.universal = new Uint8Array(this.n);
    this.sig = new Int32Array(this.n);
    const sigIds = new Map<string, number>();
    for (let k = 0; k < this.n; k++) {
      const cr = rules[k]!;
      const sp = sourcePortsOf(cr);
      this.universal[k] = cr.otherHasAny && sp.all ? 1 : 0;
      if (this.universal[k] === 0) {
        let id = sigIds.get(sp.sigKey);
        if (id === undefined) sigIds.set(sp.sigKey, (id = sigIds.size + 1));
        this.sig[k] = id;
      }
    }
    this.sigCount = sigIds.size + 1;
    // States are created after their parents, so one forward pass links each to its nearest non-universal state.
    const nonUniv = (this.nonUniv = new Int32Array(h.stateCount));
    for (let s = 1; s < h.stateCount; s++) nonUniv[s] = this.universal[h.ruleOf[s]!] === 1 ? nonUniv[h.parent[s]!]! : s;
    this.decided = new Array<Intervals | undefined>(h.stateCount);
    this.decided[0] = EMPTY;
  }

  run(): ReachGroup[] {
    const out: ReachGroup[] = [];
    for (let k = 0; k < this.n; k++) {
      if (this.rules[k]!.rule.access === 'Allow') this.allow(k, out);
      this.insertGeneric(k);
    }
    return out;
  }

  /** Whether rule `e` (earlier) matches everything rule `r` matches outside the classified dimension. */
  private covers(e: number, r: number): boolean {
    if (this.universal[e] === 1) return true;
    if (this.universal[r] === 1) return false; // r matches every address and source port, e does not
    const se = this.sig[e]!;
    const sr = this.sig[r]!;
    if (se === sr) return true;
    const memo = (this.coverMemo ??= new Int8Array(this.sigCount * this.sigCount));
    const key = se * this.sigCount + sr;
    if (memo[key] !== 0) return memo[key] === 2;
    let result = rangesCover(this.rules[e]!.rule.sourcePorts, this.rules[r]!.rule.sourcePorts);
    if (result) {
      const outer = this.other[e]!;
      const inner = this.other[r]!;
      for (let i = 0; i < inner.length && result; i++) {
        let found = false;
        for (let j = 0; j < outer.length && !found; j++) found = this.atomCovers(outer[j]!, inner[i]!);
        result = found;
      }
    }
    memo[key] = result ? 2 : 1;
    return result;
  }

  private atomCovers(outer: number, inner: number): boolean {
    const c = this.c;
    if (outer === inner || outer === c.anyAtom) return true;
    const b = c.atomBucket[inner];
    if (outer === c.inetAtom) return b === B_PUB;
    if (outer === c.vnetAtom) return b === B_PRIV;
    const pos = c.atomPos[outer]!;
    const ipos = c.atomPos[inner]!;
    return pos >= 0 && ipos > pos && ipos < c.descEnd[outer]!;
  }

  /**
   * Ports decided by the universal rules in a checkpoint state's history. Only every CHECKPOINT-th state of a chain
   * is materialized; reads walk the few states above it instead, which costs no allocation when (as usual) their
   * ports miss the reading rule's.
   */
  private decidedUniv(state: number): Intervals {
    const cached = this.decided[state];
    if (cached !== undefined) return cached;
    const { parent, ruleOf, depth } = this.h;
    let acc: Intervals = EMPTY;
    let s = state;
    const chain: number[] = [];
    while (s !== 0 && (s === state || depth[s]! % CHECKPOINT !== 0)) {
      chain.push(s);
      s = parent[s]!;
    }
    if (s !== 0) acc = this.decidedUniv(s);
    for (let i = chain.length - 1; i >= 0; i--) {
      const rule = ruleOf[chain[i]!]!;
      if (this.universal[rule] === 1) acc = union(acc, this.ports[rule]!);
    }
    this.decided[state] = acc;
    return acc;
  }

  /** `reach` (ports of rule `k`) minus what the history `state` decided for rule `k`. */
  private minusDecided(reach: Intervals, state: number, k: number): Intervals {
    const { parent, ruleOf, depth } = this.h;
    let s = state;
    while (s !== 0 && reach.length > 0 && depth[s]! % CHECKPOINT !== 0) {
      const e = ruleOf[s]!;
      if (this.universal[e] === 1 || this.covers(e, k)) reach = subtract(reach, this.ports[e]!);
      s = parent[s]!;
    }
    if (s === 0 || reach.length === 0) return reach;
    reach = subtract(reach, this.decidedUniv(s));
    for (let j = this.nonUniv[s]!; j !== 0 && reach.length > 0; j = this.nonUniv[parent[j]!]!) {
      const e = ruleOf[j]!;
      if (this.covers(e, k)) reach = subtract(reach, this.ports[e]!);
    }
    return reach;
  }

  /** Rule `k` names `*`, `Internet` or `VirtualNetwork`: it decides its ports for what those cover. */
  private insertGeneric(k: number): void {
    const isolated = this.rules[k]!.isolated;
    for (let g = 0; g < 3; g++) {
      if (isolated[g]!.length === 0) continue; // B_ANY, B_INET, B_VNET are buckets 0, 1, 2
      if (this.universal[k] === 1) this.baseUniv[g] = union(this.baseUniv[g]!, this.ports[k]!);
      else this.baseOther[g]!.push(k);
    }
  }

  /** Rule `k`'s ports minus what earlier rules decided for a generic kind of address. */
  private base(k: number, which: number): Intervals {
    let t = this.bases[which];
    if (t !== undefined) return t;
    t = which === BASE_ANY ? this.ports[k]! : this.base(k, BASE_ANY);
    const g = which; // BASE_ANY/PUBLIC/PRIVATE line up with the `*`/Internet/VirtualNetwork slots
    t = subtract(t, this.baseUniv[g]!);
    const others = this.baseOther[g]!;
    for (let i = 0; i < others.length && t.length > 0; i++) if (this.covers(others[i]!, k)) t = subtract(t, this.ports[others[i]!]!);
    this.bases[which] = t;
    return t;
  }

  private allow(k: number, out: ReachGroup[]): void {
    const cr = this.rules[k]!;
    this.bases[0] = this.bases[1] = this.bases[2] = undefined;
    const anyPositions = cr.isolated[B_ANY]!;
    if (anyPositions.length > 0) {
      const raws = cr.isolatedRaws[B_ANY]!;
      const pub = this.base(k, BASE_PUBLIC);
      const priv = this.base(k, BASE_PRIVATE);
      if (pub.length > 0) out.push({ ruleIndex: k, bucket: B_ANY, part: 'public', positions: anyPositions, raws, ports: pub });
      if (priv.length > 0) out.push({ ruleIndex: k, bucket: B_ANY, part: 'private', positions: anyPositions, raws, ports: priv });
    }
    const g = this.h.groups[k]!;
    for (let i = 0; i < g.bucket.length; i++) {
      const state = g.state[i]!;
      const bucket = g.bucket[i]!;
      let reach = this.base(k, BUCKET_BASE[bucket]!);
      if (reach.length > 0 && state !== 0) reach = this.minusDecided(reach, state, k);
      if (reach.length > 0) out.push({ ruleIndex: k, bucket, part: undefined, positions: g.positions[i]!, raws: g.raws[i]!, ports: reach });
    }
  }
}

/** Builds the address index and the histories of a freshly normalized NSG, so its first evaluation is as fast as the next. */
export function primeIndex(nsg: NetworkSecurityGroup): void {
  const c = primeCompiledNsg(nsg);
  historyOf(c, 'Inbound');
  historyOf(c, 'Outbound');
}

/** What each allowing rule admits, per direction, first match by priority. */
export function reachOf(nsg: NetworkSecurityGroup): { inbound: DirectionReach; outbound: DirectionReach } {
  const c = compiledNsgOf(nsg);
  const evaluate = (direction: Direction): DirectionReach => {
    const h = historyOf(c, direction);
    const groups = new DirectionEvaluator(c, h, direction === 'Inbound').run();
    return { direction, rules: h.order, groups };
  };
  return { inbound: evaluate('Inbound'), outbound: evaluate('Outbound') };
}

/** The classified prefixes of a rule in a direction: its sources inbound, its destinations outbound. */
export function classifiedPrefixes(rule: SecurityRule): SecurityRule['sources'] {
  return rule.direction === 'Inbound' ? rule.sources : rule.destinations;
}

export { B_ANY, B_ASG, B_INET, B_MIXED, B_PRIV, B_PUB, B_TAG, B_VNET };
