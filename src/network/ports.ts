/**
 * Port strings as ARM writes them (`"22"`, `"22-22"`, `"1000-2000"`, `"*"`) and sets of port ranges. Every
 * comparison of ports in driftwarden goes through here, so `"22"` and `"22-22"` are the same range.
 */

import { InputError } from '../errors';
import type { PortRange } from './types';

export const MIN_PORT = 0;
export const MAX_PORT = 65535;

/** The whole port space, what `"*"` means. */
export const ALL_PORTS: Readonly<PortRange> = Object.freeze({ from: MIN_PORT, to: MAX_PORT });

/** Parses one decimal port number; -1 when `text[start,end)` is not one (empty, non-digit, too long). */
function parsePortNumber(text: string, start: number, end: number): number {
  // Trim inside the slice without allocating.
  while (start < end && isSpace(text.charCodeAt(start))) start++;
  while (end > start && isSpace(text.charCodeAt(end - 1))) end--;
  if (start === end || end - start > 5) return -1;
  let value = 0;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    value = value * 10 + c;
  }
  return value;
}

function isSpace(code: number): boolean {
  return code === 32 || code === 9 || code === 10 || code === 13;
}

/**
 * `"22"` → 22-22, `"1000-2000"` → 1000-2000, `"*"` (or `"Any"`) → 0-65535. Whitespace around the numbers is
 * tolerated; anything else (out of range, reversed, not a number) is an `InputError` naming `field` and the value.
 */
export function parsePortRange(value: unknown, field: string): PortRange {
  if (typeof value === 'number') {
    if (Number.isInteger(value) && value >= MIN_PORT && value <= MAX_PORT) return { from: value, to: value };
    throw new InputError(field, value, `must be a port between ${MIN_PORT} and ${MAX_PORT}`);
  }
  if (typeof value !== 'string') throw new InputError(field, value, 'must be a port or port range string such as "22", "1000-2000" or "*"');
  const text = value;
  let start = 0;
  let end = text.length;
  while (start < end && isSpace(text.charCodeAt(start))) start++;
  while (end > start && isSpace(text.charCodeAt(end - 1))) end--;
  if (end - start === 1 && text.charCodeAt(start) === 42 /* * */) return { from: MIN_PORT, to: MAX_PORT };
  if (end - start === 3 && text.slice(start, end).toLowerCase() === 'any') return { from: MIN_PORT, to: MAX_PORT };
  // A leading '-' would be a negative number, not a range separator: search after the first character.
  const dash = text.indexOf('-', start + 1);
  let from: number;
  let to: number;
  if (dash < 0 || dash >= end) {
    from = to = parsePortNumber(text, start, end);
  } else {
    from = parsePortNumber(text, start, dash);
    to = parsePortNumber(text, dash + 1, end);
  }
  if (from < 0 || to < 0) {
    throw new InputError(field, value, 'must be a port or port range such as "22", "1000-2000" or "*"');
  }
  if (from > MAX_PORT || to > MAX_PORT) throw new InputError(field, value, `must be within ${MIN_PORT}-${MAX_PORT}`);
  if (from > to) throw new InputError(field, value, 'is a reversed range (start is greater than end)');
  return { from, to };
}

/**
 * A list of port strings (an ARM `*PortRanges` array, or one string with comma-separated parts) as one merged,
 * sorted set. Elements are reported as `field[i]`.
 */
export function parsePortList(values: unknown, field: string): PortRange[] {
  if (typeof values === 'string' || typeof values === 'number') {
    if (typeof values === 'string' && values.includes(',')) {
      return mergeRanges(values.split(',').map((part) => parsePortRange(part, field)));
    }
    return [parsePortRange(values, field)];
  }
  if (!Array.isArray(values)) throw new InputError(field, values, 'must be an array of port ranges');
  const out: PortRange[] = [];
  for (let i = 0; i < values.length; i++) out.push(parsePortRange(values[i], `${field}[${i}]`));
  return mergeRanges(out);
}

/** Sorted, with overlapping and adjacent ranges coalesced (`22`, `23-25` → `22-25`). Does not modify its input. */
export function mergeRanges(ranges: readonly PortRange[]): PortRange[] {
  if (ranges.length === 0) return [];
  if (ranges.length === 1) return [{ from: ranges[0]!.from, to: ranges[0]!.to }];
  const sorted = ranges.slice().sort((a, b) => a.from - b.from || a.to - b.to);
  const out: PortRange[] = [];
  let cur = { from: sorted[0]!.from, to: sorted[0]!.to };
  for (let i = 1; i < sorted.length; i++) {
    const r = sorted[i]!;
    if (r.from <= cur.to + 1) {
      if (r.to > cur.to) cur.to = r.to;
    } else {
      out.push(cur);
      cur = { from: r.from, to: r.to };
    }
  }
  out.push(cur);
  return out;
}

/** `a` minus `b`. Both must be merged (as `mergeRanges` returns them); the result is merged. */
export function subtractRanges(a: readonly PortRange[], b: readonly PortRange[]): PortRange[] {
  const out: PortRange[] = [];
  let j = 0;
  for (const r of a) {
    let from = r.from;
    const to = r.to;
    while (j < b.length && b[j]!.to < from) j++;
    let k = j;
    while (k < b.length && b[k]!.from <= to && from <= to) {
      const cut = b[k]!;
      if (cut.from > from) out.push({ from, to: cut.from - 1 });
      from = cut.to + 1;
      k++;
    }
    if (from <= to) out.push({ from, to });
  }
  return out;
}

/** The ports in both `a` and `b` (both merged). */
export function intersectRanges(a: readonly PortRange[], b: readonly PortRange[]): PortRange[] {
  const out: PortRange[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const x = a[i]!;
    const y = b[j]!;
    const from = x.from > y.from ? x.from : y.from;
    const to = x.to < y.to ? x.to : y.to;
    if (from <= to) out.push({ from, to });
    if (x.to < y.to) i++;
    else j++;
  }
  return out;
}

/** Same set of ports (both merged). */
export function rangesEqual(a: readonly PortRange[], b: readonly PortRange[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    if (a[i]!.from !== b[i]!.from || a[i]!.to !== b[i]!.to) return false;
  }
  return true;
}

/** Every port of `inner` is in `outer` (both merged). */
export function rangesCover(outer: readonly PortRange[], inner: readonly PortRange[]): boolean {
  let j = 0;
  for (const r of inner) {
    // Each inner range must sit inside one outer range (outer ranges are merged, so never split across two).
    while (j < outer.length && outer[j]!.to < r.from) j++;
    if (j >= outer.length || outer[j]!.from > r.from || outer[j]!.to < r.to) return false;
  }
  return true;
}

/** `port` is in the (merged) set. */
export function rangesContain(ranges: readonly PortRange[], port: number): boolean {
  let lo = 0;
  let hi = ranges.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const r = ranges[mid]!;
    if (port < r.from) hi = mid - 1;
    else if (port > r.to) lo = mid + 1;
    else return true;
  }
  return false;
}

/** `"22"`, `"8080-8084"`, `"*"` for the whole space. */
export function formatRange(range: PortRange): string {
  if (range.from === MIN_PORT && range.to === MAX_PORT) return '*';
  return range.from === range.to ? String(range.from) : `${range.from}-${range.to}`;
}

/** Each range formatted, in order. */
export function formatRanges(ranges: readonly PortRange[]): string[] {
  return ranges.map(formatRange);
}

/** The whole port space, as a one-element list. */
export function isAllPorts(ranges: readonly PortRange[]): boolean {
  return ranges.length === 1 && ranges[0]!.from === MIN_PORT && ranges[0]!.to === MAX_PORT;
}
