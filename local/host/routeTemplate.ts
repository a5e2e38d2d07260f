/**
 * Azure Functions HTTP route templates (ASP.NET style): literal segments, `{name}`, `{name?}` (trailing only),
 * `{name:constraint}`, `{*rest}` (last segment). Literals match case-insensitively, as in Azure.
 */

type Constraint = (value: string) => boolean;

interface ParamPart {
  kind: 'param';
  name: string;
  optional: boolean;
  catchAll: boolean;
  constraints: Constraint[];
}

interface Segment {
  /** Literal text and parameters in order; a segment may mix them (`file.{ext}`). */
  parts: Array<{ kind: 'literal'; text: string } | ParamPart>;
  regex: RegExp;
  params: ParamPart[];
}

export interface CompiledRoute {
  template: string;
  /** Lower sorts first: literal segments beat parameters, which beat optional and catch-all ones. */
  specificity: number[];
  match(segments: string[]): Record<string, string> | undefined;
}

const GUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

function numberArgs(spec: string, count: number, template: string): number[] {
  const match = /^\w+\((.*)\)$/.exec(spec);
  const args = match?.[1]?.split(',').map((a) => Number(a.trim())) ?? [];
  if (args.length !== count || args.some((n) => !Number.isFinite(n))) {
    throw new Error(`route "${template}": constraint "${spec}" needs ${count} numeric argument(s)`);
  }
  return args;
}

function constraintFor(spec: string, template: string): Constraint {
  const name = spec.replace(/\(.*$/, '').toLowerCase();
  switch (name) {
    case 'int':
    case 'long':
      return (v) => /^-?\d+$/.test(v);
    case 'double':
    case 'float':
    case 'decimal':
      return (v) => v.trim() !== '' && Number.isFinite(Number(v));
    case 'bool':
      return (v) => /^(true|false)$/i.test(v);
    case 'guid':
      return (v) => GUID.test(v);
    case 'alpha':
      return (v) => /^[a-z]+$/i.test(v);
    case 'minlength': {
      const [n] = numberArgs(spec, 1, template);
      return (v) => v.length >= n!;
    }
    case 'maxlength': {
      const [n] = numberArgs(spec, 1, template);
      return (v) => v.length <= n!;
    }
    case 'length': {
      const [n] = numberArgs(spec, 1, template);
      return (v) => v.length === n!;
    }
    case 'min': {
      const [n] = numberArgs(spec, 1, template);
      return (v) => Number(v) >= n!;
    }
    case 'max': {
      const [n] = numberArgs(spec, 1, template);
      return (v) => Number(v) <= n!;
    }
    case 'range': {
      const [lo, hi] = numberArgs(spec, 2, template);
      return (v) => Number(v) >= lo! && Number(v) <= hi!;
    }
    default:
      throw new Error(`route "${template}": route constraint "${spec}" is not supported by the local host`);
  }
}

function parseParam(body: string, template: string): ParamPart {
  let text = body;
  const catchAll = text.startsWith('*');
  if (catchAll) text = text.replace(/^\*+/, '');
  const optional = text.endsWith('?');
  if (optional) text = text.slice(0, -1);
  const [name, ...specs] = text.split(':');
  if (!name || !/^\w+$/.test(name)) throw new Error(`route "${template}": invalid parameter "{${body}}"`);
  if (name.includes('=')) throw new Error(`route "${template}": default values ("{${body}}") are not supported by the local host`);
  return { kind: 'param', name, optional, catchAll, constraints: specs.map((s) => constraintFor(s, template)) };
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function compileSegment(raw: string, template: string): Segment {
  const parts: Segment['parts'] = [];
  let rest = raw;
  while (rest.length > 0) {
    const open = rest.indexOf('{');
    if (open < 0) {
      parts.push({ kind: 'literal', text: rest });
      break;
    }
    if (open > 0) parts.push({ kind: 'literal', text: rest.slice(0, open) });
    const close = rest.indexOf('}', open);
    if (close < 0) throw new Error(`route "${template}": unclosed "{" in segment "${raw}"`);
    parts.push(parseParam(rest.slice(open + 1, close), template));
    rest = rest.slice(close + 1);
  }
  const params = parts.filter((p): p is ParamPart => p.kind === 'param');
  const source = parts.map((p) => (p.kind === 'literal' ? escapeRegex(p.text) : '(.+?)')).join('');
  return { parts, params, regex: new RegExp(`^${source}$`, 'i') };
}

export function compileRoute(template: string): CompiledRoute {
  const trimmed = template.replace(/^\/+|\/+$/g, '');
  const segments = trimmed === '' ? [] : trimmed.split('/').map((s) => compileSegment(s, template));
  segments.forEach((segment, index) => {
    const isLast = index === segments.length - 1;
    for (const param of segment.params) {
      if ((param.catchAll || param.optional) && (!isLast || segment.parts.length !== 1)) {
        throw new Error(`route "${template}": "{${param.catchAll ? '*' : ''}${param.name}${param.optional ? '?' : ''}}" must be the whole last segment`);
      }
    }
  });
  const specificity = segments.map((segment) => {
    const only = segment.parts.length === 1 ? segment.parts[0] : undefined;
    if (segment.params.length === 0) return 0;
    if (only?.kind === 'param' && only.catchAll) return 4;
    if (only?.kind === 'param' && only.optional) return 3;
    if (segment.params.some((p) => p.constraints.length > 0) || segment.parts.length > 1) return 1;
    return 2;
  });

  return {
    template: trimmed,
    specificity,
    match(path: string[]): Record<string, string> | undefined {
      const params: Record<string, string> = {};
      for (let i = 0; i < segments.length; i++) {
        const segment = segments[i]!;
        const only = segment.parts.length === 1 ? segment.parts[0] : undefined;
        if (only?.kind === 'param' && only.catchAll) {
          const value = path.slice(i).join('/');
          if (value === '' && !only.optional && only.constraints.length > 0) return undefined;
          if (value !== '' && !only.constraints.every((c) => c(value))) return undefined;
          if (value !== '') params[only.name] = value;
          return params;
        }
        const value = path[i];
        if (value === undefined || value === '') {
          if (only?.kind === 'param' && only.optional && i === path.length) return params;
          return undefined;
        }
        const match = segment.regex.exec(value);
        if (!match) return undefined;
        for (let p = 0; p < segment.params.length; p++) {
          const param = segment.params[p]!;
          const captured = match[p + 1] ?? '';
          if (!param.constraints.every((c) => c(captured))) return undefined;
          params[param.name] = captured;
        }
      }
      return path.length === segments.length ? params : undefined;
    },
  };
}

/** Sort order for routes: most specific first, so `items/new` wins over `items/{id}`. */
export function compareSpecificity(a: CompiledRoute, b: CompiledRoute): number {
  const length = Math.max(a.specificity.length, b.specificity.length);
  for (let i = 0; i < length; i++) {
    const x = a.specificity[i];
    const y = b.specificity[i];
    if (x === undefined) return 1;
    if (y === undefined) return -1;
    if (x !== y) return x - y;
  }
  return 0;
}
