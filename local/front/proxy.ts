/**
 * The reverse proxy to the local Functions host: same method, path and query, headers minus hop-by-hop ones and
 * minus any identity header the client sent, plus the identity of the signed-in session; bodies are streamed both
 * ways. An upstream that does not answer gets a plain 502, as App Service's front end gives.
 */
import http, { type IncomingHttpHeaders, type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';
import { sendText } from './http';
import { withoutIdentityHeaders } from './principal';

/** RFC 9110 §7.6.1 connection-specific headers, plus `expect` (Node answers 100-continue itself on this hop). */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'expect']);

export interface ReverseProxy {
  /** `path`: the path and query as the front routed it (dot segments resolved), so upstream sees what was matched. */
  forward(req: IncomingMessage, res: ServerResponse, path: string, identity: Record<string, string> | undefined): void;
  close(): void;
}

export function createReverseProxy(upstreamUrl: string, log: (message: string) => void): ReverseProxy {
  const upstream = new URL(upstreamUrl);
  if (upstream.protocol !== 'http:') throw new Error(`upstreamUrl must be an http:// URL (the local Functions host); got ${upstreamUrl}`);
  const prefix = upstream.pathname.replace(/\/+$/, '');
  // Keep-alive to the host: a browser page load is many small requests, and the host is on the same machine.
  const agent = new http.Agent({ keepAlive: true });

  function forward(req: IncomingMessage, res: ServerResponse, path: string, identity: Record<string, string> | undefined): void {
    const headers: OutgoingHttpHeaders = {
      ...withoutHopByHop(withoutIdentityHeaders(req.headers)),
      host: upstream.host,
      'x-forwarded-host': req.headers.host ?? upstream.host,
      'x-forwarded-proto': 'http',
      // The front is the edge: what a client claims in x-forwarded-for is not passed on.
      'x-forwarded-for': req.socket.remoteAddress ?? 'unknown',
      ...(identity ?? {}),
    };
    const upstreamReq = http.request({ hostname: upstream.hostname, port: upstream.port, path: `${prefix}${path}`, method: req.method, headers, agent });
    upstreamReq.on('response', (upstreamRes) => {
      res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.statusMessage, withoutHopByHop(upstreamRes.headers) as OutgoingHttpHeaders);
      upstreamRes.pipe(res);
      upstreamRes.on('error', () => res.destroy());
    });
    upstreamReq.on('error', (err: NodeJS.ErrnoException) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      log(`proxy: ${req.method} ${path} → ${upstream.origin}: ${err.code ?? err.message}`);
      sendText(res, 502, `Bad gateway: the local Functions host at ${upstream.origin} did not answer (${err.code ?? err.message}). Is it running?`);
    });
    // A browser that goes away must not leave the upstream request running.
    res.on('close', () => {
      if (!res.writableFinished) upstreamReq.destroy();
    });
    req.pipe(upstreamReq);
  }

  return { forward, close: () => agent.destroy() };
}

function withoutHopByHop(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const named = new Set(
    String(headers.connection ?? '')
      .split(',')
      .map((h) => h.trim().toLowerCase())
      .filter((h) => h !== ''),
  );
  const out: IncomingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !HOP_BY_HOP.has(name) && !named.has(name)) out[name] = value;
  }
  return out;
}
