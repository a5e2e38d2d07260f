/**
 * Flat interval sets for the exposure engine: `[from0, to0, from1, to1, …]`, inclusive, sorted, disjoint and
 * non-adjacent. Flat number arrays instead of `PortRange` objects because they are built and cut thousands of times
 * per evaluation. Values are treated as immutable: a function may return one of its inputs unchanged.
 */

export type Intervals = readonly number[];

export const EMPTY: Intervals = Object.freeze([]) as Intervals;

/** Index (even) of the first interval whose end is >= `value`; `set.length` when there is none. */
function firstEndingAtOrAfter(set: Intervals, value: number): number {
  let lo = 0;
  let hi = set.length >> 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (set[2 * mid + 1]! < value) lo = mid + 1;
    else hi = mid;
  }
  return 2 * lo;
}

export function union(a: Intervals, b: Intervals): Intervals {
  if (b.length === 0) return a;
  if (a.length === 0) return b;
  const out: number[] = [];
  let i = 0;
  let j = 0;
  let curFrom = -1;
  let curTo = -2;
  while (i < a.length || j < b.length) {
    let from: number;
    let to: number;
    if (j >= b.length || (i < a.length && a[i]! <= b[j]!)) {
      from = a[i]!;
      to = a[i + 1]!;
      i += 2;
    } else {
      from = b[j]!;
      to = b[j + 1]!;
      j += 2;
    }
    if (curTo >= curFrom && from <= curTo + 1) {
      if (to > curTo) curTo = to;
    } else {
      if (curTo >= curFrom) out.push(curFrom, curTo);
      curFrom = from;
      curTo = to;
    }
  }
  out.push(curFrom, curTo);
  return out;
}

/** `a` without `b`. Returns `a` itself when nothing is removed (the usual case), so no allocation then. */
export function subtract(a: Intervals, b: Intervals): Intervals {
  const na = a.length;
  const nb = b.length;
  if (na === 0 || nb === 0 || a[na - 1]! < b[0]! || b[nb - 1]! < a[0]!) return a;
  let out: number[] | undefined;
  // `b` (what earlier rules decided) can be long: jump into it by binary search, then walk.
  let j = nb > 16 ? firstEndingAtOrAfter(b, a[0]!) : 0;
  for (let i = 0; i < na; i += 2) {
    let from = a[i]!;
    const to = a[i + 1]!;
    while (j < nb && b[j + 1]! < from) j += 2;
    if (j >= nb || b[j]! > to) {
      // Untouched: copied only once something before it changed.
      if (out !== undefined) out.push(from, to);
      continue;
    }
    if (out === undefined) out = a.slice(0, i);
    let k = j;
    while (k < nb && b[k]! <= to) {
      if (b[k]! > from) out.push(from, b[k]! - 1);
      from = b[k + 1]! + 1;
      if (from > to) break;
      k += 2;
    }
    if (from <= to) out.push(from, to);
  }
  return out === undefined ? a : out;
}

export function intersect(a: Intervals, b: Intervals): Intervals {
  if (a.length === 0 || b.length === 0) return EMPTY;
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const from = a[i]! > b[j]! ? a[i]! : b[j]!;
    const to = a[i + 1]! < b[j + 1]! ? a[i + 1]! : b[j + 1]!;
    if (from <= to) out.push(from, to);
    if (a[i + 1]! < b[j + 1]!) i += 2;
    else j += 2;
  }
  return out;
}

export function equal(a: Intervals, b: Intervals): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** `outer` contains every point of `inner`. */
export function covers(outer: Intervals, inner: Intervals): boolean {
  return subtract(inner, outer).length === 0;
}
