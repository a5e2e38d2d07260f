/** The host's small HTTP plumbing: one parsed request record and one response shape for every surface it serves. */
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { BodyTooLargeError, readBodyLimited } from '../httpBody';

export { BodyTooLargeError };

export interface ParsedRequest {
  /** Upper-case. */
  method: string;
  /** Absolute URL as the client addressed this listener. */
  url: URL;
  /** Decoded, non-empty path segments. */
  segments: string[];
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface SimpleResponse {
  status: number;
  headers?: Record<string, string | string[]>;
  /** Serialized as JSON with `content-type: application/json; charset=utf-8`. */
  json?: unknown;
  body?: string | Buffer;
}

/** Big enough for any Event Grid batch (1 MB) or approval form; bounds memory per request. */
export const MAX_BODY_BYTES = 10 * 1024 * 1024;

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

export async function readRequest(req: IncomingMessage, origin: string): Promise<ParsedRequest> {
  const body = await readBodyLimited(req, MAX_BODY_BYTES);
  // origin + path, not new URL(path, origin): a path starting with `//` would otherwise be read as a host name.
  const url = new URL(origin + (req.url ?? '/'));
  const segments = url.pathname
    .split('/')
    .filter((s) => s.length > 0)
    .map(decodeSegment);
  return {
    method: (req.method ?? 'GET').toUpperCase(),
    url,
    segments,
    headers: req.headers,
    body,
  };
}

export function header(req: ParsedRequest, name: string): string | undefined {
  const value = req.headers[name.toLowerCase()];
  return Array.isArray(value) ? value.join(', ') : value;
}

export function sendResponse(res: ServerResponse, response: SimpleResponse): void {
  const headers: Record<string, string | string[]> = { ...(response.headers ?? {}) };
  let body: Buffer | undefined;
  if (response.json !== undefined) {
    body = Buffer.from(JSON.stringify(response.json));
    if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json; charset=utf-8';
  } else if (response.body !== undefined) {
    body = typeof response.body === 'string' ? Buffer.from(response.body) : response.body;
    if (typeof response.body === 'string' && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) {
      headers['content-type'] = 'text/plain; charset=utf-8';
    }
  }
  headers['content-length'] = String(body?.length ?? 0);
  res.writeHead(response.status, headers);
  res.end(body);
}

export function textResponse(status: number, text: string): SimpleResponse {
  return { status, body: text };
}

/** The error body ASP.NET's `CreateErrorResponse` produces, which the Durable extension uses. */
export function messageResponse(status: number, message: string): SimpleResponse {
  return { status, json: { Message: message } };
}
