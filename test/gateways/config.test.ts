import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadAppConfig } from '../../src/app/config';
import { JwksProvider } from '../../src/gateways/oidc/jwksProvider';

describe('app configuration', () => {
  test('defaults: Azure, the default policy, OIDC approvers only (principal headers are never trusted by default), no signing key', () => {
    const c = loadAppConfig({});
    expect(c.azure).toMatchObject({ target: 'azure', armEndpoint: 'https://management.azure.com' });
    expect(c.policy.source).toBe('default policy');
    expect(c.approverAuth).toEqual({ appServiceHeaders: false });
    expect(loadAppConfig({ WEBSITE_HOSTNAME: 'dw.azurewebsites.net', DRIFTWARDEN_OIDC_ISSUERS: 'https://i', DRIFTWARDEN_OIDC_AUDIENCES: 'api://dw' }).approverAuth.appServiceHeaders).toBe(false);
  });

  test('App Service principal headers are trusted only when asked for and App Service Authentication is on', () => {
    expect(loadAppConfig({ DRIFTWARDEN_APPROVER_AUTH: 'appServiceHeaders', WEBSITE_AUTH_ENABLED: 'True' }).approverAuth.appServiceHeaders).toBe(true);
    expect(() => loadAppConfig({ DRIFTWARDEN_APPROVER_AUTH: 'appServiceHeaders', WEBSITE_AUTH_ENABLED: 'False' })).toThrow(/App Service Authentication is not enabled/);
    expect(() => loadAppConfig({ DRIFTWARDEN_APPROVER_AUTH: 'oidc,appServiceHeaders' })).toThrow(/WEBSITE_AUTH_ENABLED is not True/);
    const c = loadAppConfig({});
    expect(c.signingKeys).toEqual([]);
    expect(c.publicUrl).toBe('http://localhost:7071');
    expect(loadAppConfig({ WEBSITE_HOSTNAME: 'dw.azurewebsites.net' }).publicUrl).toBe('https://dw.azurewebsites.net');
  });

  test('errors name the setting and never echo a secret', () => {
    expect(() => loadAppConfig({ DRIFTWARDEN_APPROVAL_SIGNING_KEY: 'short-secret' })).toThrow('DRIFTWARDEN_APPROVAL_SIGNING_KEY must be at least 32 bytes');
    try {
      loadAppConfig({ DRIFTWARDEN_APPROVAL_SIGNING_KEY: 'short-secret' });
    } catch (err) {
      expect((err as Error).message).not.toContain('short-secret');
    }
    expect(() => loadAppConfig({ DRIFTWARDEN_AZURE_TARGET: 'moon' })).toThrow('DRIFTWARDEN_AZURE_TARGET must be "azure" or "emulator" (got "moon")');
    expect(() => loadAppConfig({ DRIFTWARDEN_AZURE_TARGET: 'emulator', DRIFTWARDEN_ARM_ENDPOINT: 'http://127.0.0.1:1' })).toThrow(/must be the emulator's https:\/\/ URL/);
    expect(() => loadAppConfig({ DRIFTWARDEN_APPROVER_AUTH: 'basic' })).toThrow('DRIFTWARDEN_APPROVER_AUTH must list "oidc" and/or "appServiceHeaders" (got "basic")');
    expect(() => loadAppConfig({ DRIFTWARDEN_OIDC_ISSUERS: 'https://login.microsoftonline.com/t/v2.0' })).toThrow(/DRIFTWARDEN_OIDC_AUDIENCES must name the audience/);
    expect(() => loadAppConfig({ DRIFTWARDEN_POLICY_FILE: '/nonexistent/p.yaml' })).toThrow('DRIFTWARDEN_POLICY_FILE cannot be read (ENOENT)');
  });

  test('a policy file, keys for rotation, OIDC and self identity', () => {
    const d = mkdtempSync(join(tmpdir(), 'dw-config-'));
    writeFileSync(join(d, 'p.yaml'), 'modes: { critical: auto }\n');
    const c = loadAppConfig({
      DRIFTWARDEN_POLICY_FILE: join(d, 'p.yaml'),
      DRIFTWARDEN_APPROVAL_SIGNING_KEY: 'base64:' + Buffer.alloc(48, 1).toString('base64'),
      DRIFTWARDEN_APPROVAL_SIGNING_KEY_PREVIOUS: 'x'.repeat(40),
      DRIFTWARDEN_OIDC_ISSUERS: 'https://contoso.okta.com/oauth2/default',
      DRIFTWARDEN_OIDC_AUDIENCES: 'api://driftwarden',
      DRIFTWARDEN_OIDC_JWKS_URIS: 'https://contoso.okta.com/oauth2/default=https://contoso.okta.com/oauth2/default/v1/keys',
      DRIFTWARDEN_SELF_OBJECT_IDS: 'a, b',
    });
    expect(c.policy.modes.critical).toBe('auto');
    expect(c.signingKeys.map((k) => k.length)).toEqual([48, 40]);
    expect(c.approverAuth.oidc).toEqual({
      issuers: ['https://contoso.okta.com/oauth2/default'],
      audiences: ['api://driftwarden'],
      jwksUris: { 'https://contoso.okta.com/oauth2/default': 'https://contoso.okta.com/oauth2/default/v1/keys' },
    });
    expect(c.self.objectIds).toEqual(['a', 'b']);
  });
});

describe('JWKS provider', () => {
  test('discovers, caches for an hour, and refetches for an unknown key id (rotation)', async () => {
    const urls: string[] = [];
    let kid = 'k1';
    const fetchImpl = (async (url: string) => {
      urls.push(url);
      if (url.endsWith('/.well-known/openid-configuration')) return Response.json({ jwks_uri: 'https://issuer.example/keys' });
      return Response.json({ keys: [{ kid, kty: 'RSA' }] });
    }) as unknown as typeof fetch;
    let now = 0;
    const provider = new JwksProvider({}, fetchImpl, () => now);
    expect((await provider.forIssuer('https://issuer.example', 'k1')).keys[0]!.kid).toBe('k1');
    await provider.forIssuer('https://issuer.example', 'k1');
    expect(urls).toHaveLength(2);
    kid = 'k2';
    expect((await provider.forIssuer('https://issuer.example', 'k2')).keys[0]!.kid).toBe('k2');
    expect(urls).toHaveLength(4);
    now = 3_600_001;
    await provider.forIssuer('https://issuer.example');
    expect(urls).toHaveLength(6);
  });
});
