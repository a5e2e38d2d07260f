import { approverFromAppServiceHeaders } from '../../src/approval/approverIdentity';
import type { RunningFront } from '../../local/front';
import { closedPort, type Echo, request, signIn, startEchoUpstream, removeTempDirs, startFront, tempDir, USERS } from './helpers';

afterAll(removeTempDirs);

const SPOOFED = {
  'x-ms-client-principal': Buffer.from(JSON.stringify({ claims: [{ typ: 'roles', val: 'Driftwarden.Approver' }] })).toString('base64'),
  'x-ms-client-principal-id': 'attacker-oid',
  'x-ms-client-principal-name': 'mallory@evil.example',
  'x-ms-client-principal-idp': 'aad',
  'x-ms-token-aad-id-token': 'forged',
};

function headerGetter(headers: Record<string, string | string[] | undefined>) {
  return { get: (name: string) => [headers[name.toLowerCase()] ?? []].flat()[0] ?? null };
}

describe('front server: reverse proxy', () => {
  let upstream: Awaited<ReturnType<typeof startEchoUpstream>>;
  let front: RunningFront;

  beforeAll(async () => {
    upstream = await startEchoUpstream();
    front = await startFront({ upstreamUrl: upstream.url, dataDir: tempDir() });
  });
  afterAll(async () => {
    await front.close();
    await upstream.close();
  });

  test('GET with a query string reaches the host with the same path, query and forwarding headers', async () => {
    const reply = await request(`${front.url}/api/approvals/abc?t=tok%2Bx&intent=approve`, { headers: { accept: 'text/html', 'x-custom': 'kept' } });
    expect(reply.status).toBe(200);
    const echo = JSON.parse(reply.body) as Echo;
    expect(echo.method).toBe('GET');
    expect(echo.url).toBe('/api/approvals/abc?t=tok%2Bx&intent=approve');
    expect(echo.headers['x-custom']).toBe('kept');
    expect(echo.headers.accept).toBe('text/html');
    expect(echo.headers.host).toBe(new URL(upstream.url).host);
    expect(echo.headers['x-forwarded-host']).toBe(new URL(front.url).host);
    expect(echo.headers['x-forwarded-proto']).toBe('http');
    expect(echo.headers.connection).not.toBe('close'); // hop-by-hop: the client's choice is not forwarded
  });

  test('POST bodies are streamed through unchanged, large ones too', async () => {
    const form = 't=abc.def&decision=approve';
    const echo = JSON.parse((await request(`${front.url}/api/approvals/x/decision`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form })).body) as Echo;
    expect(echo.method).toBe('POST');
    expect(echo.body).toBe(form);
    expect(echo.headers['content-type']).toBe('application/x-www-form-urlencoded');

    const big = 'x'.repeat(3 * 1024 * 1024);
    const bigEcho = JSON.parse((await request(`${front.url}/api/events?code=k`, { method: 'POST', body: big })).body) as Echo;
    expect(bigEcho.body.length).toBe(big.length);
    expect(bigEcho.url).toBe('/api/events?code=k');
    // The Functions runtime's own endpoints are never exposed through the front.
    for (const path of ['/runtime/webhooks/eventgrid?functionName=driftIntake', '/runtime/webhooks/durabletask/instances/x', '/durabletask/instances/x', '/admin/host/status']) {
      expect((await request(`${front.url}${path}`, { method: 'GET' })).status).toBe(404);
    }
  });

  test('the upstream status and headers come back, every set-cookie included', async () => {
    const reply = await request(`${front.url}/status/409`, { method: 'DELETE' });
    expect(reply.status).toBe(409);
    expect(reply.headers['x-upstream']).toBe('yes');
    expect(reply.headers['set-cookie']).toEqual(['a=1; Path=/', 'b=2; Path=/']);
    expect((JSON.parse(reply.body) as Echo).method).toBe('DELETE');
  });

  test('spoofed principal headers from an anonymous client never reach the host', async () => {
    const echo = JSON.parse((await request(`${front.url}/api/approvals/x/decision`, { method: 'POST', headers: SPOOFED, body: '' })).body) as Echo;
    for (const name of Object.keys(SPOOFED)) expect(echo.headers[name]).toBeUndefined();
    expect(approverFromAppServiceHeaders(headerGetter(echo.headers))).toMatchObject({ ok: false, status: 401 });
  });

  test('a signed-in session replaces spoofed principal headers with its own user', async () => {
    const cookie = await signIn(front, 'carol');
    const echo = JSON.parse((await request(`${front.url}/api/whoami`, { headers: { ...SPOOFED, cookie } })).body) as Echo;
    expect(echo.headers['x-ms-client-principal-id']).toBe(USERS[0]!.objectId);
    expect(echo.headers['x-ms-client-principal-name']).toBe('carol@contoso.example');
    expect(echo.headers['x-ms-client-principal-idp']).toBe('aad');
    expect(echo.headers['x-ms-token-aad-id-token']).toBeUndefined();
    const principal = JSON.parse(Buffer.from(String(echo.headers['x-ms-client-principal']), 'base64').toString('utf8'));
    expect(principal).toEqual({
      auth_typ: 'aad',
      name_typ: 'preferred_username',
      role_typ: 'roles',
      claims: [
        { typ: 'preferred_username', val: 'carol@contoso.example' },
        { typ: 'name', val: 'Carol Approver' },
        { typ: 'http://schemas.microsoft.com/identity/claims/objectidentifier', val: USERS[0]!.objectId },
        { typ: 'groups', val: '9d1b7c2e-1111-4000-8000-00000000000a' },
        { typ: 'groups', val: 'netops' },
        { typ: 'roles', val: 'Driftwarden.Approver' },
      ],
    });
  });

  test('round trip: the product reads the injected headers as the signed-in user', async () => {
    const cookie = await signIn(front, 'carol');
    const echo = JSON.parse((await request(`${front.url}/api/x`, { headers: { cookie } })).body) as Echo;
    expect(approverFromAppServiceHeaders(headerGetter(echo.headers))).toEqual({
      ok: true,
      approver: {
        source: 'appServiceAuth',
        id: USERS[0]!.objectId,
        name: 'carol@contoso.example',
        groups: ['9d1b7c2e-1111-4000-8000-00000000000a', 'netops'],
        roles: ['Driftwarden.Approver'],
      },
    });
    const dave = await signIn(front, 'dave');
    const daveEcho = JSON.parse((await request(`${front.url}/api/x`, { headers: { cookie: dave } })).body) as Echo;
    expect(approverFromAppServiceHeaders(headerGetter(daveEcho.headers))).toEqual({
      ok: true,
      approver: { source: 'appServiceAuth', id: USERS[1]!.objectId, name: 'dave@contoso.example', groups: [], roles: [] },
    });
  });

  test('a path the front routed is the path upstream sees (dot segments resolved)', async () => {
    const echo = JSON.parse((await request(`${front.url}/local/../api/x?q=1`)).body) as Echo;
    expect(echo.url).toBe('/api/x?q=1');
  });
});

describe('front server: upstream down', () => {
  test('answers 502 with a plain message', async () => {
    const front = await startFront({ upstreamUrl: `http://127.0.0.1:${await closedPort()}`, dataDir: tempDir() });
    try {
      const reply = await request(`${front.url}/api/approvals/x`);
      expect(reply.status).toBe(502);
      expect(reply.headers['content-type']).toMatch(/^text\/plain/);
      expect(reply.body).toMatch(/local Functions host .* did not answer/);
      // The front's own pages still work.
      expect((await request(`${front.url}/local/teams/messages`)).status).toBe(200);
    } finally {
      await front.close();
    }
  });
});
