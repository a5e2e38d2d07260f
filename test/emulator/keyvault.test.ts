/**
 * The Key Vault secrets data plane through the real SecretClient: the challenge, set/get (latest and by version),
 * update of attributes and tags, lists with paging, soft delete and recover, disabled secrets, shapes vs the corpus.
 */
import type { RestError } from '@azure/core-rest-pipeline';
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

const API = 'api-version=2025-07-01';
const vaultRaw = (method: string, path: string, options: { body?: unknown; token?: string | null } = {}) => raw(emu, method, path, { ...options, baseUrl: emu.vaultUrl(VAULT) });

async function restError(promise: Promise<unknown>): Promise<RestError> {
  try {
    await promise;
  } catch (err) {
    return err as RestError;
  }
  throw new Error('expected the call to fail');
}

describe('challenge authentication', () => {
  test('a request without a token gets 401 with the challenge naming the tenant and vault.azure.net', async () => {
    const res = await vaultRaw('GET', `/secrets?${API}`, { token: null });
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe(`Bearer authorization="https://login.microsoftonline.com/${emu.tenantId}", resource="https://vault.azure.net"`);
    expect(res.json).toEqual(corpus('keyvault/error.401-missing-bearer-challenge.api-7.3.c7n-recorded.json'));
  });

  test('the SDK answers the challenge with a vault token and carries on', async () => {
    const client = secretClient(emu);
    const secret = await client.getSecret('workspace-storage-connection');
    expect(secret.value).toContain('AccountName=stmlcontosoprod');
    expect(secret.properties.vaultUrl).toBe(emu.vaultUrl(VAULT));
  });

  test('a token for another audience is refused', async () => {
    const res = await vaultRaw('GET', `/secrets?${API}`, { token: `Bearer ${emu.tokenFor('alice')}` });
    expect(res.status).toBe(401);
    expect((res.json['error'] as Record<string, unknown>)['message']).toMatch(/^AKV10022: Invalid audience/);
  });
});

describe('secrets', () => {
  test('set, get latest and by version; ids are <vaultUrl>/secrets/<name>/<version>; attributes in epoch seconds', async () => {
    const client = secretClient(emu);
    const first = await client.setSecret('db-password', 'one', { contentType: 'text/plain', tags: { app: 'scoring' } });
    const second = await client.setSecret('db-password', 'two');
    expect(first.properties.id).toBe(`${emu.vaultUrl(VAULT)}/secrets/db-password/${first.properties.version}`);
    expect(first.properties.version).toMatch(/^[0-9a-f]{32}$/);
    expect((await client.getSecret('db-password')).value).toBe('two');
    expect((await client.getSecret('db-password', { version: first.properties.version! })).value).toBe('one');
    expect(second.properties.recoveryLevel).toBe('Recoverable+Purgeable');
    const res = await vaultRaw('GET', `/secrets/db-password/?${API}`);
    const recorded = corpus<Record<string, unknown>>('keyvault/secret-set.response-200.spec-example.api-7.5.json');
    expect(sortedKeys(res.json)).toEqual(sortedKeys(recorded));
    const attributes = res.json['attributes'] as Record<string, unknown>;
    expect(Number.isInteger(attributes['created'])).toBe(true);
    expect(attributes['created'] as number).toBeLessThan(10_000_000_000);
    expect(attributes['recoverableDays']).toBe(90);
  });

  test('update attributes and tags; PATCH returns no value; disabled secrets answer 403 SecretDisabled', async () => {
    const client = secretClient(emu);
    const latest = await client.getSecret('sp-ml-pipeline-client-secret');
    const exp = new Date(Date.now() + 10 * 86_400_000);
    const updated = await client.updateSecretProperties('sp-ml-pipeline-client-secret', latest.properties.version!, { expiresOn: exp, tags: { rotated: 'no' } });
    expect(updated.tags).toEqual({ rotated: 'no' });
    expect(Math.floor(updated.expiresOn!.getTime() / 1000)).toBe(Math.floor(exp.getTime() / 1000));
    const patch = await vaultRaw('PATCH', `/secrets/sp-ml-pipeline-client-secret/${latest.properties.version}?${API}`, { body: { attributes: { enabled: false } } });
    expect(patch.json['value']).toBeUndefined();
    const recorded = corpus<Record<string, unknown>>('keyvault/secret-update.patch-exp-contentType-tags.api-7.0.node-recorded.json');
    expect(sortedKeys(patch.json)).toEqual(sortedKeys(recorded));
    const disabled = await restError(client.getSecret('sp-ml-pipeline-client-secret'));
    expect(disabled.statusCode).toBe(403);
    const res = await vaultRaw('GET', `/secrets/sp-ml-pipeline-client-secret?${API}`);
    expect(res.json).toEqual(corpus('keyvault/error.secret-disabled.403.api-7.0.node-recorded.json'));
  });

  test('missing secret: 404 SecretNotFound in the corpus envelope', async () => {
    const res = await vaultRaw('GET', `/secrets/nodeSecret/?${API}`);
    expect(res.status).toBe(404);
    expect(res.json).toEqual(corpus('keyvault/error.secret-not-found.404.api-7.0.node-recorded.json'));
    expect((await restError(secretClient(emu).getSecret('nope'))).statusCode).toBe(404);
  });

  test('list secrets (base ids, no values) and versions (versioned ids), paged with maxresults and nextLink', async () => {
    const client = secretClient(emu);
    for (let i = 0; i < 3; i += 1) await client.setSecret('rotating', `v${i}`);
    const names = [];
    for await (const p of client.listPropertiesOfSecrets()) names.push(p.name);
    expect(names.sort()).toEqual(['rotating', 'sp-ml-pipeline-client-secret', 'workspace-storage-connection']);
    const pages = [];
    for await (const page of client.listPropertiesOfSecretVersions('rotating').byPage({ maxPageSize: 2 })) pages.push(page.map((p) => p.version));
    expect(pages.map((p) => p.length)).toEqual([2, 1]);
    const first = await vaultRaw('GET', `/secrets?${API}&maxresults=1`);
    expect((first.json['value'] as unknown[]).length).toBe(1);
    expect(first.json['nextLink']).toMatch(new RegExp(`^${emu.vaultUrl(VAULT)}/secrets\\?.*\\$skiptoken=`));
    const item = (first.json['value'] as Record<string, unknown>[])[0]!;
    expect(item['value']).toBeUndefined();
    expect(item['id']).toMatch(new RegExp(`^${emu.vaultUrl(VAULT)}/secrets/[a-z-]+$`));
    const recorded = corpus<{ value: Record<string, unknown>[] }>('keyvault/secrets-list.api-7.3.c7n-recorded.json');
    expect(sortedKeys(recorded.value[0]).every((k) => k === 'contentType' || k === 'tags' || sortedKeys(item).includes(k))).toBe(true);
    const versions = await vaultRaw('GET', `/secrets/rotating/versions?${API}`);
    expect((versions.json['value'] as Record<string, unknown>[]).every((v) => /\/secrets\/rotating\/[0-9a-f]{32}$/.test(String(v['id'])))).toBe(true);
    expect(versions.json['nextLink']).toBeNull();
  });

  test('soft delete: deleted bundle with recoveryId and dates, deleted list/get, name reuse refused, recover, purge', async () => {
    const client = secretClient(emu);
    const poller = await client.beginDeleteSecret('workspace-storage-connection', { intervalInMs: 5 });
    const deleted = await poller.pollUntilDone();
    expect(deleted.properties.recoveryId).toBe(`${emu.vaultUrl(VAULT)}/deletedsecrets/workspace-storage-connection`);
    expect(deleted.properties.deletedOn).toBeInstanceOf(Date);
    expect(deleted.properties.scheduledPurgeDate!.getTime() - deleted.properties.deletedOn!.getTime()).toBe(90 * 86_400_000);
    const raw404 = await vaultRaw('GET', `/secrets/workspace-storage-connection?${API}`);
    expect(raw404.status).toBe(404);
    const deletedNames = [];
    for await (const d of client.listDeletedSecrets()) deletedNames.push(d.name);
    expect(deletedNames).toEqual(['workspace-storage-connection']);
    const res = await vaultRaw('GET', `/deletedsecrets/workspace-storage-connection?${API}`);
    const recorded = corpus<Record<string, unknown>>('keyvault/secret-delete.soft-delete.response-200.spec-example.api-7.5.json');
    expect(sortedKeys(recorded).every((k) => sortedKeys(res.json).includes(k))).toBe(true);
    const reuse = await restError(client.setSecret('workspace-storage-connection', 'new'));
    expect(reuse.statusCode).toBe(409);
    const recover = await client.beginRecoverDeletedSecret('workspace-storage-connection', { intervalInMs: 5 });
    const recovered = await recover.pollUntilDone();
    expect(recovered.name).toBe('workspace-storage-connection');
    expect((await client.getSecret('workspace-storage-connection')).value).toContain('AccountName');
    await (await client.beginDeleteSecret('workspace-storage-connection', { intervalInMs: 5 })).pollUntilDone();
    await client.purgeDeletedSecret('workspace-storage-connection');
    expect((await vaultRaw('GET', `/deletedsecrets/workspace-storage-connection?${API}`)).status).toBe(404);
  });

  test('setting a secret raises SecretNewVersionCreated with the spec example keys', async () => {
    const client = secretClient(emu);
    const set = await client.setSecret('newsecret', 'value', { expiresOn: new Date(Date.UTC(2030, 0, 1)) });
    const events = emu.publishedEvents();
    expect(events).toHaveLength(1);
    const recorded = corpus<Record<string, unknown>>('events/keyvault/secret-new-version-created.pascalcase.eventgrid-schema.spec-example.json');
    expect(sortedKeys(events[0])).toEqual(sortedKeys(recorded));
    expect(sortedKeys(events[0]!.data)).toEqual(sortedKeys(recorded['data']));
    expect(events[0]).toMatchObject({
      topic: `/subscriptions/9c2f4e1a-7b3d-4a6e-8f05-2d1c6b9e7a34/resourceGroups/rg-ml-workspace/providers/Microsoft.KeyVault/vaults/${VAULT}`,
      subject: 'newsecret',
      eventType: 'Microsoft.KeyVault.SecretNewVersionCreated',
      dataVersion: '1',
      data: { Id: set.properties.id, VaultName: VAULT, ObjectType: 'Secret', ObjectName: 'newsecret', Version: set.properties.version, NBF: null, EXP: String(Date.UTC(2030, 0, 1) / 1000) },
    });
  });
});
