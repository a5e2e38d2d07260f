/**
 * Schema validation at the edge. Every file or body from outside goes through `validateWith`, which turns schema
 * issues into one error that lists each bad field by its path, with the value found there.
 */
import type { z } from 'zod';
import { describeValue, InputError } from './errors';

export interface FieldIssue {
  /** Dotted path with array indexes, e.g. `network.sensitivePorts[2].ports`; `(root)` for the document itself. */
  field: string;
  message: string;
  value?: unknown;
}

export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out.length === 0 ? String(key) : `.${String(key)}`;
  }
  return out.length === 0 ? '(root)' : out;
}

/** Thrown when a document fails its schema; `issues` lists every bad field, `message` shows them all. */
export class SchemaError extends InputError {
  readonly issues: FieldIssue[];

  constructor(source: string, issues: FieldIssue[]) {
    const first = issues[0] ?? { field: '(root)', message: 'is invalid' };
    super(first.field, first.value, first.message, { source });
    this.issues = issues;
    const lines = issues.map((i) => `  ${i.field}: ${i.message}${i.value === undefined ? '' : ` (got ${describeValue(i.value)})`}`);
    this.message = `${source} is not valid:\n${lines.join('\n')}`;
  }
}

export function validateWith<S extends z.ZodType>(schema: S, value: unknown, source: string): z.output<S> {
  const result = schema.safeParse(value, { reportInput: true });
  if (result.success) return result.data;
  const issues: FieldIssue[] = result.error.issues.map((issue) => {
    const unknownKeys = issue.code === 'unrecognized_keys' ? (issue as { keys?: string[] }).keys : undefined;
    if (unknownKeys && unknownKeys.length > 0) {
      const base = formatPath(issue.path);
      const field = base === '(root)' ? unknownKeys[0]! : `${base}.${unknownKeys[0]!}`;
      return { field, message: `is not a known field${unknownKeys.length > 1 ? ` (also: ${unknownKeys.slice(1).join(', ')})` : ''}` };
    }
    const input = (issue as { input?: unknown }).input;
    return { field: formatPath(issue.path), message: lowerFirst(issue.message), ...(input === undefined ? {} : { value: input }) };
  });
  throw new SchemaError(source, issues);
}

function lowerFirst(text: string): string {
  return text.length > 0 ? text[0]!.toLowerCase() + text.slice(1) : text;
}
