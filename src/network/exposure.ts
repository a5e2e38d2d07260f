/**
 * Effective exposure of an NSG: for each direction, every (protocol, port range) that some Allow rule admits,
 * the class of address it is reachable from (inbound) or to (outbound), the prefixes as written, and the rule
 * that admits it — first match by priority, default rules included.
 *
 * Output conventions:
 * - Protocols are concrete (`Tcp`, `Udp`, `Icmp`, `Esp`, `Ah`); a `*` rule yields each.
 * - ICMP, ESP and AH have no ports: their entries always read 0-65535, and a rule naming the protocol (or `*`)
 *   matches them whatever its port list says.
 * - `*` (also `Any`, `0.0.0.0/0`, `::/0`) is the Internet plus the VNet: where its Internet part is reachable it is
 *   reported once, as `internet`; where only the private part is (an earlier rule decided the Internet), as
 *   `private` with the same `sources`.
 * - Ranges of one rule, class and source list are merged; within a rule and class, ranges never overlap (the
 *   `sources` of a range are all the prefixes that reach it).
 * - Order: protocol (`PROTOCOLS` order), fromPort, class (internet, public, private, serviceTag, asg), rule priority.
 * - `sources` arrays are frozen and shared between entries (and between results for the same NSG): read-only.
 */

import { equal, subtract, type Intervals } from './intervals';
import type { CompiledRule } from './compile';
import { B_ANY, BLOCK, BUCKET_CLASS, reachOf, type DirectionReach, type ReachGroup } from './reach';
import { PROTOCOLS, type ExposureEntry, type NetworkSecurityGroup, type NsgExposure, type SourceClass } from './types';

export const SOURCE_CLASS_ORDER: readonly SourceClass[] = ['internet', 'public', 'private', 'serviceTag', 'asg'];
const CLASS_INDEX: Record<SourceClass, number> = { internet: 0, public: 1, private: 2, serviceTag: 3, asg: 4 };
/** Class index of each bucket (the `*` bucket's private part is handled apart). */
const CLASS_OF_BUCKET: readonly number[] = BUCKET_CLASS.map((c) => CLASS_INDEX[c]);

/**
 * Typed arrays reused across calls: formatting is synchronous and one buffer is sorted before the next is made,
 * so two never share them.
 */
const scratch: Record<'key' | 'to' | 'labelOf' | 'first' | 'second' | 'low' | 'high', Int32Array> = {
  key: new Int32Array(4096),
  to: new Int32Array(4096),
  labelOf: new Int32Array(4096),
  first: new Int32Array(4096),
  second: new Int32Array(4096),
  low: new Int32Array(2049),
  high: new Int32Array(2049),
};

/**
 * Entries in the order they are produced (rule by rule, so by priority), sorted at the end. Typed arrays and an
 * index into a table of (sources, rule) keep this allocation-light.
 */
class EntryBuffer {
  private size = 0;
  /** (block * 65536 + fromPort) * 5 + class: the sort key. Arrays borrowed from the module scratch. */
  private key: Int32Array = scratch.key;
  private to: Int32Array = scratch.to;
  private labelOf: Int32Array = scratch.labelOf;
  private readonly sources: string[][] = [];
  private readonly rules: string[] = [];

  /** Registers the (sources, rule) shared by the entries that follow; returns its label. */
  label(sources: string[], rule: string): number {
    this.sources.push(sources);
    this.rules.push(rule);
    return this.sources.length - 1;
  }

  private grow(): void {
    const cap = this.key.length * 2;
    const extend = (a: Int32Array): Int32Array => {
      const b = new Int32Array(cap);
      b.set(a);
      return b;
    };
    this.key = scratch.key = extend(this.key);
    this.to = scratch.to = extend(this.to);
    this.labelOf = scratch.labelOf = extend(this.labelOf);
  }

  /** One entry per protocol block that [from, to] touches. */
  addRange(from: number, to: number, cls: number, label: number): void {
    while (from <= to) {
      const blockEnd = from - (from % BLOCK) + BLOCK - 1;
      const end = to < blockEnd ? to : blockEnd;
      if (this.size === this.key.length) this.grow();
      this.key[this.size] = from * 5 + cls;
      this.to[this.size] = end;
      this.labelOf[this.size] = label;
      this.size++;
      from = end + 1;
    }
  }

  add(ports: Intervals, cls: number, label: number): void {
    for (let i = 0; i < ports.length; i += 2) this.addRange(ports[i]!, ports[i + 1]!, cls, label);
  }

  /** Stable LSD radix sort on the key (two passes of 11 bits); production order (= priority) breaks ties. */
  sorted(): ExposureEntry[] {
    const n = this.size;
    const key = this.key;
    if (scratch.first.length < n) scratch.first = new Int32Array(n * 2);
    if (scratch.second.length < n) scratch.second = new Int32Array(n * 2);
    const { first, second, low, high } = scratch;
    low.fill(0);
    high.fill(0);
    for (let i = 0; i < n; i++) {
      low[(key[i]! & 2047) + 1]!++;
      high[(key[i]! >> 11) + 1]!++;
    }
    for (let b = 0; b < 2048; b++) {
      low[b + 1]! += low[b]!;
      high[b + 1]! += high[b]!;
    }
    for (let i = 0; i < n; i++) first[low[key[i]! & 2047]!++] = i;
    for (let i = 0; i < n; i++) {
      const e = first[i]!;
      second[high[key[e]! >> 11]!++] = e;
    }
    const out: ExposureEntry[] = new Array<ExposureEntry>(n);
    for (let i = 0; i < n; i++) {
      const e = second[i]!;
      const k = key[e]!;
      const from = (k / 5) | 0;
      const block = (from / BLOCK) | 0;
      const label = this.labelOf[e]!;
      out[i] = {
        protocol: PROTOCOLS[block]!,
        fromPort: from - block * BLOCK,
        toPort: this.to[e]! - block * BLOCK,
        sourceClass: SOURCE_CLASS_ORDER[k - from * 5]!,
        sources: this.sources[label]!,
        rule: this.rules[label]!,
      };
    }
    return out;
  }
}

/** Positions (possibly from several ascending lists) of one rule's prefixes of one class, and the ports they reach. */
interface Part {
  cls: number;
  lists: ArrayLike<number>[];
  /** The prefixes as written, while the part is a single group that knows them. */
  raws: readonly string[] | undefined;
  ports: Intervals;
}

/**
 * The prefixes as written at the union of `lists`, in the rule's order. Frozen: one array is shared by all entries
 * of a part (and, for prefixes only `*`/Internet/VirtualNetwork can decide, by every result for the same NSG).
 */
function sourcesOf(cr: CompiledRule, lists: readonly ArrayLike<number>[]): string[] {
  const raws = cr.raws;
  let out: string[];
  if (lists.length === 1) {
    const positions = lists[0]!;
    for (let b = 0; b < 8; b++) if (cr.isolated[b] === positions) return cr.isolatedRaws[b]!;
    out = new Array<string>(positions.length);
    for (let i = 0; i < positions.length; i++) out[i] = raws[positions[i]!]!;
  } else if (lists.length === 2) {
    // Two ascending lists (the usual merge): walk them together.
    const a = lists[0]!;
    const b = lists[1]!;
    out = new Array<string>(a.length + b.length);
    let i = 0;
    let j = 0;
    let k = 0;
    while (i < a.length && j < b.length) out[k++] = raws[a[i]! < b[j]! ? a[i++]! : b[j++]!]!;
    while (i < a.length) out[k++] = raws[a[i++]!]!;
    while (j < b.length) out[k++] = raws[b[j++]!]!;
  } else {
    const marked = new Uint8Array(raws.length);
    for (const positions of lists) for (let i = 0; i < positions.length; i++) marked[positions[i]!] = 1;
    out = [];
    for (let p = 0; p < marked.length; p++) if (marked[p] === 1) out.push(raws[p]!);
  }
  return Object.freeze(out) as string[];
}

/**
 * Several parts of one rule and class reach different ports: cut the line at every boundary and give each piece
 * the prefixes of all parts that reach it, merging neighbours with the same prefixes.
 */
function addSplit(buffer: EntryBuffer, parts: readonly Part[], cr: CompiledRule, cls: number): void {
  const m = parts.length;
  const points: number[] = [];
  for (let g = 0; g < m; g++) {
    const ports = parts[g]!.ports;
    for (let i = 0; i < ports.length; i += 2) points.push(ports[i]!, ports[i + 1]! + 1);
  }
  // Few points: an insertion sort beats a comparator call per comparison.
  for (let i = 1; i < points.length; i++) {
    const v = points[i]!;
    let j = i - 1;
    while (j >= 0 && points[j]! > v) {
      points[j + 1] = points[j]!;
      j--;
    }
    points[j + 1] = v;
  }
  const cursor = new Int32Array(m);
  // Pieces with the same members (the same key) share one sources array.
  const keys: string[] = [];
  const labels: number[] = [];
  let runFrom = 0;
  let runTo = -1;
  let runMembers: number[] = [];
  let runKey = '';
  for (let i = 1; i <= points.length; i++) {
    let key = '';
    let from = 0;
    let to = -1;
    const members: number[] = [];
    if (i < points.length) {
      from = points[i - 1]!;
      to = points[i]! - 1;
      if (to < from) continue;
      for (let g = 0; g < m; g++) {
        const ports = parts[g]!.ports;
        let c = cursor[g]!;
        while (c < ports.length && ports[c + 1]! < from) c += 2;
        cursor[g] = c;
        if (c < ports.length && ports[c]! <= from) {
          members.push(g);
          key += `${g},`;
        }
      }
      if (key === runKey && runTo + 1 === from) {
        runTo = to;
        continue;
      }
    }
    // A new run starts (or the line ends): emit the previous one.
    if (runKey !== '') {
      let at = keys.indexOf(runKey);
      if (at < 0) {
        const lists: ArrayLike<number>[] = [];
        for (const g of runMembers) lists.push(...parts[g]!.lists);
        at = keys.length;
        keys.push(runKey);
        const known = runMembers.length === 1 ? (parts[runMembers[0]!]!.raws as string[] | undefined) : undefined;
        labels.push(buffer.label(known ?? sourcesOf(cr, lists), cr.rule.name));
      }
      buffer.addRange(runFrom, runTo, cls, labels[at]!);
    }
    runFrom = from;
    runTo = to;
    runKey = key;
    runMembers = members;
  }
}

function addRule(buffer: EntryBuffer, dr: DirectionReach, groups: readonly ReachGroup[], start: number, end: number): void {
  const cr = dr.rules[groups[start]!.ruleIndex]!;
  const name = cr.rule.name;
  let anyPublic: Intervals | undefined;
  let seen = 0; // bit per class already used by a group of this rule
  let shared = false;
  for (let i = start; i < end; i++) {
    const g = groups[i]!;
    if (g.bucket === B_ANY && g.part === 'public') anyPublic = g.ports;
    const bit = 1 << (g.part === 'private' ? CLASS_INDEX.private : CLASS_OF_BUCKET[g.bucket]!);
    if ((seen & bit) !== 0) shared = true;
    seen |= bit;
  }
  if (!shared && anyPublic === undefined) {
    // The usual case: one group per class, nothing to merge or cut.
    for (let i = start; i < end; i++) {
      const g = groups[i]!;
      const cls = g.part === 'private' ? CLASS_INDEX.private : CLASS_OF_BUCKET[g.bucket]!;
      buffer.add(g.ports, cls, buffer.label((g.raws as string[] | undefined) ?? sourcesOf(cr, [g.positions]), name));
    }
    return;
  }
  const parts: Part[] = [];
  let classes = 0; // bit per class present
  for (let i = start; i < end; i++) {
    const g = groups[i]!;
    let ports = g.ports;
    let cls = CLASS_OF_BUCKET[g.bucket]!;
    if (g.bucket === B_ANY && g.part === 'private') {
      // Where the Internet part reaches, `*` is already reported as internet.
      if (anyPublic !== undefined) ports = subtract(ports, anyPublic);
      if (ports.length === 0) continue;
      cls = CLASS_INDEX.private;
    }
    // Parts of a class that reach the same ports are one part (atoms with different histories often do).
    let same: Part | undefined;
    for (let j = 0; j < parts.length && same === undefined; j++) if (parts[j]!.cls === cls && equal(parts[j]!.ports, ports)) same = parts[j];
    if (same !== undefined) {
      same.lists.push(g.positions);
      same.raws = undefined;
    } else parts.push({ cls, lists: [g.positions], raws: g.raws, ports });
    classes |= 1 << cls;
  }
  for (let cls = 0; cls < 5; cls++) {
    if ((classes & (1 << cls)) === 0) continue;
    let only: Part | undefined;
    let count = 0;
    for (const p of parts) {
      if (p.cls !== cls) continue;
      only = p;
      count++;
    }
    if (count === 1) buffer.add(only!.ports, cls, buffer.label((only!.raws as string[] | undefined) ?? sourcesOf(cr, only!.lists), name));
    else if (count > 1) addSplit(buffer, parts.filter((p) => p.cls === cls), cr, cls);
  }
}

/** Formats one direction's reach groups as sorted exposure entries. */
export function exposureEntries(dr: DirectionReach): ExposureEntry[] {
  const buffer = new EntryBuffer();
  const groups = dr.groups;
  let start = 0;
  while (start < groups.length) {
    let end = start + 1;
    while (end < groups.length && groups[end]!.ruleIndex === groups[start]!.ruleIndex) end++;
    addRule(buffer, dr, groups, start, end);
    start = end;
  }
  return buffer.sorted();
}

/** What the NSG lets in (by source class) and out (by destination class), per protocol and port range. */
export function effectiveExposure(nsg: NetworkSecurityGroup): NsgExposure {
  const reach = reachOf(nsg);
  return { id: nsg.id, name: nsg.name, inbound: exposureEntries(reach.inbound), outbound: exposureEntries(reach.outbound) };
}
