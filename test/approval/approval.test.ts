import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { approverFromAppServiceHeaders, type Jwks, verifyOidcToken } from '../../src/approval/approverIdentity';
import { authorizeApprover, type ApproverRule } from '../../src/approval/approverPolicy';
import { signLinkToken, verifyLinkToken } from '../../src/approval/linkToken';

const KEY = Buffer.from('0123456789abcdef0123456789abcdef');
const OLD_KEY = Buffer.from('fedcba9876543210fedcba9876543210');
const NOW = 1_796_300_000;

describe('approval link tokens', () => {
  const claims = { instanceId: 'nsg-abc', planHash: 'a'.repeat(64), exp: NOW + 3600, nonce: 'n-1' };
  const token = signLinkToken(claims, KEY);

  test('a genuine token for the current plan verifies', () => {
    expect(verifyLinkToken(token, { instanceId: 'nsg-abc', currentPlanHash: 'a'.repeat(64), nowSeconds: NOW }, [KEY])).toEqual({ ok: true, claims });
  });

  test('a rotated-out key is still accepted when listed', () => {
    const old = signLinkToken(claims, OLD_KEY);
    expect(verifyLinkToken(old, { instanceId: 'nsg-abc', nowSeconds: NOW }, [KEY, OLD_KEY]).ok).toBe(true);
    expect(verifyLinkToken(old, { instanceId: 'nsg-abc', nowSeconds: NOW }, [KEY])).toMatchObject({ ok: false, status: 401 });
  });

  test.each([
    ['forged', signLinkToken(claims, Buffer.from('x'.repeat(32))), 401, 'not issued by driftwarden'],
    ['tampered', token.replace(/\.([^.]+)\./, (_m, p: string) => `.${Buffer.from(Buffer.from(p, 'base64url').toString().replace('nsg-abc', 'nsg-abd')).toString('base64url')}.`), 401, 'not issued by driftwarden'],
    ['malformed', 'v1.garbage', 401, 'malformed'],
    ['another instance', signLinkToken({ ...claims, instanceId: 'nsg-other' }, KEY), 401, 'another remediation'],
    ['expired', signLinkToken({ ...claims, exp: NOW - 1 }, KEY), 401, 'expired'],
    ['stale plan', signLinkToken({ ...claims, planHash: 'b'.repeat(64) }, KEY), 409, 'resource changed'],
  ])('%s → %i', (_name, t, status, reason) => {
    const r = verifyLinkToken(t, { instanceId: 'nsg-abc', currentPlanHash: 'a'.repeat(64), nowSeconds: NOW }, [KEY]);
    expect(r).toMatchObject({ ok: false, status });
    expect(!r.ok && r.reason).toContain(reason);
  });
});

function jwt(privateKey: KeyObject, alg: 'RS256' | 'ES256', kid: string, payload: Record<string, unknown>): string {
  const h = Buffer.from(JSON.stringify({ alg, kid, typ: 'JWT' })).toString('base64url');
  const p = Buffer.from(JSON.stringify(payload)).toString('base64url');
  const s = sign('sha256', Buffer.from(`${h}.${p}`), alg === 'ES256' ? { key: privateKey, dsaEncoding: 'ieee-p1363' } : privateKey);
  return `${h}.${p}.${s.toString('base64url')}`;
}

describe('OIDC approver tokens', () => {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwks: Jwks = {
    keys: [
      { ...rsa.publicKey.export({ format: 'jwk' }), kid: 'rsa-1', use: 'sig' },
      { ...ec.publicKey.export({ format: 'jwk' }), kid: 'ec-1', use: 'sig' },
    ],
  };
  const settings = { issuers: ['https://login.microsoftonline.com/tenant-1/v2.0', 'https://contoso.okta.com/oauth2/default'], audiences: ['api://driftwarden'] };
  const entra = {
    iss: 'https://login.microsoftonline.com/tenant-1/v2.0',
    aud: 'api://driftwarden',
    exp: NOW + 600,
    nbf: NOW - 10,
    oid: '0a1b2c3d-1111-4a4a-8b8b-000000000001',
    preferred_username: 'alice@contoso.example',
    groups: ['7f3e2a10-5b6c-4d7e-8f90-a1b2c3d4e5f6'],
    roles: ['Driftwarden.Approver'],
  };

  test('an Entra ID token (RS256) yields the approver', () => {
    expect(verifyOidcToken(jwt(rsa.privateKey, 'RS256', 'rsa-1', entra), jwks, settings, NOW)).toEqual({
      ok: true,
      approver: {
        source: 'oidc',
        id: entra.oid,
        name: 'alice@contoso.example',
        issuer: entra.iss,
        groups: entra.groups,
        roles: ['Driftwarden.Approver'],
      },
    });
  });

  test('an Okta token (ES256, sub + email + group names) yields the approver', () => {
    const okta = { iss: 'https://contoso.okta.com/oauth2/default', aud: ['api://driftwarden'], exp: NOW + 600, sub: '00u1abcd', email: 'bob@contoso.example', groups: ['platform-security'] };
    const r = verifyOidcToken(jwt(ec.privateKey, 'ES256', 'ec-1', okta), jwks, settings, NOW);
    expect(r).toMatchObject({ ok: true, approver: { id: '00u1abcd', name: 'bob@contoso.example', groups: ['platform-security'], roles: [] } });
  });

  test.each([
    ['wrong issuer', { ...entra, iss: 'https://evil.example/' }, 'issuer "https://evil.example/" is not trusted'],
    ['wrong audience', { ...entra, aud: 'api://other' }, 'another audience'],
    ['expired', { ...entra, exp: NOW - 600 }, 'expired'],
    ['not yet valid', { ...entra, nbf: NOW + 600 }, 'not valid yet'],
  ])('%s is refused', (_n, payload, reason) => {
    const r = verifyOidcToken(jwt(rsa.privateKey, 'RS256', 'rsa-1', payload), jwks, settings, NOW);
    expect(r).toMatchObject({ ok: false, status: 401 });
    expect(!r.ok && r.reason).toContain(reason);
  });

  test('a token signed by another key, an unknown kid, alg none, or garbage is refused', () => {
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
    expect(verifyOidcToken(jwt(other.privateKey, 'RS256', 'rsa-1', entra), jwks, settings, NOW)).toMatchObject({ ok: false, reason: expect.stringContaining('signature') });
    expect(verifyOidcToken(jwt(rsa.privateKey, 'RS256', 'rsa-9', entra), jwks, settings, NOW)).toMatchObject({ ok: false, reason: expect.stringContaining('no signing key') });
    const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify(entra)).toString('base64url')}.`;
    expect(verifyOidcToken(none, jwks, settings, NOW)).toMatchObject({ ok: false, reason: expect.stringContaining('only RS256 and ES256') });
    expect(verifyOidcToken('not-a-jwt', jwks, settings, NOW)).toMatchObject({ ok: false, reason: 'the bearer token is not a JWT' });
  });
});

describe('App Service Authentication headers', () => {
  const principal = {
    auth_typ: 'aad',
    name_typ: 'preferred_username',
    role_typ: 'roles',
    claims: [
      { typ: 'preferred_username', val: 'carol@contoso.example' },
      { typ: 'groups', val: '7f3e2a10-5b6c-4d7e-8f90-a1b2c3d4e5f6' },
      { typ: 'roles', val: 'Driftwarden.Approver' },
    ],
  };
  const headers = (h: Record<string, string>) => ({ get: (n: string) => h[n.toLowerCase()] ?? null });

  test('the principal headers yield the approver', () => {
    const r = approverFromAppServiceHeaders(
      headers({
        'x-ms-client-principal-id': 'c0c0c0c0-0000-4000-8000-000000000003',
        'x-ms-client-principal-name': 'carol@contoso.example',
        'x-ms-client-principal': Buffer.from(JSON.stringify(principal)).toString('base64'),
      }),
    );
    expect(r).toEqual({
      ok: true,
      approver: {
        source: 'appServiceAuth',
        id: 'c0c0c0c0-0000-4000-8000-000000000003',
        name: 'carol@contoso.example',
        groups: ['7f3e2a10-5b6c-4d7e-8f90-a1b2c3d4e5f6'],
        roles: ['Driftwarden.Approver'],
      },
    });
  });

  test('missing or garbled headers are refused', () => {
    expect(approverFromAppServiceHeaders(headers({}))).toMatchObject({ ok: false, status: 401, reason: expect.stringContaining('sign in first') });
    expect(approverFromAppServiceHeaders(headers({ 'x-ms-client-principal-id': 'x', 'x-ms-client-principal': '%%%' }))).toMatchObject({ ok: false });
  });
});

describe('who may approve', () => {
  const sub = '/subscriptions/9c2f4e1a-7b3d-4a6e-8f05-2d1c6b9e7a34';
  const nsg = `${sub}/resourceGroups/rg-ml-workspace/providers/Microsoft.Network/networkSecurityGroups/nsg-ml-training`;
  const rules: ApproverRule[] = [
    { scope: sub, groups: ['7F3E2A105B6C4D7E8F90A1B2C3D4E5F6'] },
    { scope: `${sub}/resourceGroups/RG-ML-WORKSPACE`, users: ['D0D0D0D0-0000-4000-8000-000000000004'], roles: ['Driftwarden.Approver'] },
    { scope: `${sub}/resourceGroups/rg-other`, users: ['e0e0e0e0-0000-4000-8000-000000000005'] },
  ];
  const base = { source: 'oidc' as const, id: 'x', groups: [], roles: [] };

  test('a group at the subscription, a user or role at the resource group', () => {
    expect(authorizeApprover({ ...base, groups: ['7f3e2a10-5b6c-4d7e-8f90-a1b2c3d4e5f6'] }, nsg, rules)).toEqual({ ok: true, matched: `group 7F3E2A105B6C4D7E8F90A1B2C3D4E5F6 at ${sub}` });
    expect(authorizeApprover({ ...base, id: 'd0d0d0d0000040008000000000000004', name: 'dave@contoso.example' }, nsg, rules)).toMatchObject({ ok: true });
    // A name is never enough: a token whose email says "dave" but whose subject is someone else is refused.
    expect(authorizeApprover({ ...base, id: '00u-mallory', name: 'dave@contoso.example' }, nsg, rules)).toMatchObject({ ok: false, status: 403 });
    expect(authorizeApprover({ ...base, roles: ['Driftwarden.Approver'] }, nsg, rules)).toMatchObject({ ok: true });
  });

  test('an approver for another resource group, or nobody configured, is refused with 403', () => {
    expect(authorizeApprover({ ...base, id: 'e0e0e0e0-0000-4000-8000-000000000005', name: 'eve@contoso.example' }, nsg, rules)).toMatchObject({ ok: false, status: 403, reason: expect.stringContaining('eve@contoso.example is not an approver') });
    expect(authorizeApprover({ ...base, id: 'd0d0d0d0-0000-4000-8000-000000000004' }, '/subscriptions/other/resourceGroups/x', rules)).toMatchObject({
      ok: false,
      status: 403,
      reason: expect.stringContaining('no approvers are configured'),
    });
  });
});
