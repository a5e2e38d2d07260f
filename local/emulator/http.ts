/**
 * Plain node http plumbing shared by the ARM, Key Vault and admin surfaces: reading a request once into a small
 * record, writing JSON, and paging lists the way Azure does (a `nextLink` that carries a `$skiptoken`).
 */
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { BodyTooLargeError, readBodyLimited } from '../httpBody';

export { BodyTooLargeError };

export interface EmulatorRequest {
  /** Upper-case HTTP method. */
  method: string;
  /** Full URL as the client addressed it (scheme, host and port of the listener that received it). */
  url: URL;
  /** Path with doubled slashes collapsed and no trailing slash (the SDKs send `//subscriptions/...` for scopes). */
  path: string;
  /** Decoded path segments. */
  segments: string[];
  /** True when the raw path ended with `/` (Key Vault's "latest version" form `GET /secrets/name/`). */
  trailingSlash: boolean;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: Buffer;
  remoteAddress: string;
  /** Epoch ms when the request arrived. */
  receivedAt: number;
}

/** Larger bodies are refused: nothing the emulated APIs accept comes close, and it bounds memory per request. */
const MAX_BODY_BYTES = 4 * 1024 * 1024;

export async function readRequest(req: IncomingMessage, origin: string): Promise<EmulatorRequest> {
  const body = await readBodyLimited(req, MAX_BODY_BYTES);
  // `new URL(base + path)`, not `new URL(path, base)`: a path starting with `//` would otherwise be read as a host.
  const url = new URL(origin + (req.url ?? '/'));
  const rawPath = url.pathname;
  const collapsed = rawPath.replace(/\/{2,}/g, '/');
  const trailingSlash = collapsed.length > 1 && collapsed.endsWith('/');
  const path = trailingSlash ? collapsed.slice(0, -1) : collapsed;
  const segments = path
    .split('/')
    .filter((s) => s.length > 0)
    .map((s) => safeDecode(s));
  return {
    method: (req.method ?? 'GET').toUpperCase(),
    url,
    path,
    segments,
    trailingSlash,
    query: url.searchParams,
    headers: req.headers,
    body,
    remoteAddress: req.socket.remoteAddress ?? '127.0.0.1',
    receivedAt: Date.now(),
  };
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

export function header(req: EmulatorRequest, name: string): string | undefined {
  const value = req.headers[name.toLowerCase()];
  if (Array.isArray(value)) return value[0];
  return value;
}

export type JsonParse = { ok: true; value: unknown } | { ok: false; message: string };

/** Parses the body as JSON; an empty body parses as `undefined`. */
export function parseJsonBody(req: EmulatorRequest): JsonParse {
  if (req.body.length === 0) return { ok: true, value: undefined };
  try {
    return { ok: true, value: JSON.parse(req.body.toString('utf8')) as unknown };
  } catch (err) {
    return { ok: false, message: (err as Error).message };
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body);
  const out: Record<string, string | number> = { ...headers, 'content-length': Buffer.byteLength(text) };
  if (text.length > 0 && out['content-type'] === undefined) out['content-type'] = 'application/json; charset=utf-8';
  res.writeHead(status, out);
  res.end(text);
}

export function sendEmpty(res: ServerResponse, status: number, headers: Record<string, string> = {}): void {
  res.writeHead(status, { ...headers, 'content-length': 0 });
  res.end();
}

export interface Page<T> {
  items: T[];
  /** Absolute URL of the next page, or undefined on the last page. */
  nextLink?: string;
}

/**
 * One page of `items`. The continuation is an opaque `$skiptoken` (base64url of the offset) appended to the request
 * URL with every other query parameter kept, so a client that follows `nextLink` verbatim gets the next page.
 */
export function pageOf<T>(req: EmulatorRequest, items: T[], pageSize: number): Page<T> {
  const token = req.query.get('$skiptoken');
  let offset = 0;
  if (token !== null) {
    const decoded = Number.parseInt(Buffer.from(token, 'base64url').toString('utf8'), 10);
    if (Number.isFinite(decoded) && decoded >= 0) offset = decoded;
  }
  const size = Math.max(1, pageSize);
  const slice = items.slice(offset, offset + size);
  if (offset + size >= items.length) return { items: slice };
  // Azure writes `$skiptoken` literally (URLSearchParams would escape the `$`); base64url needs no escaping.
  const next = new URL(req.url.toString());
  next.searchParams.delete('$skiptoken');
  const query = next.searchParams.toString();
  next.search = `${query}${query.length > 0 ? '&' : ''}$skiptoken=${Buffer.from(String(offset + size)).toString('base64url')}`;
  return { items: slice, nextLink: next.toString() };
}

/** Resolves after `ms` milliseconds, on a timer that does not keep the process alive. */
export function sleep(ms: number): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    timer.unref();
  });
}
