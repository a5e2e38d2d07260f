/**
 * A tiny path router. Patterns are literal segments (matched case-insensitively, as ARM does), `:name` parameters,
 * and an optional leading `{*scope}` that takes any number of leading segments, for ARM's extension resources such
 * as `/{scope}/providers/Microsoft.Authorization/roleAssignments/{name}`.
 */

export type RouteParams = Record<string, string>;

interface Segment {
  literal?: string;
  param?: string;
}

interface Route<H> {
  method: string;
  scope: boolean;
  segments: Segment[];
  handler: H;
}

export type RouteMatch<H> =
  | { kind: 'found'; handler: H; params: RouteParams }
  | { kind: 'methodNotAllowed'; allowed: string[] }
  | { kind: 'notFound' };

export class Router<H> {
  private readonly routes: Route<H>[] = [];

  add(method: string, pattern: string, handler: H): this {
    let parts = pattern.split('/').filter((p) => p.length > 0);
    let scope = false;
    if (parts[0] === '{*scope}') {
      scope = true;
      parts = parts.slice(1);
    }
    const segments = parts.map((p): Segment => (p.startsWith(':') ? { param: p.slice(1) } : { literal: p.toLowerCase() }));
    this.routes.push({ method: method.toUpperCase(), scope, segments, handler });
    return this;
  }

  match(method: string, pathSegments: readonly string[]): RouteMatch<H> {
    const allowed = new Set<string>();
    for (const route of this.routes) {
      const params = matchRoute(route, pathSegments);
      if (params === undefined) continue;
      if (route.method === method.toUpperCase()) return { kind: 'found', handler: route.handler, params };
      allowed.add(route.method);
    }
    return allowed.size > 0 ? { kind: 'methodNotAllowed', allowed: [...allowed] } : { kind: 'notFound' };
  }
}

function matchRoute<H>(route: Route<H>, path: readonly string[]): RouteParams | undefined {
  const n = route.segments.length;
  if (route.scope ? path.length < n : path.length !== n) return undefined;
  const offset = path.length - n;
  const params: RouteParams = {};
  for (let i = 0; i < n; i += 1) {
    const segment = route.segments[i]!;
    const actual = path[offset + i]!;
    if (segment.literal !== undefined) {
      if (actual.toLowerCase() !== segment.literal) return undefined;
    } else if (segment.param !== undefined) {
      params[segment.param] = actual;
    }
  }
  if (route.scope) params['scope'] = path.slice(0, offset).join('/');
  return params;
}
