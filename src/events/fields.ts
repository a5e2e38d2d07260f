/**
 * Reading fields of an untrusted event. A problem throws `EventFieldError` naming the dotted path, which the
 * normalizer turns into an `EventError` for that event only. Values are read by key (no schema walk) because the
 * intake has to keep up with 5,000-event deliveries.
 */

import { describeValue } from '../errors';

export class EventFieldError extends Error {
  override readonly name = 'EventFieldError';

  constructor(
    /** Dotted path inside the event, `''` for the event itself. */
    readonly field: string,
    /** What is wrong, e.g. `missing` or `expected a string (got 5)`. */
    readonly problem: string,
  ) {
    super(field === '' ? problem : `${field}: ${problem}`);
  }
}

export type JsonObject = Record<string, unknown>;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `typeof`-style name for error messages: `array` and `null` are told apart from `object`. */
export function jsonTypeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/** Problem text for a value of the wrong type. `reveal: false` keeps the value itself out (claims, for instance). */
export function wrongType(expected: string, value: unknown, reveal = true): string {
  return reveal ? `expected ${expected} (got ${describeValue(value)})` : `expected ${expected} (got ${jsonTypeOf(value)})`;
}

/** Path of a child key; keys that are not plain identifiers (claim URIs) are bracketed. */
export function childPath(parent: string, key: string): string {
  const plain = /^[A-Za-z_$][\w$]*$/.test(key);
  if (parent === '') return plain ? key : `["${key}"]`;
  return plain ? `${parent}.${key}` : `${parent}["${key}"]`;
}

/** A string that must be present and non-blank; returned trimmed. */
export function requiredString(value: unknown, field: string): string {
  if (typeof value === 'string') {
    const trimmed = value.trim();
    if (trimmed !== '') return trimmed;
    throw new EventFieldError(field, 'empty');
  }
  if (value === undefined || value === null) throw new EventFieldError(field, 'missing');
  throw new EventFieldError(field, wrongType('a string', value));
}

/** A string that may be absent (undefined, null or blank → undefined); returned trimmed. */
export function optionalString(value: unknown, field: string, reveal = true): string | undefined {
  if (typeof value === 'string') {
    const trimmed = value.trim();
    return trimmed === '' ? undefined : trimmed;
  }
  if (value === undefined || value === null) return undefined;
  throw new EventFieldError(field, wrongType('a string', value, reveal));
}

/** An object that may be absent. */
export function optionalObject(value: unknown, field: string): JsonObject | undefined {
  if (value === undefined || value === null) return undefined;
  if (isObject(value)) return value;
  throw new EventFieldError(field, `expected an object (got ${jsonTypeOf(value)})`);
}

/** An event time: RFC 3339 (what Event Grid sends) or anything else `Date.parse` understands. Kept as written, trimmed. */
export function requiredTime(value: unknown, field: string): string {
  const text = requiredString(value, field);
  if (!isRfc3339(text) && Number.isNaN(Date.parse(text))) throw new EventFieldError(field, `not a valid time (got ${describeValue(text)})`);
  return text;
}

function digits(text: string, start: number, count: number): number {
  let n = 0;
  for (let i = start; i < start + count; i += 1) {
    const d = text.charCodeAt(i) - 0x30;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

/**
 * `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`, checked by character codes: `Date.parse` allocates on every call,
 * and every event of a 5,000-event delivery has a time.
 */
export function isRfc3339(text: string): boolean {
  if (text.length < 20) return false;
  const c = (i: number): number => text.charCodeAt(i);
  if (c(4) !== 0x2d || c(7) !== 0x2d || (c(10) | 0x20) !== 0x74 || c(13) !== 0x3a || c(16) !== 0x3a) return false;
  const month = digits(text, 5, 2);
  const day = digits(text, 8, 2);
  const hour = digits(text, 11, 2);
  const minute = digits(text, 14, 2);
  const second = digits(text, 17, 2);
  if (digits(text, 0, 4) < 0 || month < 1 || month > 12 || day < 1 || day > 31 || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 60) {
    return false;
  }
  let i = 19;
  if (c(i) === 0x2e) {
    i += 1;
    const start = i;
    while (i < text.length && c(i) >= 0x30 && c(i) <= 0x39) i += 1;
    if (i === start) return false;
  }
  if ((c(i) | 0x20) === 0x7a) return i + 1 === text.length;
  if (c(i) !== 0x2b && c(i) !== 0x2d) return false;
  return i + 6 === text.length && c(i + 3) === 0x3a && digits(text, i + 1, 2) >= 0 && digits(text, i + 1, 2) <= 23 && digits(text, i + 4, 2) >= 0 && digits(text, i + 4, 2) <= 59;
}
