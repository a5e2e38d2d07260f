/**
 * NCRONTAB schedules as Azure Functions timer triggers use them: six fields
 * `{second} {minute} {hour} {day} {month} {day-of-week}`, each `*`, a value, a range `a-b`, a step (`*\/n`, `a-b/n`,
 * `a/n`), or a comma list of those; month and weekday names (`JAN`, `MON`) are accepted. Times are UTC.
 * Like NCrontab (and unlike Vixie cron), when both day-of-month and day-of-week are restricted a time must match both.
 */

interface FieldSpec {
  name: string;
  min: number;
  max: number;
  names?: readonly string[];
}

const FIELDS: readonly FieldSpec[] = [
  { name: 'second', min: 0, max: 59 },
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'] },
  { name: 'day-of-week', min: 0, max: 6, names: ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'] },
];

export class NcrontabError extends Error {
  override readonly name = 'NcrontabError';
}

export interface CronSchedule {
  readonly expression: string;
  /** Allowed values per field, in FIELDS order. */
  readonly fields: ReadonlyArray<ReadonlySet<number>>;
  /** The first occurrence strictly after `after` (whole seconds, UTC). */
  next(after: Date): Date;
  /** The next `count` occurrences after `after`. */
  nextN(after: Date, count: number): Date[];
}

function parseValue(text: string, field: FieldSpec, expression: string): number {
  const upper = text.toUpperCase();
  const named = field.names?.indexOf(upper) ?? -1;
  const value = named >= 0 ? named + (field.name === 'month' ? 1 : 0) : /^\d+$/.test(text) ? Number(text) : NaN;
  if (Number.isNaN(value)) throw new NcrontabError(`NCRONTAB "${expression}": ${field.name} value "${text}" is not a number`);
  if (value < field.min || value > field.max) {
    throw new NcrontabError(`NCRONTAB "${expression}": ${field.name} value ${value} is out of range ${field.min}-${field.max}`);
  }
  return value;
}

function parseField(text: string, field: FieldSpec, expression: string): Set<number> {
  const values = new Set<number>();
  for (const item of text.split(',')) {
    if (item === '') throw new NcrontabError(`NCRONTAB "${expression}": empty list item in the ${field.name} field`);
    const [rangeText = '', stepText, extra] = item.split('/');
    if (extra !== undefined) throw new NcrontabError(`NCRONTAB "${expression}": "${item}" has more than one "/"`);
    let step = 1;
    if (stepText !== undefined) {
      if (!/^\d+$/.test(stepText) || Number(stepText) === 0) {
        throw new NcrontabError(`NCRONTAB "${expression}": step "${stepText}" in the ${field.name} field must be a positive integer`);
      }
      step = Number(stepText);
    }
    let from: number;
    let to: number;
    if (rangeText === '*') {
      from = field.min;
      to = field.max;
    } else if (rangeText.includes('-')) {
      const [a = '', b = '', more] = rangeText.split('-');
      if (more !== undefined) throw new NcrontabError(`NCRONTAB "${expression}": invalid range "${rangeText}" in the ${field.name} field`);
      from = parseValue(a, field, expression);
      to = parseValue(b, field, expression);
      if (from > to) throw new NcrontabError(`NCRONTAB "${expression}": range ${rangeText} in the ${field.name} field runs backwards`);
    } else {
      from = parseValue(rangeText, field, expression);
      // `a/n` means "from a to the end, every n", as in NCrontab.
      to = stepText !== undefined ? field.max : from;
    }
    for (let v = from; v <= to; v += step) values.add(v);
  }
  return values;
}

/** How far ahead `next` looks before deciding the schedule never fires (Feb 29 on a given weekday recurs within 28 years). */
const SEARCH_YEARS = 30;

export function parseNcrontab(expression: string): CronSchedule {
  const parts = expression.trim().split(/\s+/);
  if (parts.length !== 6) {
    throw new NcrontabError(
      `NCRONTAB "${expression}" has ${parts.length} fields; Azure Functions needs 6: {second} {minute} {hour} {day} {month} {day-of-week}`,
    );
  }
  const fields = parts.map((part, i) => parseField(part, FIELDS[i]!, expression));
  const [seconds, minutes, hours, days, months, weekdays] = fields as [Set<number>, Set<number>, Set<number>, Set<number>, Set<number>, Set<number>];

  const next = (after: Date): Date => {
    const limit = after.getUTCFullYear() + SEARCH_YEARS;
    const t = new Date(Math.floor(after.getTime() / 1000) * 1000 + 1000);
    while (t.getUTCFullYear() <= limit) {
      if (!months.has(t.getUTCMonth() + 1)) {
        t.setUTCMonth(t.getUTCMonth() + 1, 1);
        t.setUTCHours(0, 0, 0, 0);
        continue;
      }
      if (!days.has(t.getUTCDate()) || !weekdays.has(t.getUTCDay())) {
        t.setUTCDate(t.getUTCDate() + 1);
        t.setUTCHours(0, 0, 0, 0);
        continue;
      }
      if (!hours.has(t.getUTCHours())) {
        t.setUTCHours(t.getUTCHours() + 1, 0, 0, 0);
        continue;
      }
      if (!minutes.has(t.getUTCMinutes())) {
        t.setUTCMinutes(t.getUTCMinutes() + 1, 0, 0);
        continue;
      }
      if (!seconds.has(t.getUTCSeconds())) {
        t.setUTCSeconds(t.getUTCSeconds() + 1, 0);
        continue;
      }
      return t;
    }
    throw new NcrontabError(`NCRONTAB "${expression}" has no occurrence within ${SEARCH_YEARS} years after ${after.toISOString()}`);
  };

  return {
    expression,
    fields,
    next,
    nextN(after: Date, count: number): Date[] {
      const result: Date[] = [];
      let cursor = after;
      for (let i = 0; i < count; i++) {
        cursor = next(cursor);
        result.push(cursor);
      }
      return result;
    },
  };
}
