import { InputError } from '../../src/errors';
import { thrown } from '../helpers/thrown';
import {
  formatRange,
  formatRanges,
  intersectRanges,
  isAllPorts,
  mergeRanges,
  parsePortList,
  parsePortRange,
  rangesContain,
  rangesCover,
  rangesEqual,
  subtractRanges,
} from '../../src/network';
import type { PortRange } from '../../src/network/types';

const r = (from: number, to: number = from): PortRange => ({ from, to });

const inputError = (fn: () => unknown): InputError => thrown(fn, InputError);

describe('parsePortRange', () => {
  test.each([
    ['22', r(22)],
    ['22-22', r(22)],
    ['1000-2000', r(1000, 2000)],
    ['*', r(0, 65535)],
    ['Any', r(0, 65535)],
    [' 443 ', r(443)],
    ['8080 - 8084', r(8080, 8084)],
    ['0', r(0)],
    ['65535', r(65535)],
    ['0-65535', r(0, 65535)],
  ])('%j → %j', (text, expected) => {
    expect(parsePortRange(text, 'f')).toEqual(expected);
  });

  test('numbers are ports too', () => {
    expect(parsePortRange(22, 'f')).toEqual(r(22));
  });

  test.each([
    ['70000', 'must be within 0-65535'],
    ['66600', 'must be within 0-65535'],
    ['20-10', 'reversed range'],
    ['abc', 'must be a port or port range'],
    ['', 'must be a port or port range'],
    ['-5', 'must be a port or port range'],
    ['22-', 'must be a port or port range'],
    ['1.5', 'must be a port or port range'],
    ['22,80', 'must be a port or port range'],
  ])('%j is rejected (%s) with the field and value in the message', (text, problem) => {
    const err = inputError(() => parsePortRange(text, 'properties.destinationPortRange'));
    expect(err.field).toBe('properties.destinationPortRange');
    expect(err.value).toBe(text);
    expect(err.message).toContain('properties.destinationPortRange');
    expect(err.message).toContain(JSON.stringify(text));
    expect(err.message).toContain(problem);
  });

  test('non-strings and non-integers are rejected', () => {
    expect(inputError(() => parsePortRange(22.5, 'p')).message).toBe('p must be a port between 0 and 65535 (got 22.5)');
    expect(inputError(() => parsePortRange(null, 'p')).field).toBe('p');
    expect(inputError(() => parsePortRange({}, 'p')).message).toContain('(got {})');
  });
});

describe('parsePortList', () => {
  test('merges, sorts and coalesces', () => {
    expect(parsePortList(['443', '22', '23-25', '80', '81', '24'], 'f')).toEqual([r(22, 25), r(80, 81), r(443)]);
  });

  test('a single string, and comma-separated text', () => {
    expect(parsePortList('22', 'f')).toEqual([r(22)]);
    expect(parsePortList('80, 443,8080-8084', 'f')).toEqual([r(80), r(443), r(8080, 8084)]);
  });

  test('names the bad element by index', () => {
    const err = inputError(() => parsePortList(['22', '3389', '99999'], 'properties.destinationPortRanges'));
    expect(err.field).toBe('properties.destinationPortRanges[2]');
    expect(err.value).toBe('99999');
  });

  test('rejects a non-list', () => {
    expect(inputError(() => parsePortList({ a: 1 }, 'x')).field).toBe('x');
  });
});

describe('interval sets', () => {
  test('mergeRanges coalesces overlapping and adjacent ranges and does not modify its input', () => {
    const input = [r(30, 40), r(1, 5), r(6, 10), r(35, 50), r(52)];
    const copy = JSON.parse(JSON.stringify(input)) as PortRange[];
    expect(mergeRanges(input)).toEqual([r(1, 10), r(30, 50), r(52)]);
    expect(input).toEqual(copy);
    expect(mergeRanges([])).toEqual([]);
  });

  test('subtractRanges', () => {
    expect(subtractRanges([r(1, 1000)], [r(20, 25)])).toEqual([r(1, 19), r(26, 1000)]);
    expect(subtractRanges([r(1, 10), r(20, 30)], [r(5, 25)])).toEqual([r(1, 4), r(26, 30)]);
    expect(subtractRanges([r(22)], [r(0, 65535)])).toEqual([]);
    expect(subtractRanges([r(22)], [])).toEqual([r(22)]);
    expect(subtractRanges([r(0, 100)], [r(0), r(50), r(100)])).toEqual([r(1, 49), r(51, 99)]);
  });

  test('intersectRanges', () => {
    expect(intersectRanges([r(1, 10), r(20, 30)], [r(5, 25)])).toEqual([r(5, 10), r(20, 25)]);
    expect(intersectRanges([r(22)], [r(23, 25)])).toEqual([]);
  });

  test('rangesEqual, rangesCover, rangesContain, isAllPorts', () => {
    expect(rangesEqual(parsePortList(['22-22'], 'a'), parsePortList(['22'], 'b'))).toBe(true);
    expect(rangesEqual([r(22)], [r(22, 23)])).toBe(false);
    expect(rangesCover([r(0, 1000)], [r(22), r(80, 90)])).toBe(true);
    expect(rangesCover([r(0, 50)], [r(22), r(80, 90)])).toBe(false);
    expect(rangesContain([r(10, 20), r(30, 40)], 35)).toBe(true);
    expect(rangesContain([r(10, 20), r(30, 40)], 25)).toBe(false);
    expect(isAllPorts(parsePortList('*', 'p'))).toBe(true);
    expect(isAllPorts([r(1, 65535)])).toBe(false);
  });

  test('formatRange', () => {
    expect(formatRange(r(22))).toBe('22');
    expect(formatRange(r(8080, 8084))).toBe('8080-8084');
    expect(formatRange(r(0, 65535))).toBe('*');
    expect(formatRanges([r(22), r(0, 10)])).toEqual(['22', '0-10']);
  });
});
