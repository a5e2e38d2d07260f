/**
 * Seed environments: the shipped ML-workspace example loads and reads back; bad files fail with errors that name
 * the field and the value.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseSeed, readSeedFile, startEmulator } from '../../local/emulator';
import { NSG, SEED_FILE, SUB, raw, seedJson, startTestEmulator, tempDir } from './helpers';

type Json = Record<string, unknown>;

function withChange(change: (seed: Json) => void): Json {
  const seed = seedJson();
  change(seed);
  return seed;
}

const nsgs = (seed: Json): Json[] => seed['nsgs'] as Json[];
const rules = (seed: Json): Json[] => nsgs(seed)[0]!['rules'] as Json[];

describe('the ml-workspace example', () => {
  test('validates and loads: workspace VNet and subnets, the NSG, identities, assignments, the vault with the SP secret', async () => {
    const seed = await readSeedFile(SEED_FILE);
    expect(seed.nsgs[0]!.rules.map((r) => r.name)).toContain('AllowBatchNodeManagementInbound');
    const emu = await startTestEmulator();
    try {
      const env = await raw(emu, 'GET', '/admin/environment', { token: null });
      expect(env.status).toBe(200);
      const vnet = (env.json['virtualNetworks'] as Json[])[0]!;
      expect(vnet).toMatchObject({ name: 'vnet-ml-workspace', addressPrefixes: ['10.20.0.0/16'] });
      expect((vnet['subnets'] as Json[]).map((s) => [s['name'], s['addressPrefix']])).toEqual([
        ['training', '10.20.1.0/24'],
        ['inference', '10.20.2.0/24'],
      ]);
      expect((env.json['identities'] as Json[]).map((i) => i['name'])).toEqual(['alice', 'bob', 'ml-data-scientists', 'sp-ml-pipeline', 'mlw-contoso-prod', 'id-driftwarden', 'platform-security', 'sam']);
      expect(env.json['vaults']).toEqual([expect.objectContaining({ name: 'kv-ml-workspace', url: emu.vaultUrl('kv-ml-workspace') })]);
      const nsg = emu.state.nsg(SUB, 'rg-ml-workspace', NSG)!;
      const inbound = [...nsg.rules.values()].filter((r) => r.properties.direction === 'Inbound' && r.properties.access === 'Allow');
      const sources = inbound.flatMap((r) => r.properties.sourceAddressPrefixes ?? [r.properties.sourceAddressPrefix]);
      expect(sources.sort()).toEqual(['10.20.1.0/24', '10.20.2.0/24', 'AzureLoadBalancer', 'AzureMachineLearning', 'BatchNodeManagement']);
      const spSecret = emu.state.vaults.get('kv-ml-workspace')!.secrets.get('sp-ml-pipeline-client-secret')!;
      expect(spSecret.versions[0]!.tags).toMatchObject({ 'driftwarden.servicePrincipalAppId': emu.identity('sp-ml-pipeline').appId });
      expect(spSecret.versions[0]!.exp! - Math.floor(Date.now() / 1000)).toBeGreaterThan(19 * 86_400);
      const assignments = [...emu.state.roleAssignments.values()];
      expect(assignments.find((a) => a.principalId === emu.identity('sp-ml-pipeline').objectId)).toMatchObject({ principalType: 'ServicePrincipal', roleDefinitionId: expect.stringMatching(/b24988ac-6180-42a0-ab88-20f7382dd24c$/) as unknown as string });
      // Seeding raises no events.
      expect(emu.publishedEvents()).toEqual([]);
    } finally {
      await emu.close();
    }
  });

  test('the same seed gives the same etags across restarts', async () => {
    const a = await startTestEmulator();
    const b = await startTestEmulator();
    try {
      expect(a.state.nsg(SUB, 'rg-ml-workspace', NSG)!.etag).toBe(b.state.nsg(SUB, 'rg-ml-workspace', NSG)!.etag);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});

describe('validation errors name the field and the value', () => {
  test.each<[string, (seed: Json) => void, RegExp]>([
    ['rule priority out of range', (s) => (rules(s)[2]!['priority'] = 5000), /nsgs\[0\]\.rules\[2\]\.priority: security rule has invalid Priority\. Value provided: 5000 Allowed range 100-4096\. \[SecurityRuleInvalidPriority\] \(got 5000\)/],
    ['bad port in a list', (s) => (rules(s)[0]!['destinationPortRange'] = '80-79'), /nsgs\[0\]\.rules\[0\]\.destinationPortRange: security rule has invalid Port range/],
    ['bad address prefix in a list', (s) => ((rules(s)[0]!['sourceAddressPrefixes'] as string[])[1] = '10.20.2.0/33'), /nsgs\[0\]\.rules\[0\]\.sourceAddressPrefixes\[1\]: .*invalid Address prefix/],
    ['unknown field', (s) => (rules(s)[1]!['prority'] = 100), /nsgs\[0\]\.rules\[1\]\.prority: is not a known field/],
    ['not a GUID', (s) => ((s['subscriptions'] as Json[])[0]!['subscriptionId'] = 'prod'), /subscriptions\[0\]\.subscriptionId: must be a GUID/],
    ['duplicate priority in a direction', (s) => (rules(s)[1]!['priority'] = 100), /nsgs\[0\]\.rules\[1\]\.priority is already used by rule AllowWorkspaceSubnetsInbound in the Inbound direction/],
    ['undeclared resource group', (s) => (nsgs(s)[0]!['resourceGroup'] = 'rg-other'), /nsgs\[0\]\.resourceGroup is not one of the resource groups declared/],
    ['subnet pointing at an unknown NSG', (s) => (((s['vnets'] as Json[])[0]!['subnets'] as Json[])[1]!['networkSecurityGroup'] = 'nsg-nope'), /vnets\[0\]\.subnets\[1\]\.networkSecurityGroup names an NSG that is not declared/],
    ['unknown role', (s) => ((s['roleAssignments'] as Json[])[0]!['role'] = 'Superuser'), /roleAssignments\[0\]\.role is not a known role .*\(got "Superuser"\)/],
    ['unknown principal', (s) => ((s['roleAssignments'] as Json[])[1]!['principal'] = 'carol'), /roleAssignments\[1\]\.principal is not an identity declared/],
    ['group membership of a non-group', (s) => ((s['identities'] as Json[])[1]!['memberOf'] = ['alice']), /identities\[1\]\.memberOf\[0\] is not a group declared/],
    ['SP without appId', (s) => delete (s['identities'] as Json[])[3]!['appId'], /identities\[3\]\.appId: is required for a servicePrincipal/],
    ['bad expiry', (s) => ((((s['vaults'] as Json[])[0]!['secrets'] as Json[])[0]!)['expires'] = 'next week'), /vaults\[0\]\.secrets\[0\]\.expires must be epoch seconds, an ISO 8601 time/],
    ['bad webhook', (s) => (s['eventSubscriptions'] = [{ name: 'x1', endpoint: 'ftp://nope' }]), /eventSubscriptions\[0\]\.name: must be 3-64.*\n.*eventSubscriptions\[0\]\.endpoint: must be an http/],
    ['latency fault without latency', (s) => (s['faults'] = [{ kind: 'latency' }]), /faults\[0\]\.latencyMs: is required for a latency fault/],
  ])('%s', (_label, change, expected) => {
    expect(() => parseSeed(withChange(change), 'env.json')).toThrow(expected);
  });

  test('every schema problem is listed, each with its path', () => {
    const seed = withChange((s) => {
      rules(s)[0]!['access'] = 7;
      (s['resourceGroups'] as Json[])[0]!['location'] = '';
    });
    let message = '';
    try {
      parseSeed(seed, 'env.json');
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/^env\.json is not valid:/);
    expect(message).toMatch(/resourceGroups\[0\]\.location/);
    expect(message).toMatch(/nsgs\[0\]\.rules\[0\]\.access/);
  });

  test('unreadable and non-JSON files', async () => {
    const dir = tempDir('seed');
    const file = path.join(dir, 'broken.json');
    writeFileSync(file, '{ "subscriptions": [ }');
    await expect(readSeedFile(file)).rejects.toThrow(/broken\.json: \(root\) is not valid JSON/);
    await expect(readSeedFile(path.join(dir, 'missing.json'))).rejects.toThrow(/could not be read/);
    await expect(startEmulator({ seed: path.join(dir, 'missing.json') })).rejects.toThrow(/could not be read/);
  });
});

describe('without a seed', () => {
  test('the emulator starts empty: built-in roles only, ARM answers SubscriptionNotFound', async () => {
    const emu = await startEmulator({ secretExpiryCheckIntervalMs: 0 });
    try {
      expect(emu.state.roleDefinitions.size).toBe(9);
      expect(emu.vaultUrls()).toEqual({});
      const res = await raw(emu, 'GET', `/subscriptions/${SUB}/providers/Microsoft.Network/networkSecurityGroups?api-version=2025-05-01`, { token: `Bearer ${emu.tokenFor({ oid: '00000000-0000-4000-8000-000000000001' })}` });
      expect((res.json['error'] as Record<string, unknown>)['code']).toBe('SubscriptionNotFound');
      expect(() => emu.vaultUrl('kv-nope')).toThrow(/no vault named "kv-nope"/);
      expect(() => emu.identity('alice')).toThrow(/no identity named "alice"/);
    } finally {
      await emu.close();
    }
  });
});

describe('reset', () => {
  test('POST /admin/reset goes back to the seed; a new seed body replaces the environment', async () => {
    const emu = await startTestEmulator();
    try {
      emu.state.nsgs.clear();
      const back = await raw(emu, 'POST', '/admin/reset', { token: null });
      expect(back.status).toBe(200);
      expect(emu.state.nsgs.size).toBe(1);
      const replacement = { subscriptions: [{ subscriptionId: SUB }], resourceGroups: [{ subscriptionId: SUB, name: 'rg-a', location: 'eastus' }] };
      const swapped = await raw(emu, 'POST', '/admin/reset', { token: null, body: replacement });
      expect(swapped.status).toBe(200);
      expect(emu.state.nsgs.size).toBe(0);
      expect(emu.vaultUrls()).toEqual({});
      const bad = await raw(emu, 'POST', '/admin/reset', { token: null, body: { subscriptions: [{ subscriptionId: 'x' }] } });
      expect(bad.status).toBe(400);
      expect(JSON.stringify(bad.json)).toContain('subscriptions[0].subscriptionId');
    } finally {
      await emu.close();
    }
  });
});
