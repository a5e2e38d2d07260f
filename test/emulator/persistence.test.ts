/**
 * `stateFile`: the emulated Azure survives a restart — NSGs, rules and etags, role assignments, secret versions with
 * their attributes, soft-deleted secrets and the expiry notifications already sent — and keeps going from there.
 * Changes reach the file within ~50 ms without a clean stop; bad files and another seed are refused by name.
 */
import { copyFileSync, existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { NetworkManagementClient } from '@azure/arm-network';
import type { SecurityRule } from '@azure/arm-network';
import { runEmulatorCommand } from '../../local/emulator';
import type { RunningEmulator } from '../../local/emulator';
import { emulatorCredential } from '../../local/emulator/identities';
import type { EmulatorIdentity } from '../../local/emulator/identities';
import { EmulatorStateFileError, StatePersister } from '../../local/emulator/persistence';
import { FAST_POLL, NSG, RG, RG_SCOPE, ROLE, SEED_FILE, SUB, VAULT, authorizationClient, networkClient, secretClient, seedJson, startTestEmulator, tempDir } from './helpers';

const RULE: SecurityRule = {
  protocol: 'Tcp',
  access: 'Allow',
  direction: 'Inbound',
  priority: 300,
  sourceAddressPrefix: '10.20.0.0/16',
  sourcePortRange: '*',
  destinationAddressPrefix: '*',
  destinationPortRange: '8443',
};
const KV_POLL = { intervalInMs: 5 };
const BOB = '3a7c1e5f-9b2d-4e8a-a6c4-7f1b3d5e9a02';
const SEEDED_ASSIGNMENT = '6e0a4c8f-2b7d-4f1e-a5c3-9b3d7f1e5a77';
const NEW_ASSIGNMENT = '77777777-aaaa-4aaa-8aaa-000000000001';
const roleId = (guid: string): string => `/subscriptions/${SUB}/providers/Microsoft.Authorization/roleDefinitions/${guid}`;

function stateFile(): string {
  return path.join(tempDir('state'), 'emulator-state.json');
}

/** Everything a client can see, through the SDK clients; vault URLs (ephemeral ports) replaced by `<vault>`. */
async function observe(emu: RunningEmulator): Promise<unknown> {
  const net = networkClient(emu);
  const nsgs = [];
  for await (const nsg of net.networkSecurityGroups.listAll()) nsgs.push(nsg);
  const assignments = [];
  for await (const a of authorizationClient(emu).roleAssignments.listForSubscription()) assignments.push(a);
  const kv = secretClient(emu);
  const secrets = [];
  for await (const props of kv.listPropertiesOfSecrets()) {
    const versions = [];
    for await (const v of kv.listPropertiesOfSecretVersions(props.name)) {
      versions.push({ ...v, value: v.enabled ? (await kv.getSecret(props.name, { version: v.version! })).value : '(disabled)' });
    }
    secrets.push({ props, versions });
  }
  const deleted = [];
  for await (const d of kv.listDeletedSecrets()) deleted.push(d);
  const text = JSON.stringify({ nsgs, assignments, secrets, deleted });
  return JSON.parse(text.split(emu.vaultUrl(VAULT)).join('<vault>')) as unknown;
}

/** A deep copy of the emulator's live state (maps as entry lists), for an exact comparison of what was restored. */
function liveState(emu: RunningEmulator): unknown {
  const s = emu.state;
  return structuredClone({
    nsgs: [...s.nsgs.entries()].map(([k, n]) => [k, { ...n, rules: [...n.rules.entries()] }]),
    roleAssignments: [...s.roleAssignments.entries()],
    vaults: [...s.vaults.entries()].map(([k, v]) => [k, { ...v, secrets: [...v.secrets.entries()], deleted: [...v.deleted.entries()], notified: [...v.notified] }]),
  });
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    const emu = await promise;
    await (emu as RunningEmulator).close();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected the start to fail');
}

describe('a restart with the same state file', () => {
  test('restores NSGs, rules and etags, role assignments, secret versions, soft-deleted secrets, and sent expiry notices', async () => {
    const file = stateFile();
    const first = await startTestEmulator({ stateFile: file });
    expect(first.stateFile).toBe(file);
    // Created from the seed at start, readable by the owner only.
    expect(existsSync(file)).toBe(true);
    expect(statSync(file).mode & 0o777).toBe(0o600);

    const net = networkClient(first);
    await net.securityRules.beginCreateOrUpdateAndWait(RG, NSG, 'AllowAppInbound', RULE, FAST_POLL);
    const seeded = await net.securityRules.get(RG, NSG, 'AllowAzureLoadBalancerInbound');
    await net.securityRules.beginCreateOrUpdateAndWait(RG, NSG, 'AllowAzureLoadBalancerInbound', { ...seeded, description: 'changed before the restart' }, FAST_POLL);
    await net.securityRules.beginDeleteAndWait(RG, NSG, 'AllowBatchNodeManagementInbound', FAST_POLL);
    await net.networkSecurityGroups.beginCreateOrUpdateAndWait(RG, 'nsg-scratch', { location: 'westeurope', tags: { team: 'ml' }, securityRules: [{ name: 'a', ...RULE }] }, FAST_POLL);

    const auth = authorizationClient(first);
    await auth.roleAssignments.create(RG_SCOPE, NEW_ASSIGNMENT, { roleDefinitionId: roleId(ROLE.reader), principalId: BOB, principalType: 'User', description: 'added before the restart' });
    await auth.roleAssignments.delete(RG_SCOPE, SEEDED_ASSIGNMENT);

    const kv = secretClient(first);
    const v1 = await kv.setSecret('db-password', 'one', { contentType: 'text/plain', tags: { app: 'scoring' } });
    await kv.setSecret('db-password', 'two', { expiresOn: new Date(Date.now() + 10 * 86_400_000) });
    await kv.updateSecretProperties('db-password', v1.properties.version!, { enabled: false });
    await kv.setSecret('to-purge', 'gone');
    await (await kv.beginDeleteSecret('to-purge', KV_POLL)).pollUntilDone();
    await kv.purgeDeletedSecret('to-purge');
    await (await kv.beginDeleteSecret('workspace-storage-connection', KV_POLL)).pollUntilDone();
    const notices = first.checkSecretExpiry().map((e) => [e.eventType, e.subject]);
    expect(notices).toEqual(
      expect.arrayContaining([
        ['Microsoft.KeyVault.SecretNearExpiry', 'sp-ml-pipeline-client-secret'],
        ['Microsoft.KeyVault.SecretNearExpiry', 'db-password'],
      ]),
    );

    const seen = await observe(first);
    const live = liveState(first);
    const etag = first.state.nsgs.get(`/subscriptions/${SUB}/resourcegroups/${RG}/providers/microsoft.network/networksecuritygroups/${NSG}`.toLowerCase())!.etag;
    await first.close();

    const second = await startTestEmulator({ stateFile: file });
    try {
      expect(liveState(second)).toEqual(live);
      expect(await observe(second)).toEqual(seen);
      const net2 = networkClient(second);
      expect((await net2.networkSecurityGroups.get(RG, NSG)).etag).toBe(etag);
      expect((await net2.securityRules.get(RG, NSG, 'AllowAzureLoadBalancerInbound')).description).toBe('changed before the restart');
      await expect(net2.securityRules.get(RG, NSG, 'AllowBatchNodeManagementInbound')).rejects.toMatchObject({ statusCode: 404 });
      // Notifications already sent are not sent again.
      expect(second.checkSecretExpiry()).toEqual([]);

      // New writes carry on from the restored state: new etags, appended versions, recover works.
      const written = await net2.securityRules.beginCreateOrUpdateAndWait(RG, NSG, 'AllowAppInbound', { ...RULE, destinationPortRange: '9443' }, { ...FAST_POLL, requestOptions: { customHeaders: { 'If-Match': etag } } });
      expect(written.etag).not.toBe(etag);
      const kv2 = secretClient(second);
      const v3 = await kv2.setSecret('db-password', 'three', { expiresOn: new Date(Date.now() + 5 * 86_400_000) });
      const versions = [];
      for await (const v of kv2.listPropertiesOfSecretVersions('db-password')) versions.push(v.version);
      expect(versions).toHaveLength(3);
      expect(versions.slice(0, 2)).toEqual((live as { vaults: [string, { secrets: [string, { versions: { version: string }[] }][] }][] }).vaults[0]![1].secrets.find(([k]) => k === 'db-password')![1].versions.map((v) => v.version));
      expect(versions[2]).toBe(v3.properties.version);
      await (await kv2.beginRecoverDeletedSecret('workspace-storage-connection', KV_POLL)).pollUntilDone();
      expect((await kv2.getSecret('workspace-storage-connection')).value).toContain('AccountName=stmlcontosoprod');
      // Only the new version is news.
      expect(second.checkSecretExpiry().map((e) => [e.eventType, e.subject, (e.data as { Version: string }).Version])).toEqual([['Microsoft.KeyVault.SecretNearExpiry', 'db-password', v3.properties.version]]);
    } finally {
      await second.close();
    }

    // ... and those are kept too.
    const third = await startTestEmulator({ stateFile: file });
    try {
      const rule = await networkClient(third).securityRules.get(RG, NSG, 'AllowAppInbound');
      expect(rule.destinationPortRange).toBe('9443');
      expect((await secretClient(third).getSecret('db-password')).value).toBe('three');
      expect(third.checkSecretExpiry()).toEqual([]);
    } finally {
      await third.close();
    }
  });

  test('changes reach the file within ~50 ms without a clean stop (as after kill -9)', async () => {
    const file = stateFile();
    const running = await startTestEmulator({ stateFile: file });
    try {
      await networkClient(running).securityRules.beginCreateOrUpdateAndWait(RG, NSG, 'AllowAppInbound', RULE, FAST_POLL);
      await secretClient(running).setSecret('db-password', 'unflushed');
      await new Promise((r) => setTimeout(r, 250));
      // The disk as a kill -9 now would leave it.
      const crashed = path.join(path.dirname(file), 'after-kill.json');
      copyFileSync(file, crashed);
      const restarted = await startTestEmulator({ stateFile: crashed });
      try {
        expect((await networkClient(restarted).securityRules.get(RG, NSG, 'AllowAppInbound')).destinationPortRange).toBe('8443');
        expect((await secretClient(restarted).getSecret('db-password')).value).toBe('unflushed');
      } finally {
        await restarted.close();
      }
    } finally {
      await running.close();
    }
  });

  test('a concurrent-writer fault and an admin reset are saved too', async () => {
    const file = stateFile();
    const emu = await startTestEmulator({ stateFile: file });
    emu.addFault({ kind: 'concurrentWriter', path: '/subscriptions/*/resourceGroups/*/providers/Microsoft.Network/networkSecurityGroups/*', change: { tags: { touchedBy: 'someone-else' } }, count: 1 });
    await networkClient(emu).networkSecurityGroups.get(RG, NSG);
    await emu.flushState();
    const saved = JSON.parse(readFileSync(file, 'utf8')) as { nsgs: { name: string; tags?: Record<string, string>; etag: string }[] };
    expect(saved.nsgs.find((n) => n.name === NSG)!.tags).toMatchObject({ touchedBy: 'someone-else' });

    await emu.reset();
    await emu.close();
    const after = JSON.parse(readFileSync(file, 'utf8')) as { nsgs: { name: string; tags?: Record<string, string> }[] };
    expect(after.nsgs.find((n) => n.name === NSG)!.tags ?? {}).not.toHaveProperty('touchedBy');
  });

  test('the file: its format, no temp files left behind, mode 0600 after rewrites', async () => {
    const file = stateFile();
    const emu = await startTestEmulator({ stateFile: file });
    await secretClient(emu).setSecret('db-password', 'kept');
    await emu.close();
    const saved = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    expect(saved).toMatchObject({ kind: 'driftwarden-emulator-state', formatVersion: 1, seed: { source: SEED_FILE, fingerprint: expect.stringMatching(/^sha256:[0-9a-f]{64}$/) } });
    expect(Object.keys(saved)).toEqual(['kind', 'formatVersion', 'savedAt', 'seed', 'nsgs', 'roleAssignments', 'vaults']);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readdirSync(path.dirname(file))).toEqual(['emulator-state.json']);
  });
});

describe('files that cannot be used', () => {
  test('a corrupt, truncated or foreign file is refused by name, saying how to start over', async () => {
    const file = stateFile();
    writeFileSync(file, 'not json {');
    const corrupt = await rejection(startTestEmulator({ stateFile: file }));
    expect(corrupt).toBeInstanceOf(EmulatorStateFileError);
    expect(corrupt.message).toContain(`emulator state file ${file} is not valid JSON`);
    expect(corrupt.message).toContain('Delete it to start the emulator from its seed');

    const good = stateFile();
    await (await startTestEmulator({ stateFile: good })).close();
    const text = readFileSync(good, 'utf8');
    writeFileSync(file, text.slice(0, Math.floor(text.length / 2)));
    expect((await rejection(startTestEmulator({ stateFile: file }))).message).toContain('is not valid JSON');

    writeFileSync(file, '');
    expect((await rejection(startTestEmulator({ stateFile: file }))).message).toContain(`${file} is empty`);

    writeFileSync(file, JSON.stringify({ hello: 'world' }));
    expect((await rejection(startTestEmulator({ stateFile: file }))).message).toContain('is not a driftwarden emulator state file');

    const broken = JSON.parse(text) as { nsgs: Record<string, unknown>[]; vaults: { secrets: { versions: Record<string, unknown>[] }[] }[] };
    broken.nsgs[0]!['etag'] = 5;
    broken.vaults[0]!.secrets[0]!.versions[0]!['version'] = 'v1';
    writeFileSync(file, JSON.stringify(broken));
    const invalid = await rejection(startTestEmulator({ stateFile: file }));
    expect(invalid.message).toContain('is not a valid emulator state');
    expect(invalid.message).toContain('nsgs[0].etag');
    expect(invalid.message).toContain('vaults[0].secrets[0].versions[0].version');

    const badRule = JSON.parse(text) as { nsgs: { rules: { properties: Record<string, unknown> }[] }[] };
    badRule.nsgs[0]!.rules[0]!.properties['priority'] = 5000;
    writeFileSync(file, JSON.stringify(badRule));
    expect((await rejection(startTestEmulator({ stateFile: file }))).message).toMatch(/nsgs\[0\]\.rules\[0\]\.properties\.priority: Security rule has invalid Priority/);
  });

  test('a file saved for another seed is refused; the seed\'s settings, subscriptions and faults may change', async () => {
    const dir = tempDir('seed');
    const file = path.join(dir, 'emulator-state.json');
    await (await startTestEmulator({ stateFile: file })).close();

    const other = seedJson() as { identities: Record<string, unknown>[] };
    other.identities.push({ name: 'carol', type: 'user', objectId: '5c9e3a7b-1d4f-4a6c-8e2b-9a1c3e5f7b04', upn: 'carol@contoso.example' });
    const otherFile = path.join(dir, 'other.env.json');
    writeFileSync(otherFile, JSON.stringify(other));
    const mismatch = await rejection(startTestEmulator({ seed: otherFile, stateFile: file }));
    expect(mismatch).toBeInstanceOf(EmulatorStateFileError);
    expect(mismatch.message).toContain(`emulator state file ${file} was saved for a different seed environment`);
    expect(mismatch.message).toContain(`saved for ${SEED_FILE}`);
    expect(mismatch.message).toContain(`this start uses ${otherFile}`);
    expect(mismatch.message).toContain('delete it to start from the current seed');

    const tuned = { ...seedJson(), description: 'reformatted', settings: { armPageSize: 50, enforceRbac: false }, faults: [{ kind: 'latency', latencyMs: 1 }] };
    const tunedFile = path.join(dir, 'tuned.env.json');
    writeFileSync(tunedFile, JSON.stringify(tuned, null, 4));
    const emu = await startTestEmulator({ seed: tunedFile, stateFile: file });
    expect(emu.faults()).toHaveLength(1);
    await emu.close();

    // A reset to another seed makes the file that seed's.
    const resetTo = await startTestEmulator({ stateFile: file });
    await resetTo.reset(other);
    await resetTo.close();
    expect((await rejection(startTestEmulator({ stateFile: file }))).message).toContain('saved for the seed given to POST /admin/reset');
    await (await startTestEmulator({ seed: otherFile, stateFile: file })).close();
  });
});

describe('the writer', () => {
  test('a burst of changes is written a few times, not once per change, and ends with the last state', async () => {
    const file = stateFile();
    let version = 0;
    const persister = new StatePersister(file, () => JSON.stringify({ version }), 50, () => undefined);
    const started = Date.now();
    while (Date.now() - started < 160) {
      version += 1;
      persister.changed();
      await new Promise((r) => setTimeout(r, 2));
    }
    await new Promise((r) => setTimeout(r, 120));
    expect(persister.writes).toBeGreaterThanOrEqual(1);
    expect(persister.writes).toBeLessThanOrEqual(6);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ version });
    version += 1;
    persister.changed();
    await persister.close();
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ version });
    persister.changed();
    expect(persister.writes).toBeLessThanOrEqual(8);
  });

  test('a state file that cannot be read or created stops the start with its name', async () => {
    const dir = tempDir('unusable');
    const folder = await rejection(startTestEmulator({ stateFile: dir }));
    expect(folder).toBeInstanceOf(EmulatorStateFileError);
    expect(folder.message).toContain(`emulator state file ${dir} could not be read (EISDIR)`);
    // Nobody, not even root, creates files in /proc.
    const file = '/proc/dw-emulator-state-test.json';
    const error = await rejection(startTestEmulator({ stateFile: file }));
    expect(error).toBeInstanceOf(EmulatorStateFileError);
    expect(error.message).toContain(`emulator state file ${file} could not be written`);
  });
});

describe('driftwarden emulator --state-file', () => {
  function capture(): { out: string[]; err: string[]; io: { stdout: (t: string) => void; stderr: (t: string) => void } } {
    const out: string[] = [];
    const err: string[] = [];
    return { out, err, io: { stdout: (t) => out.push(t), stderr: (t) => err.push(t) } };
  }

  async function run(dir: string, file: string, act: (arm: string, ca: string) => Promise<void>): Promise<{ code: number; out: string[]; err: string[] }> {
    const stop = new AbortController();
    const { out, err, io } = capture();
    const caOut = path.join(dir, 'ca.pem');
    const exit = runEmulatorCommand(['--seed', SEED_FILE, '--state-file', file, `--ca-out=${caOut}`, '--dead-letter-dir', path.join(dir, 'dl')], { ...io, signal: stop.signal });
    const deadline = Date.now() + 5_000;
    while (!out.join('\n').includes('ready') && err.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    const arm = /ARM endpoint\s+(https:\/\/127\.0\.0\.1:\d+)/.exec(out.join('\n'))?.[1];
    if (arm) await act(arm, readFileSync(caOut, 'utf8'));
    stop.abort();
    return { code: await exit, out, err };
  }

  test('keeps the state between runs, prints the file, and exits 3 on a corrupt file', async () => {
    const dir = tempDir('cmd-state');
    const file = path.join(dir, 'state', 'emulator-state.json');
    const alice = (seedJson()['identities'] as EmulatorIdentity[]).find((i) => i.name === 'alice')!;
    const client = (arm: string, ca: string): NetworkManagementClient =>
      new NetworkManagementClient(emulatorCredential(alice, { tenantId: seedJson()['tenantId'] as string }), SUB, { endpoint: arm, tlsOptions: { ca }, retryOptions: { maxRetries: 0 } });

    const first = await run(dir, file, async (arm, ca) => {
      await client(arm, ca).securityRules.beginCreateOrUpdateAndWait(RG, NSG, 'AllowAppInbound', RULE, FAST_POLL);
    });
    expect(first.code).toBe(0);
    expect(first.out.join('\n')).toContain(`State file       ${file}`);

    let port = '';
    const second = await run(dir, file, async (arm, ca) => {
      port = (await client(arm, ca).securityRules.get(RG, NSG, 'AllowAppInbound')).destinationPortRange ?? '';
    });
    expect(second.code).toBe(0);
    expect(port).toBe('8443');

    writeFileSync(file, '{"kind":"driftwarden-emulator-state",');
    const corrupt = await run(dir, file, async () => undefined);
    expect(corrupt.code).toBe(3);
    expect(corrupt.err.join('\n')).toContain(`driftwarden emulator: emulator state file ${file} is not valid JSON`);
    expect(corrupt.err.join('\n')).toContain('Delete it to start the emulator from its seed');
  });
});
