/**
 * App Service Authentication ("Easy Auth") as the browser sees it, under the paths the real one uses:
 * `/.auth/login/aad`, `/.auth/logout`, `/.auth/me`. Signing in picks a configured local user (no password: local
 * demo) and sets the session cookie; the proxy turns that session into principal headers.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseCookies, readBody, redirect, sameSiteRequest, sendHtml, sendJson, sendText } from './http';
import { signInPage } from './pages';
import { authMeDocument } from './principal';
import { SESSION_COOKIE, type SessionStore } from './sessions';
import type { LocalUser } from './types';

export const LOGIN_PATH = '/.auth/login/aad';

export interface AuthContext {
  appTitle: string;
  users: LocalUser[];
  sessions: SessionStore;
}

/** The signed-in user of this request, if its session is live and names a configured user. */
export function currentUser(ctx: AuthContext, req: IncomingMessage): LocalUser | undefined {
  const name = ctx.sessions.userOf(parseCookies(req.headers.cookie).get(SESSION_COOKIE));
  return name === undefined ? undefined : ctx.users.find((u) => u.name === name);
}

export function loginUrl(redirectTo: string): string {
  return `${LOGIN_PATH}?post_login_redirect_uri=${encodeURIComponent(redirectTo)}`;
}

/**
 * A redirect target we are willing to send the browser to: a path on this origin. Absolute URLs, scheme-relative
 * `//host` and `/\host` (which browsers read as `//host`) and control characters all become `/`, so the sign-in
 * flow cannot be used as an open redirect.
 */
export function safeRedirectPath(value: string | null | undefined): string {
  if (!value || !value.startsWith('/') || value.startsWith('//')) return '/';
  if ([...value].some((c) => c === '\\' || c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f)) return '/';
  const base = 'http://front.invalid';
  let url: URL;
  try {
    url = new URL(value, base);
  } catch {
    return '/';
  }
  return url.origin === base ? `${url.pathname}${url.search}${url.hash}` : '/';
}

export async function handleAuth(ctx: AuthContext, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const method = req.method ?? 'GET';
  const read = method === 'GET' || method === 'HEAD';
  switch (url.pathname) {
    case LOGIN_PATH:
      if (read) return sendHtml(res, 200, signInPage({ appTitle: ctx.appTitle, users: ctx.users, user: currentUser(ctx, req), redirectTo: safeRedirectPath(url.searchParams.get('post_login_redirect_uri')) }));
      if (method === 'POST') return signIn(ctx, req, res);
      return sendText(res, 405, `${method} is not allowed on ${LOGIN_PATH}`, { allow: 'GET, HEAD, POST' });
    case '/.auth/logout':
      if (!read) return sendText(res, 405, `${method} is not allowed on /.auth/logout`, { allow: 'GET, HEAD' });
      ctx.sessions.delete(parseCookies(req.headers.cookie).get(SESSION_COOKIE));
      return redirect(res, safeRedirectPath(url.searchParams.get('post_logout_redirect_uri')), { 'set-cookie': sessionCookie('', 0) });
    case '/.auth/me':
      if (!read) return sendText(res, 405, `${method} is not allowed on /.auth/me`, { allow: 'GET, HEAD' });
      return sendJson(res, 200, authMeDocument(currentUser(ctx, req)));
    default:
      // In Azure, Easy Auth owns every /.auth path; none of them reaches the app.
      return sendText(res, 404, `${url.pathname} is not served by the local App Service Authentication (it serves ${LOGIN_PATH}, /.auth/logout and /.auth/me)`);
  }
}

async function signIn(ctx: AuthContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (!sameSiteRequest(req)) return sendText(res, 403, 'sign-in refused: the form was posted from another site');
  const form = new URLSearchParams((await readBody(req)).toString('utf8'));
  const redirectTo = safeRedirectPath(form.get('post_login_redirect_uri'));
  const name = form.get('user') ?? '';
  const user = ctx.users.find((u) => u.name === name);
  if (!user) {
    const error = name ? `There is no local user named "${name}".` : 'Choose a user to sign in as.';
    return sendHtml(res, 400, signInPage({ appTitle: ctx.appTitle, users: ctx.users, user: currentUser(ctx, req), redirectTo, error }));
  }
  // A fresh id on every sign-in (and the old session ended), so a session id set before sign-in is never reused.
  ctx.sessions.delete(parseCookies(req.headers.cookie).get(SESSION_COOKIE));
  const id = ctx.sessions.create(user.name);
  redirect(res, redirectTo, { 'set-cookie': sessionCookie(id) });
}

function sessionCookie(value: string, maxAgeSeconds?: number): string {
  return `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Lax${maxAgeSeconds === undefined ? '' : `; Max-Age=${maxAgeSeconds}`}`;
}

/** Easy Auth's "redirect to login" for anonymous page loads: come back to the same path afterwards. */
export function redirectToSignIn(res: ServerResponse, url: URL): void {
  redirect(res, loginUrl(safeRedirectPath(`${url.pathname}${url.search}`)));
}
