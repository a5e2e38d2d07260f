import { NcrontabError, parseNcrontab } from '../../local/host';

const iso = (d: Date): string => d.toISOString();

describe('NCRONTAB schedules', () => {
  test.each([
    ['0 */5 * * * *', '2026-01-01T00:01:30.000Z', ['2026-01-01T00:05:00.000Z', '2026-01-01T00:10:00.000Z']],
    ['*/15 * * * * *', '2026-01-01T00:00:14.500Z', ['2026-01-01T00:00:15.000Z', '2026-01-01T00:00:30.000Z']],
    // 2026-01-03 is a Saturday: the next weekday 09:30 is Monday the 5th.
    ['0 30 9 * * MON-FRI', '2026-01-03T10:00:00.000Z', ['2026-01-05T09:30:00.000Z', '2026-01-06T09:30:00.000Z']],
    ['0 0 0 1 JAN,jul *', '2026-02-01T00:00:00.000Z', ['2026-07-01T00:00:00.000Z', '2027-01-01T00:00:00.000Z']],
    ['5-10/2 0 12 * * *', '2026-01-01T12:00:05.000Z', ['2026-01-01T12:00:07.000Z', '2026-01-01T12:00:09.000Z', '2026-01-02T12:00:05.000Z']],
    ['10/20 * * * * *', '2026-01-01T00:00:00.000Z', ['2026-01-01T00:00:10.000Z', '2026-01-01T00:00:30.000Z', '2026-01-01T00:00:50.000Z']],
    ['0 0 0 29 2 *', '2026-03-01T00:00:00.000Z', ['2028-02-29T00:00:00.000Z']],
    // Day-of-month AND day-of-week, as NCrontab evaluates them: Friday the 13th.
    ['0 0 0 13 * 5', '2026-01-01T00:00:00.000Z', ['2026-02-13T00:00:00.000Z', '2026-03-13T00:00:00.000Z']],
    ['0 0 3 * * *', '2026-01-01T03:00:00.000Z', ['2026-01-02T03:00:00.000Z']],
    ['0 15,45 8-9 * * SUN', '2026-01-04T08:20:00.000Z', ['2026-01-04T08:45:00.000Z', '2026-01-04T09:15:00.000Z', '2026-01-04T09:45:00.000Z', '2026-01-11T08:15:00.000Z']],
  ])('%s after %s', (expression, after, expected) => {
    expect(parseNcrontab(expression).nextN(new Date(after), expected.length).map(iso)).toEqual(expected);
  });

  test('next is strictly after the given time', () => {
    expect(iso(parseNcrontab('0 0 * * * *').next(new Date('2026-01-01T05:00:00.000Z')))).toBe('2026-01-01T06:00:00.000Z');
  });

  test.each([
    ['0 */5 * * *', /needs 6/],
    ['61 * * * * *', /second value 61 is out of range 0-59/],
    ['* * * * 13 *', /month value 13 is out of range 1-12/],
    ['*/0 * * * * *', /step "0" in the second field/],
    ['x * * * * *', /second value "x" is not a number/],
    ['0 0 0 10-5 * *', /runs backwards/],
    ['0 0 0 * * 7', /day-of-week value 7/],
  ])('rejects %s', (expression, message) => {
    expect(() => parseNcrontab(expression)).toThrow(NcrontabError);
    expect(() => parseNcrontab(expression)).toThrow(message);
  });

  test('a schedule that never fires says so', () => {
    expect(() => parseNcrontab('0 0 0 30 2 *').next(new Date('2026-01-01T00:00:00Z'))).toThrow(/no occurrence within 30 years/);
  });
});
