/**
 * HTTP triggers on `/<routePrefix>/<route>`: route matching with methods (404 when no route matches, 405 when the route
 * matches but not the method), conversion of the Node request into `@azure/functions`' `HttpRequest`, and of the
 * handler's `HttpResponseInit` / `HttpResponse` back. `authLevel` is recorded but not enforced locally.
 */
import { HttpRequest, HttpResponse, type Cookie, type HttpResponseInit } from '@azure/functions';
import { compareSpecificity, compileRoute, type CompiledRoute } from './routeTemplate';
import type { ParsedRequest, SimpleResponse } from './httpUtil';
import type { RegisteredFunction } from './registry';

interface RouteEntry {
  fn: RegisteredFunction;
  route: CompiledRoute;
}

export type RouteResult =
  | { kind: 'match'; fn: RegisteredFunction; params: Record<string, string> }
  | { kind: 'notFound' }
  | { kind: 'methodNotAllowed'; allow: string[] };

export class HttpTriggerRouter {
  readonly #entries: RouteEntry[];

  /** Throws naming the function when a route template is invalid, as the real host refuses to index it. */
  constructor(functions: RegisteredFunction[]) {
    this.#entries = functions
      .filter((fn) => fn.kind === 'http' && fn.http)
      .map((fn) => {
        try {
          return { fn, route: compileRoute(fn.http!.route) };
        } catch (err) {
          throw new Error(`HTTP function "${fn.name}": ${err instanceof Error ? err.message : String(err)}`, { cause: err });
        }
      })
      .sort((a, b) => compareSpecificity(a.route, b.route));
  }

  /** `segments`: the path below the route prefix. */
  route(method: string, segments: string[]): RouteResult {
    const allow = new Set<string>();
    for (const entry of this.#entries) {
      const params = entry.route.match(segments);
      if (!params) continue;
      const methods = entry.fn.http?.methods;
      if (!methods || methods.includes(method)) return { kind: 'match', fn: entry.fn, params };
      for (const m of methods) allow.add(m);
    }
    return allow.size > 0 ? { kind: 'methodNotAllowed', allow: [...allow].sort() } : { kind: 'notFound' };
  }

  /** For `GET /admin/functions` and the start banner. */
  describe(routePrefix: string): Array<{ name: string; methods: string[]; url: string }> {
    return this.#entries.map((entry) => ({
      name: entry.fn.name,
      methods: entry.fn.http?.methods ?? ['*'],
      url: `/${[routePrefix, entry.route.template].filter((p) => p !== '').join('/')}`,
    }));
  }
}

export function toFunctionsRequest(req: ParsedRequest, params: Record<string, string>): HttpRequest {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  const init: ConstructorParameters<typeof HttpRequest>[0] = { method: req.method, url: req.url.href, headers, params };
  if (req.body.length > 0 && req.method !== 'GET' && req.method !== 'HEAD') init.body = { bytes: req.body };
  return new HttpRequest(init);
}

/** Duck-typed so a response built by another copy of `@azure/functions` still converts. */
function isResponseLike(value: object): value is HttpResponse {
  const candidate = value as Partial<HttpResponse>;
  return (
    value instanceof HttpResponse ||
    (typeof candidate.arrayBuffer === 'function' && typeof candidate.status === 'number' && candidate.headers instanceof Headers)
  );
}

function cookieHeader(cookie: Cookie): string {
  const parts = [`${cookie.name}=${cookie.value}`];
  if (cookie.domain) parts.push(`Domain=${cookie.domain}`);
  if (cookie.path) parts.push(`Path=${cookie.path}`);
  if (cookie.expires !== undefined) parts.push(`Expires=${new Date(cookie.expires).toUTCString()}`);
  if (cookie.maxAge !== undefined) parts.push(`Max-Age=${cookie.maxAge}`);
  if (cookie.secure) parts.push('Secure');
  if (cookie.httpOnly) parts.push('HttpOnly');
  if (cookie.sameSite) parts.push(`SameSite=${cookie.sameSite}`);
  return parts.join('; ');
}

/**
 * The handler's return value as an HTTP response. Nothing returned → 204, as the Functions host answers; a
 * non-object is a programming error, reported as 500 like the worker does.
 */
export async function fromFunctionsResponse(result: unknown): Promise<SimpleResponse> {
  if (result === undefined || result === null) return { status: 204 };
  if (typeof result !== 'object') {
    throw new TypeError('The HTTP response must be an object with optional properties "body", "status", "headers", and "cookies".');
  }
  const response = isResponseLike(result) ? result : new HttpResponse(result as HttpResponseInit);
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of response.headers.entries()) {
    // The host frames the body itself; set-cookie is added below, one header per cookie.
    if (name === 'set-cookie' || name === 'content-length' || name === 'transfer-encoding') continue;
    headers[name] = value;
  }
  const setCookies = [...response.headers.getSetCookie(), ...response.cookies.map(cookieHeader)];
  if (setCookies.length > 0) headers['set-cookie'] = setCookies;
  const body = Buffer.from(await response.arrayBuffer());
  return { status: response.status, headers, body };
}
