/**
 * Errors for input that came from outside (events, files, HTTP bodies, configuration). They always name the field
 * and the offending value, so the user can find and fix it without reading code.
 */

/** A short, printable rendering of a bad value; long values are cut so an error never floods a log. */
export function describeValue(value: unknown): string {
  let text: string;
  if (value === undefined) return 'undefined';
  try {
    text = typeof value === 'string' ? JSON.stringify(value) : JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

export class InputError extends Error {
  override readonly name = 'InputError';
  /** Dotted path of the field, e.g. `securityRules[2].properties.destinationPortRange`. */
  readonly field: string;
  readonly value: unknown;

  constructor(field: string, value: unknown, problem: string, options?: { source?: string; omitValue?: boolean }) {
    const where = options?.source ? `${options.source}: ` : '';
    super(`${where}${field} ${problem}${options?.omitValue ? '' : ` (got ${describeValue(value)})`}`);
    this.field = field;
    this.value = value;
  }
}

/** A command-line usage mistake (unknown flag, missing argument). */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
