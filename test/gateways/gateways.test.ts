/**
 * The product's gateways through the real Azure SDK clients, against the emulator over HTTPS — the same code and
 * clients that run against Azure, configured for the emulator by configuration alone.
 */
import { claimsFor, type RunningEmulator } from '../../local/emulator';
import { GatewayError } from '../../src/gateways/errors';
import { ArmAuthorizationGateway, ArmNetworkGateway, type AzureConnection, KeyVaultSecretsGateway } from '../../src/gateways/azure';
import { ruleSnapshot } from '../../src/plan';
import { RG, ROLE, startTestEmulator, SUB, VAULT } from '../emulator/helpers';

const NSG_ID = `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.Network/networkSecurityGroups/nsg-ml-training`;
const RG_ID = `/subscriptions/${SUB}/resourceGroups/${RG}`;

let emu: RunningEmulator;

function connection(identity = 'id-driftwarden', maxRetries = 3): AzureConnection {
  const { iat: _i, nbf: _n, exp: _e, aud: _a, ...claims } = claimsFor(emu.identity(identity));
  return { target: 'emulator', armEndpoint: emu.url, caPem: emu.caPem, claims, retry: { maxRetries, retryDelayInMs: 20, maxRetryDelayInMs: 200 } };
}

beforeAll(async () => {
  emu = await startTestEmulator({ port: 0 });
});
afterAll(async () => {
  await emu.close();
});
afterEach(() => emu.clearFaults());

describe('NetworkGateway on @azure/arm-network', () => {
  const gateway = () => new ArmNetworkGateway(connection(), 5);

  test('reads an NSG in ARM wire shape with its etag, and 404 as undefined', async () => {
    const nsg = await gateway().getNsg(NSG_ID.toUpperCase());
    expect(nsg).toBeDefined();
    const props = nsg!.body.properties as Record<string, any>;
    expect(nsg!.etag).toMatch(/^W\/"/);
    expect(nsg!.body.etag).toBe(nsg!.etag);
    expect(props.securityRules.map((r: { name: string }) => r.name)).toContain('DenyAllOtherInbound');
    expect(props.securityRules[0].properties.priority).toBe(100);
    expect(props.defaultSecurityRules).toHaveLength(6);
    expect(await gateway().getNsg(NSG_ID.replace('nsg-ml-training', 'nsg-missing'))).toBeUndefined();
  });

  test('lists NSGs of a subscription and of a resource group', async () => {
    const all = await gateway().listNsgs({ subscriptionId: SUB });
    const inRg = await gateway().listNsgs({ subscriptionId: SUB, resourceGroup: RG });
    expect(all.map((n) => n.body.name)).toContain('nsg-ml-training');
    expect(inRg.map((n) => n.body.name)).toEqual(['nsg-ml-training']);
    expect(inRg[0]!.etag).toMatch(/^W\/"/);
  });

  test('creates (If-None-Match), restores (If-Match) and deletes (If-Match) a rule', async () => {
    const g = gateway();
    const props = { protocol: 'Tcp', sourcePortRange: '*', destinationPortRange: '8443', sourceAddressPrefix: '10.20.2.0/24', destinationAddressPrefix: '*', access: 'Allow', priority: 300, direction: 'Inbound' };
    await g.putSecurityRule(NSG_ID, 'gw-test', props, { ifNoneMatch: '*' });
    const created = await g.getSecurityRule(NSG_ID, 'gw-test');
    expect((created!.body.properties as Record<string, unknown>).destinationPortRange).toBe('8443');
    // Creating again with If-None-Match fails: it exists.
    await expect(g.putSecurityRule(NSG_ID, 'gw-test', props, { ifNoneMatch: '*' })).rejects.toMatchObject({ failure: 'preconditionFailed', status: 412 });
    await g.putSecurityRule(NSG_ID, 'gw-test', { ...props, destinationPortRange: '9443' }, { ifMatch: created!.etag });
    // The etag moved: the old one is refused with 412 and a message that says what to do.
    const stale = g.putSecurityRule(NSG_ID, 'gw-test', props, { ifMatch: created!.etag });
    await expect(stale).rejects.toBeInstanceOf(GatewayError);
    await expect(stale).rejects.toThrow(/failed with 412 PreconditionFailed: .*re-read and re-plan/);
    const now = await g.getSecurityRule(NSG_ID, 'gw-test');
    await g.deleteSecurityRule(NSG_ID, 'gw-test', { ifMatch: now!.etag });
    expect(await g.getSecurityRule(NSG_ID, 'gw-test')).toBeUndefined();
  });

  test('a rule snapshot from the wire body round-trips through a PUT', async () => {
    const g = gateway();
    const nsg = await g.getNsg(NSG_ID);
    const snapshot = ruleSnapshot(nsg!.body, 'AllowAzureMachineLearningInbound')!;
    expect(snapshot.properties).not.toHaveProperty('provisioningState');
    await g.putSecurityRule(NSG_ID, snapshot.name, snapshot.properties);
    const after = await g.getNsg(NSG_ID);
    expect(ruleSnapshot(after!.body, 'AllowAzureMachineLearningInbound')).toEqual(snapshot);
  });

  test('validation errors come back as clear, non-transient errors', async () => {
    const bad = { protocol: 'Tcp', sourcePortRange: '*', destinationPortRange: '70000', sourceAddressPrefix: '*', destinationAddressPrefix: '*', access: 'Allow', priority: 310, direction: 'Inbound' };
    const err = (await gateway().putSecurityRule(NSG_ID, 'bad-port', bad).catch((e: unknown) => e)) as GatewayError;
    expect(err).toBeInstanceOf(GatewayError);
    expect(err).toMatchObject({ status: 400, code: 'SecurityRuleInvalidPortRange', failure: 'invalid', transient: false });
    expect(err.message).toContain(`writing security rule ${NSG_ID}/securityRules/bad-port failed with 400 SecurityRuleInvalidPortRange`);
  });

  test('429 with Retry-After and 503 are retried; a lasting 500 ends in a clear transient error', async () => {
    emu.addFault({ kind: 'throttle', method: 'GET', path: '/subscriptions/*/resourceGroups/*/providers/Microsoft.Network/networkSecurityGroups/nsg-ml-training', retryAfterSeconds: 0, count: 2 });
    expect(await gateway().getNsg(NSG_ID)).toBeDefined();
    emu.addFault({ kind: 'error', status: 503, method: 'GET', path: '/subscriptions/*/resourceGroups/*/providers/Microsoft.Network/networkSecurityGroups/nsg-ml-training', retryAfterSeconds: 0, count: 1 });
    expect(await gateway().getNsg(NSG_ID)).toBeDefined();
    const faults = emu.faults();
    expect(faults.map((f) => [f.kind, f.fired])).toEqual([['throttle', 2], ['error', 1]]);
    emu.clearFaults();
    emu.addFault({ kind: 'error', status: 500, method: 'GET', path: '/subscriptions/*/resourceGroups/*/providers/Microsoft.Network/networkSecurityGroups/nsg-ml-training' });
    const err = (await new ArmNetworkGateway(connection('id-driftwarden', 2), 5).getNsg(NSG_ID).catch((e: unknown) => e)) as GatewayError;
    expect(err).toMatchObject({ status: 500, failure: 'unavailable', transient: true });
    expect(emu.faults()[0]!.fired).toBe(3);
  });

  test('a concurrent writer between read and write makes the conditional write fail with 412', async () => {
    const g = gateway();
    const props = { protocol: 'Tcp', sourcePortRange: '*', destinationPortRange: '7001', sourceAddressPrefix: '10.20.1.0/24', destinationAddressPrefix: '*', access: 'Allow', priority: 320, direction: 'Inbound' };
    await g.putSecurityRule(NSG_ID, 'race', props);
    emu.addFault({ kind: 'concurrentWriter', path: '/subscriptions/*/resourceGroups/*/providers/Microsoft.Network/networkSecurityGroups/nsg-ml-training/securityRules/race', count: 1, change: { description: 'changed by someone else' } });
    const read = await g.getSecurityRule(NSG_ID, 'race');
    await expect(g.putSecurityRule(NSG_ID, 'race', props, { ifMatch: read!.etag })).rejects.toMatchObject({ failure: 'preconditionFailed' });
    await g.deleteSecurityRule(NSG_ID, 'race');
  });

  test('added latency is waited out', async () => {
    emu.addFault({ kind: 'latency', latencyMs: 150, method: 'GET', path: '/subscriptions/*/resourceGroups/*/providers/Microsoft.Network/networkSecurityGroups/nsg-ml-training', count: 1 });
    const started = Date.now();
    expect(await gateway().getNsg(NSG_ID)).toBeDefined();
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  });
});

describe('AuthorizationGateway on @azure/arm-authorization', () => {
  const gateway = () => new ArmAuthorizationGateway(connection());
  const alice = () => emu.identity('alice').objectId;

  test('lists, filters, reads role assignments and role definitions', async () => {
    const g = gateway();
    const atRg = await g.listRoleAssignments(RG_ID);
    expect(atRg.length).toBeGreaterThan(0);
    const sp = emu.identity('sp-ml-pipeline');
    const forSp = await g.listRoleAssignments(`/subscriptions/${SUB}`, { principalId: sp.objectId });
    expect(forSp.map((a) => [a.principalId, a.roleDefinitionId.split('/').pop()])).toEqual([[sp.objectId, ROLE.contributor]]);
    const one = await g.getRoleAssignment(forSp[0]!.id);
    expect(one).toMatchObject({ principalId: sp.objectId, principalType: 'ServicePrincipal' });
    const owner = await g.getRoleDefinition(`/subscriptions/${SUB}/providers/Microsoft.Authorization/roleDefinitions/${ROLE.owner}`);
    expect(owner).toMatchObject({ roleName: 'Owner', roleType: 'BuiltInRole' });
    expect(owner!.actions).toContain('*');
    const named = await g.listRoleDefinitions(`/subscriptions/${SUB}`, { roleName: 'Contributor' });
    expect(named.map((d) => d.name)).toEqual([ROLE.contributor]);
    expect(await g.getRoleAssignment(`/subscriptions/${SUB}/providers/Microsoft.Authorization/roleAssignments/00000000-0000-0000-0000-00000000dead`)).toBeUndefined();
  });

  test('creates and deletes an assignment; a duplicate is a conflict', async () => {
    const g = gateway();
    const name = '5b1f2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';
    const created = await g.createRoleAssignment(RG_ID, name, {
      roleDefinitionId: `/subscriptions/${SUB}/providers/Microsoft.Authorization/roleDefinitions/${ROLE.reader}`,
      principalId: alice(),
      principalType: 'User',
    });
    expect(created).toMatchObject({ name, principalId: alice(), scope: expect.stringMatching(/resourceGroups\/rg-ml-workspace$/i) });
    await expect(
      g.createRoleAssignment(RG_ID, '6b1f2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d', {
        roleDefinitionId: `/subscriptions/${SUB}/providers/Microsoft.Authorization/roleDefinitions/${ROLE.reader}`,
        principalId: alice(),
        principalType: 'User',
      }),
    ).rejects.toMatchObject({ status: 409, code: 'RoleAssignmentExists', failure: 'conflict' });
    const deleted = await g.deleteRoleAssignment(created.id);
    expect(deleted?.name).toBe(name);
    expect(await g.deleteRoleAssignment(created.id)).toBeUndefined();
  });
});

describe('SecretsGateway on @azure/keyvault-secrets', () => {
  const gateway = () => new KeyVaultSecretsGateway(connection());

  test('lists secrets and versions without values, disables and re-enables a version, tags it', async () => {
    const g = gateway();
    const vault = emu.vaultUrl(VAULT);
    const secrets = await g.listSecrets(vault);
    expect(secrets.length).toBeGreaterThanOrEqual(2);
    expect(JSON.stringify(secrets)).not.toMatch(/"value"/);
    const spSecret = secrets.find((s) => Object.keys(s.tags).some((k) => k.startsWith('driftwarden')))!;
    expect(spSecret).toBeDefined();
    const versions = await g.listSecretVersions(vault, spSecret.name);
    expect(versions.length).toBeGreaterThan(0);
    const latest = await g.getSecretProperties(vault, spSecret.name);
    expect(latest?.version).toBeDefined();
    const disabled = await g.setSecretEnabled(vault, spSecret.name, latest!.version!, false);
    expect(disabled.enabled).toBe(false);
    expect((await g.getSecretProperties(vault, spSecret.name, latest!.version!))?.enabled).toBe(false);
    await g.setSecretEnabled(vault, spSecret.name, latest!.version!, true);
    const tagged = await g.updateSecretTags(vault, spSecret.name, latest!.version!, { ...latest!.tags, reviewed: 'yes' });
    expect(tagged.tags.reviewed).toBe('yes');
    expect(await g.getSecretProperties(vault, 'no-such-secret')).toBeUndefined();
  });
});

describe('the gateways act as the identity they are configured with', () => {
  test("a write through the gateway is attributed to driftwarden's managed identity in the event", async () => {
    const before = emu.publishedEvents().length;
    const g = new ArmNetworkGateway(connection('id-driftwarden'), 5);
    await g.putSecurityRule(NSG_ID, 'identity-check', { protocol: 'Tcp', sourcePortRange: '*', destinationPortRange: '7443', sourceAddressPrefix: '10.20.1.0/24', destinationAddressPrefix: '*', access: 'Allow', priority: 330, direction: 'Inbound' });
    await g.deleteSecurityRule(NSG_ID, 'identity-check');
    const events = emu.publishedEvents().slice(before) as unknown as { data: { claims: Record<string, string> } }[];
    const mi = emu.identity('id-driftwarden');
    expect(events.length).toBe(2);
    for (const e of events) expect(e.data.claims['http://schemas.microsoft.com/identity/claims/objectidentifier']).toBe(mi.objectId);
  });
});
