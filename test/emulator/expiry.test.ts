/**
 * SecretNearExpiry (30 days before exp) and SecretExpired: on demand and on the timer, once per version.
 */
import type { RunningEmulator } from '../../local/emulator';
import { VAULT, corpus, raw, secretClient, sortedKeys, startTestEmulator } from './helpers';

let emu: RunningEmulator;
beforeAll(async () => {
  emu = await startTestEmulator();
});
afterAll(async () => {
  await emu.close();
});
beforeEach(async () => {
  await emu.reset();
});

test('a secret expiring in 20 days raises SecretNearExpiry once, shaped like the Key Vault events', () => {
  const events = emu.checkSecretExpiry();
  expect(events.map((e) => [e.eventType, e.subject])).toEqual([['Microsoft.KeyVault.SecretNearExpiry', 'sp-ml-pipeline-client-secret']]);
  const recorded = corpus<Record<string, unknown>>('events/keyvault/secret-new-version-created.pascalcase.eventgrid-schema.spec-example.json');
  expect(sortedKeys(events[0])).toEqual(sortedKeys(recorded));
  expect(sortedKeys(events[0]!.data)).toEqual(sortedKeys(recorded['data']));
  const version = emu.state.vaults.get(VAULT)!.secrets.get('sp-ml-pipeline-client-secret')!.versions[0]!;
  expect(events[0]!.data).toMatchObject({ Version: version.version, EXP: String(version.exp), NBF: null, ObjectType: 'Secret', VaultName: VAULT });
  expect(emu.checkSecretExpiry()).toEqual([]);
  expect(emu.publishedEvents()).toHaveLength(1);
});

test('an expired version raises SecretExpired only (its near-expiry moment has passed); a near one later expires', async () => {
  const client = secretClient(emu);
  const past = new Date(Date.now() - 86_400_000);
  const old = await client.setSecret('legacy-token', 'x', { expiresOn: past });
  const events = emu.checkSecretExpiry().map((e) => [e.eventType, e.subject, (e.data as { Version: string }).Version]);
  expect(events).toContainEqual(['Microsoft.KeyVault.SecretExpired', 'legacy-token', old.properties.version]);
  expect(events.filter((e) => e[1] === 'legacy-token')).toHaveLength(1);
  // The SP secret got its NearExpiry above; once its exp passes it gets SecretExpired, and nothing twice.
  const sp = await client.getSecret('sp-ml-pipeline-client-secret');
  await client.updateSecretProperties('sp-ml-pipeline-client-secret', sp.properties.version!, { expiresOn: past });
  expect(emu.checkSecretExpiry().map((e) => [e.eventType, e.subject])).toEqual([['Microsoft.KeyVault.SecretExpired', 'sp-ml-pipeline-client-secret']]);
  expect(emu.checkSecretExpiry()).toEqual([]);
});

test('a new version is a new notification subject', async () => {
  emu.checkSecretExpiry();
  const client = secretClient(emu);
  await client.setSecret('sp-ml-pipeline-client-secret', 'rotated', { expiresOn: new Date(Date.now() + 5 * 86_400_000) });
  const again = emu.checkSecretExpiry();
  expect(again).toHaveLength(1);
  expect(again[0]!.eventType).toBe('Microsoft.KeyVault.SecretNearExpiry');
});

test('the admin endpoint runs the check on demand', async () => {
  const res = await raw(emu, 'POST', '/admin/keyvault/expiry-check', { token: null });
  expect(res.status).toBe(200);
  expect((res.json['value'] as Record<string, unknown>[]).map((e) => e['eventType'])).toEqual(['Microsoft.KeyVault.SecretNearExpiry']);
});

test('the timer raises them by itself', async () => {
  const timed = await startTestEmulator({ secretExpiryCheckIntervalMs: 20 });
  try {
    const deadline = Date.now() + 2_000;
    while (timed.publishedEvents().length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(timed.publishedEvents().map((e) => e.eventType)).toEqual(['Microsoft.KeyVault.SecretNearExpiry']);
    await new Promise((r) => setTimeout(r, 60));
    expect(timed.publishedEvents()).toHaveLength(1);
  } finally {
    await timed.close();
  }
});
