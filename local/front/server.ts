/**
 * The front server of `npm start`: what the browser talks to. It plays App Service Authentication (`/.auth/*`) and
 * Microsoft Teams (`/local/teams*`), serves a landing page at `/`, and passes everything else to the local Functions
 * host with the signed-in user's principal headers, as Easy Auth does in Azure.
 */
import fs from 'node:fs';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type AuthContext, currentUser, handleAuth, redirectToSignIn } from './auth';
import { sendHtml, sendText } from './http';
import { landingPage } from './pages';
import { principalHeaders } from './principal';
import { createReverseProxy } from './proxy';
import { SessionStore } from './sessions';
import { handleTeams, TEAMS_BASE, type TeamsContext } from './teamsRoutes';
import { TeamsFaults, TeamsStore } from './teamsStore';
import type { FrontOptions, LocalUser, RunningFront } from './types';

export const DEFAULT_TITLE = 'driftwarden (local)';

export async function startFrontServer(options: FrontOptions): Promise<RunningFront> {
  checkUsers(options.users);
  const log = options.log ?? (() => undefined);
  const appTitle = options.title ?? DEFAULT_TITLE;
  fs.mkdirSync(options.dataDir, { recursive: true });
  const auth: AuthContext = { appTitle, users: options.users, sessions: new SessionStore(options.dataDir, log) };
  const store = new TeamsStore(options.dataDir, log);
  const teams: TeamsContext = { appTitle, store, faults: new TeamsFaults(), log, user: (req) => currentUser(auth, req) };
  const proxy = createReverseProxy(options.upstreamUrl, log);
  const signInRequired = options.signInRequiredPaths ?? [];
  let url = '';

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const target = req.url ?? '/';
    // Origin-form only; `new URL(base + path)` rather than `new URL(path, base)` so `//x` stays a path.
    if (!target.startsWith('/')) return sendText(res, 400, 'this server accepts origin-form request targets only (a path starting with /)');
    const parsed = new URL(`http://front.invalid${target}`);
    const path = parsed.pathname;
    const method = req.method ?? 'GET';
    const read = method === 'GET' || method === 'HEAD';
    if (path === '/.auth' || path.startsWith('/.auth/')) return handleAuth(auth, req, res, parsed);
    if (path === TEAMS_BASE || path.startsWith(`${TEAMS_BASE}/`)) return handleTeams(teams, req, res, parsed);
    const user = currentUser(auth, req);
    if (path === '/' && read) {
      return sendHtml(res, 200, landingPage({ appTitle, frontUrl: url, upstreamUrl: options.upstreamUrl, user, messageCount: store.all().length }));
    }
    // The Functions runtime's own endpoints (Durable management, Event Grid delivery) need system keys in Azure and
    // are not for browsers; the front never exposes them. The emulator reaches the host directly.
    if (/^\/(runtime\/webhooks|durabletask|admin)(\/|$)/i.test(path)) {
      return sendText(res, 404, 'not served here: the Functions runtime endpoints are not exposed to clients');
    }
    if (!user && read && wantsHtml(req) && signInRequired.some((prefix) => path.startsWith(prefix))) return redirectToSignIn(res, parsed);
    proxy.forward(req, res, `${path}${parsed.search}`, user ? principalHeaders(user) : undefined);
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      log(`front: ${req.method} ${req.url} failed: ${err instanceof Error ? err.message : String(err)}`);
      if (!res.headersSent) sendText(res, 500, 'the local front server failed on this request; see its log');
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.hostname ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  url = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
  log(`front: serving ${url} (Teams channel ${url}${TEAMS_BASE}, proxying to ${options.upstreamUrl})`);

  let closing: Promise<void> | undefined;
  return {
    url,
    messages: () => store.all(),
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Browsers hold keep-alive connections open; without this close() would wait for them to time out.
        server.closeAllConnections();
        proxy.close();
      });
      return closing;
    },
  };
}

function wantsHtml(req: IncomingMessage): boolean {
  return (req.headers.accept ?? '').includes('text/html');
}

function checkUsers(users: LocalUser[]): void {
  const seen = new Set<string>();
  for (const u of users) {
    if (!u.name || !u.objectId || !u.upn) throw new Error(`every local user needs name, objectId and upn (got ${JSON.stringify(u)})`);
    if (seen.has(u.name)) throw new Error(`two local users are named "${u.name}"`);
    seen.add(u.name);
  }
}
