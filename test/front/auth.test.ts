import fs from 'node:fs';
import path from 'node:path';
import { safeRedirectPath, SESSIONS_FILE, type RunningFront } from '../../local/front';
import { type Echo, postForm, request, signIn, startEchoUpstream, removeTempDirs, startFront, tempDir, USERS } from './helpers';

afterAll(removeTempDirs);

describe('front server: App Service Authentication emulation', () => {
  let upstream: Awaited<ReturnType<typeof startEchoUpstream>>;
  let front: RunningFront;
  let dataDir: string;

  beforeAll(async () => {
    upstream = await startEchoUpstream();
    dataDir = tempDir();
    front = await startFront({ upstreamUrl: upstream.url, dataDir, signInRequiredPaths: ['/api/approvals/'] });
  });
  afterAll(async () => {
    await front.close();
    await upstream.close();
  });

  test('the sign-in page lists the local users as buttons and says there is no password', async () => {
    const reply = await request(`${front.url}/.auth/login/aad?post_login_redirect_uri=%2Fapi%2Fapprovals%2Fx%3Ft%3D1`);
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toMatch(/^text\/html/);
    expect(reply.body).toContain('no password');
    expect(reply.body).toContain('<form class="users" method="post" action="/.auth/login/aad">');
    expect(reply.body).toContain('name="post_login_redirect_uri" value="/api/approvals/x?t=1"');
    for (const u of USERS) {
      expect(reply.body).toContain(`name="user" value="${u.name}" data-user="${u.name}"`);
      expect(reply.body).toContain(u.upn);
    }
  });

  test('signing in sets an HttpOnly SameSite=Lax session cookie and redirects to the page asked for', async () => {
    const reply = await postForm(`${front.url}/.auth/login/aad`, { user: 'carol', post_login_redirect_uri: '/api/approvals/x?t=1&intent=approve' });
    expect(reply.status).toBe(302);
    expect(reply.headers.location).toBe('/api/approvals/x?t=1&intent=approve');
    const cookie = [reply.headers['set-cookie'] ?? []].flat()[0]!;
    expect(cookie).toMatch(/^AppServiceAuthSession=[A-Za-z0-9_-]{40,}; Path=\/; HttpOnly; SameSite=Lax$/);
    // Each sign-in gets a fresh random id.
    const again = [(await postForm(`${front.url}/.auth/login/aad`, { user: 'carol' })).headers['set-cookie'] ?? []].flat()[0]!;
    expect(again.split(';')[0]).not.toBe(cookie.split(';')[0]);
  });

  test.each([
    ['https://evil.example/phish'],
    ['//evil.example/phish'],
    ['/\\evil.example/phish'],
    ['javascript:alert(1)'],
    ['/ok\r\nset-cookie: x=1'],
    [''],
  ])('an off-site redirect (%j) goes to / instead', async (target) => {
    const reply = await postForm(`${front.url}/.auth/login/aad`, { user: 'dave', post_login_redirect_uri: target });
    expect(reply.status).toBe(302);
    expect(reply.headers.location).toBe('/');
  });

  test('safeRedirectPath keeps same-origin paths only', () => {
    expect(safeRedirectPath('/local/teams')).toBe('/local/teams');
    expect(safeRedirectPath('/a/../b?x=1#h')).toBe('/b?x=1#h');
    expect(safeRedirectPath('http://127.0.0.1/')).toBe('/');
    expect(safeRedirectPath('///evil.example')).toBe('/');
    expect(safeRedirectPath(null)).toBe('/');
  });

  test('an unknown user, a cross-site post and a wrong method are refused', async () => {
    const unknown = await postForm(`${front.url}/.auth/login/aad`, { user: 'mallory' });
    expect(unknown.status).toBe(400);
    expect(unknown.body).toContain('There is no local user named &quot;mallory&quot;.');
    expect(unknown.headers['set-cookie']).toBeUndefined();
    const crossSite = await postForm(`${front.url}/.auth/login/aad`, { user: 'carol' }, { origin: 'https://evil.example' });
    expect(crossSite.status).toBe(403);
    expect(crossSite.headers['set-cookie']).toBeUndefined();
    expect((await postForm(`${front.url}/.auth/login/aad`, { user: 'carol' }, { 'sec-fetch-site': 'cross-site', origin: 'null' })).status).toBe(403);
    // Same-origin posts from a no-referrer page carry `Origin: null`; browsers also say `Sec-Fetch-Site: same-origin`.
    expect((await postForm(`${front.url}/.auth/login/aad`, { user: 'carol' }, { 'sec-fetch-site': 'same-origin', origin: 'null' })).status).toBe(302);
    expect((await postForm(`${front.url}/.auth/login/aad`, { user: 'carol' }, { origin: front.url })).status).toBe(302);
    expect((await request(`${front.url}/.auth/login/aad`, { method: 'PUT' })).status).toBe(405);
    expect((await request(`${front.url}/.auth/refresh`)).status).toBe(404);
  });

  test('/.auth/me: [] when anonymous, the principal like Easy Auth when signed in', async () => {
    const anonymous = await request(`${front.url}/.auth/me`);
    expect(anonymous.status).toBe(200);
    expect(JSON.parse(anonymous.body)).toEqual([]);
    expect(JSON.parse((await request(`${front.url}/.auth/me`, { headers: { cookie: 'AppServiceAuthSession=made-up' } })).body)).toEqual([]);

    const cookie = await signIn(front, 'carol');
    const me = JSON.parse((await request(`${front.url}/.auth/me`, { headers: { cookie } })).body);
    expect(me).toHaveLength(1);
    expect(me[0]).toMatchObject({ provider_name: 'aad', user_id: 'carol@contoso.example' });
    expect(me[0].user_claims).toEqual(
      expect.arrayContaining([
        { typ: 'preferred_username', val: 'carol@contoso.example' },
        { typ: 'http://schemas.microsoft.com/identity/claims/objectidentifier', val: USERS[0]!.objectId },
        { typ: 'groups', val: 'netops' },
        { typ: 'roles', val: 'Driftwarden.Approver' },
      ]),
    );
  });

  test('logout ends the session, clears the cookie and redirects', async () => {
    const cookie = await signIn(front, 'dave');
    const reply = await request(`${front.url}/.auth/logout?post_logout_redirect_uri=%2Flocal%2Fteams`, { headers: { cookie } });
    expect(reply.status).toBe(302);
    expect(reply.headers.location).toBe('/local/teams');
    expect([reply.headers['set-cookie'] ?? []].flat()[0]).toMatch(/^AppServiceAuthSession=; Path=\/; HttpOnly; SameSite=Lax; Max-Age=0$/);
    // The old cookie is worthless now, for /.auth/me and for the proxy.
    expect(JSON.parse((await request(`${front.url}/.auth/me`, { headers: { cookie } })).body)).toEqual([]);
    const echo = JSON.parse((await request(`${front.url}/api/x`, { headers: { cookie } })).body) as Echo;
    expect(echo.headers['x-ms-client-principal-id']).toBeUndefined();
    expect((await request(`${front.url}/.auth/logout`)).headers.location).toBe('/');
  });

  test('an anonymous page load under a sign-in-required path goes to the sign-in page first', async () => {
    const page = await request(`${front.url}/api/approvals/abc?t=1&intent=approve`, { headers: { accept: 'text/html,application/xhtml+xml' } });
    expect(page.status).toBe(302);
    expect(page.headers.location).toBe('/.auth/login/aad?post_login_redirect_uri=%2Fapi%2Fapprovals%2Fabc%3Ft%3D1%26intent%3Dapprove');
    // Scripts and form posts are passed through; the product answers them (401 without a principal).
    expect((await request(`${front.url}/api/approvals/abc`, { headers: { accept: 'application/json' } })).status).toBe(200);
    expect((await request(`${front.url}/api/approvals/abc/decision`, { method: 'POST', headers: { accept: 'text/html' }, body: 'x' })).status).toBe(200);
    const cookie = await signIn(front, 'carol');
    expect((await request(`${front.url}/api/approvals/abc`, { headers: { accept: 'text/html', cookie } })).status).toBe(200);
  });

  test('sessions survive a restart on the same data folder, and the file holds no usable session id', async () => {
    const cookie = await signIn(front, 'carol');
    const id = cookie.split('=')[1]!;
    const stored = fs.readFileSync(path.join(dataDir, SESSIONS_FILE), 'utf8');
    expect(stored).not.toContain(id);

    const second = await startFront({ upstreamUrl: upstream.url, dataDir });
    try {
      expect(JSON.parse((await request(`${second.url}/.auth/me`, { headers: { cookie } })).body)[0].user_id).toBe('carol@contoso.example');
    } finally {
      await second.close();
    }
    // A user no longer configured is signed out.
    const withoutCarol = await startFront({ upstreamUrl: upstream.url, dataDir, users: USERS.slice(1) });
    try {
      expect(JSON.parse((await request(`${withoutCarol.url}/.auth/me`, { headers: { cookie } })).body)).toEqual([]);
    } finally {
      await withoutCarol.close();
    }
  });

  test('a broken sessions file costs a sign-in, not a start', async () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, SESSIONS_FILE), '{not json');
    const logs: string[] = [];
    const broken = await startFront({ upstreamUrl: upstream.url, dataDir: dir, log: (m) => logs.push(m) });
    try {
      expect(logs.join('\n')).toContain('ignoring unreadable');
      expect(JSON.parse((await request(`${broken.url}/.auth/me`)).body)).toEqual([]);
    } finally {
      await broken.close();
    }
  });

  test('invalid user lists are refused at start', async () => {
    await expect(startFront({ upstreamUrl: upstream.url, dataDir: tempDir(), users: [USERS[0]!, USERS[0]!] })).rejects.toThrow(/two local users are named "carol"/);
  });
});
