/** Small HTTP plumbing for the front's own routes (the proxy streams and never buffers). */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { BodyTooLargeError, readBodyLimited } from '../httpBody';

export { BodyTooLargeError };

/** The front's own routes take small forms and Teams messages; this bounds memory per request. */
export const MAX_OWN_BODY_BYTES = 1024 * 1024;

export function readBody(req: IncomingMessage, limit = MAX_OWN_BODY_BYTES): Promise<Buffer> {
  return readBodyLimited(req, limit);
}

/** Our pages hold no scripts; this CSP keeps it that way even if escaping ever failed somewhere. */
const PAGE_HEADERS = {
  'cache-control': 'no-store',
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
  // Same-origin, not no-referrer: with no-referrer browsers post forms with `Origin: null`.
  'referrer-policy': 'same-origin',
  'x-content-type-options': 'nosniff',
};

export function send(res: ServerResponse, status: number, body: string | Buffer, headers: Record<string, string | string[]> = {}): void {
  const buffer = typeof body === 'string' ? Buffer.from(body) : body;
  res.writeHead(status, { 'content-length': String(buffer.length), ...headers });
  res.end(buffer);
}

export function sendHtml(res: ServerResponse, status: number, html: string, headers: Record<string, string | string[]> = {}): void {
  send(res, status, html, { ...PAGE_HEADERS, 'content-type': 'text/html; charset=utf-8', ...headers });
}

export function sendJson(res: ServerResponse, status: number, value: unknown, headers: Record<string, string | string[]> = {}): void {
  send(res, status, JSON.stringify(value), { 'cache-control': 'no-store', 'content-type': 'application/json; charset=utf-8', ...headers });
}

export function sendText(res: ServerResponse, status: number, text: string, headers: Record<string, string | string[]> = {}): void {
  send(res, status, `${text}\n`, { 'cache-control': 'no-store', 'content-type': 'text/plain; charset=utf-8', ...headers });
}

export function redirect(res: ServerResponse, location: string, headers: Record<string, string | string[]> = {}): void {
  send(res, 302, '', { location, 'cache-control': 'no-store', ...headers });
}

export function parseCookies(header: string | undefined): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    // First occurrence wins, as browsers send the most specific cookie first.
    if (!cookies.has(name)) cookies.set(name, part.slice(eq + 1).trim());
  }
  return cookies;
}

/**
 * False for a form posted from another site (login CSRF). Browsers send `Sec-Fetch-Site`; older ones only `Origin`,
 * which is `null` under a no-referrer policy even for same-origin posts, so `null` alone is not taken as cross-site.
 */
export function sameSiteRequest(req: IncomingMessage): boolean {
  const site = req.headers['sec-fetch-site'];
  if (typeof site === 'string') return site === 'same-origin' || site === 'none';
  const origin = req.headers.origin;
  if (origin === undefined || origin === 'null') return true;
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}
