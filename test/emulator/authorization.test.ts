/**
 * Microsoft.Authorization through the real AuthorizationManagementClient: role assignments at subscription, resource
 * group and resource scope (create, get, list with $filter, delete), duplicates, and the built-in role definitions.
 */
import type { RestError } from '@azure/core-rest-pipeline';
import type { RunningEmulator } from '../../local/emulator';
import { FAST_POLL, NSG, RG, RG_SCOPE, ROLE, SUB, authorizationClient, corpus, networkClient, raw, sortedKeys, startTestEmulator } from './helpers';

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

const SP = '5a2c8e4f-9b1d-4f6a-8c3e-7d0a2b5f9e41';
const BOB = '1e5b9d3f-7a2c-4c6e-8f0b-4d8a2c6e0f57';
const ALICE = '3f6a9c2e-1d4b-4e7a-b5c8-0e9f2a7d6b13';
const roleId = (guid: string): string => `/subscriptions/${SUB}/providers/Microsoft.Authorization/roleDefinitions/${guid}`;
const API = 'api-version=2022-04-01';

async function restError(promise: Promise<unknown>): Promise<RestError> {
  try {
    await promise;
  } catch (err) {
    return err as RestError;
  }
  throw new Error('expected the call to fail');
}

describe('role assignments', () => {
  test('create by name at resource-group scope: 201 with the corpus shape, principalType filled from the directory', async () => {
    const name = '3a1b5c7d-9e2f-4a6b-8c0d-1e3f5a7b9c2d';
    const res = await raw(emu, 'PUT', `/${RG_SCOPE}/providers/Microsoft.Authorization/roleAssignments/${name}?${API}`, { body: { properties: { roleDefinitionId: roleId(ROLE.owner), principalId: SP } } });
    expect(res.status).toBe(201);
    const recorded = corpus<Record<string, unknown>>('arm/authorization/role-assignments-list.subscription.api-2018-09-01-preview.c7n-recorded.json');
    const sample = (recorded['value'] as Record<string, unknown>[])[0]!;
    expect(sortedKeys(res.json)).toEqual(sortedKeys(sample));
    expect(sortedKeys(res.json['properties'])).toEqual(sortedKeys(sample['properties']));
    expect(res.json).toMatchObject({
      id: `/${RG_SCOPE}/providers/Microsoft.Authorization/roleAssignments/${name}`,
      type: 'Microsoft.Authorization/roleAssignments',
      name,
      properties: { roleDefinitionId: roleId(ROLE.owner), principalId: SP, principalType: 'ServicePrincipal', scope: `/${RG_SCOPE}`, createdBy: ALICE },
    });
  });

  test('SDK create, get and getById at subscription, resource group and resource scope', async () => {
    const auth = authorizationClient(emu);
    const scopes = [`subscriptions/${SUB}`, RG_SCOPE, `${RG_SCOPE}/providers/Microsoft.KeyVault/vaults/kv-ml-workspace`];
    const names = ['11111111-aaaa-4aaa-8aaa-000000000001', '11111111-aaaa-4aaa-8aaa-000000000002', '11111111-aaaa-4aaa-8aaa-000000000003'];
    for (const [i, scope] of scopes.entries()) {
      const created = await auth.roleAssignments.create(scope, names[i]!, { roleDefinitionId: roleId(ROLE.reader), principalId: BOB, principalType: 'User' });
      expect(created.scope).toBe(`/${scope}`);
      const got = await auth.roleAssignments.get(scope, names[i]!);
      expect(got.principalId).toBe(BOB);
      const byId = await auth.roleAssignments.getById(created.id!);
      expect(byId.name).toBe(names[i]);
    }
    const missing = await restError(auth.roleAssignments.get(RG_SCOPE, '99999999-aaaa-4aaa-8aaa-000000000000'));
    expect(missing.statusCode).toBe(404);
    expect(missing.code).toBe('RoleAssignmentNotFound');
  });

  test('list with atScope() keeps at and above; without it, below too; principalId eq and assignedTo() filter', async () => {
    const auth = authorizationClient(emu);
    await auth.roleAssignments.create(`${RG_SCOPE}/providers/Microsoft.KeyVault/vaults/kv-ml-workspace`, '22222222-aaaa-4aaa-8aaa-000000000001', { roleDefinitionId: roleId(ROLE.keyVaultSecretsUser), principalId: BOB });
    const collect = async (iter: AsyncIterable<{ name?: string; scope?: string }>): Promise<string[]> => {
      const out: string[] = [];
      for await (const a of iter) out.push(a.name!);
      return out.sort();
    };
    const atRg = await collect(auth.roleAssignments.listForScope(RG_SCOPE, { filter: 'atScope()' }));
    // alice's Owner and id-driftwarden's Reader are inherited from the subscription; the vault-scoped ones are below.
    expect(atRg).toContain('0d4f8b2e-6a1c-4e9d-b3f7-5c8a2e6d0b14');
    expect(atRg).not.toContain('9b3d7f1c-5e0a-4d4b-8c2f-3e7a1b5d9f20');
    expect(atRg).not.toContain('22222222-aaaa-4aaa-8aaa-000000000001');
    const all = await collect(auth.roleAssignments.listForScope(RG_SCOPE));
    expect(all).toContain('9b3d7f1c-5e0a-4d4b-8c2f-3e7a1b5d9f20');
    expect(all).toContain('22222222-aaaa-4aaa-8aaa-000000000001');
    const forSp = await collect(auth.roleAssignments.listForSubscription({ filter: `principalId eq '${SP}'` }));
    expect(forSp).toEqual(['6e0a4c8f-2b7d-4f1e-a5c3-9b3d7f1e5a77']);
    const forBob = await collect(auth.roleAssignments.listForScope(`subscriptions/${SUB}`, { filter: `assignedTo('${BOB}')` }));
    // bob's own assignment plus the Reader his group ml-data-scientists holds.
    expect(forBob).toEqual(['22222222-aaaa-4aaa-8aaa-000000000001', '4c8e2a6d-0f5b-4e3a-8b7d-1f9c5e3a7b56']);
    const inRg = await collect(auth.roleAssignments.listForResourceGroup(RG, { filter: 'atScope()' }));
    expect(inRg).toEqual(atRg);
    const bad = await raw(emu, 'GET', `/${RG_SCOPE}/providers/Microsoft.Authorization/roleAssignments?${API}&$filter=${encodeURIComponent("roleName eq 'x'")}`);
    expect(bad.status).toBe(400);
    expect((bad.json['error'] as Record<string, unknown>)['code']).toBe('UnsupportedQuery');
  });

  test('a duplicate assignment is RoleAssignmentExists (409); reusing a name for another principal is refused', async () => {
    const auth = authorizationClient(emu);
    const dup = await restError(auth.roleAssignments.create(RG_SCOPE, '33333333-aaaa-4aaa-8aaa-000000000001', { roleDefinitionId: roleId(ROLE.contributor), principalId: SP }));
    expect(dup.statusCode).toBe(409);
    expect(dup.code).toBe('RoleAssignmentExists');
    expect(dup.message).toBe('The role assignment already exists.');
    const sameName = await restError(auth.roleAssignments.create(RG_SCOPE, '6e0a4c8f-2b7d-4f1e-a5c3-9b3d7f1e5a77', { roleDefinitionId: roleId(ROLE.contributor), principalId: SP }));
    expect(sameName.code).toBe('RoleAssignmentExists');
    const otherPrincipal = await restError(auth.roleAssignments.create(RG_SCOPE, '6e0a4c8f-2b7d-4f1e-a5c3-9b3d7f1e5a77', { roleDefinitionId: roleId(ROLE.contributor), principalId: BOB }));
    expect(otherPrincipal.code).toBe('RoleAssignmentUpdateNotPermitted');
  });

  test('bad requests: non-GUID name, unknown role, bad principal, missing resource group', async () => {
    const auth = authorizationClient(emu);
    expect((await restError(auth.roleAssignments.create(RG_SCOPE, 'not-a-guid', { roleDefinitionId: roleId(ROLE.reader), principalId: BOB }))).code).toBe('InvalidRoleAssignmentId');
    expect((await restError(auth.roleAssignments.create(RG_SCOPE, '44444444-aaaa-4aaa-8aaa-000000000001', { roleDefinitionId: roleId('00000000-0000-4000-8000-000000000000'), principalId: BOB }))).code).toBe('RoleDefinitionDoesNotExist');
    expect((await restError(auth.roleAssignments.create(RG_SCOPE, '44444444-aaaa-4aaa-8aaa-000000000002', { roleDefinitionId: roleId(ROLE.reader), principalId: 'bob' }))).code).toBe('InvalidPrincipalId');
    expect((await restError(auth.roleAssignments.create(`subscriptions/${SUB}/resourceGroups/rg-nope`, '44444444-aaaa-4aaa-8aaa-000000000003', { roleDefinitionId: roleId(ROLE.reader), principalId: BOB }))).code).toBe('ResourceGroupNotFound');
  });

  test('DELETE returns 200 with the deleted body (corpus shape), then 204', async () => {
    const auth = authorizationClient(emu);
    const deleted = await auth.roleAssignments.delete(RG_SCOPE, '6e0a4c8f-2b7d-4f1e-a5c3-9b3d7f1e5a77');
    expect(deleted.principalId).toBe(SP);
    const res = await raw(emu, 'DELETE', `/subscriptions/${SUB}/providers/Microsoft.Authorization/roleAssignments/0d4f8b2e-6a1c-4e9d-b3f7-5c8a2e6d0b14?${API}`);
    expect(res.status).toBe(200);
    const recorded = corpus<Record<string, unknown>>('arm/authorization/role-assignment-delete.response-200.spec-example.api-2022-04-01.json');
    expect(sortedKeys(res.json)).toEqual(sortedKeys(recorded));
    expect(sortedKeys(recorded['properties']).every((k) => sortedKeys(res.json['properties']).includes(k))).toBe(true);
    const again = await raw(emu, 'DELETE', `/subscriptions/${SUB}/providers/Microsoft.Authorization/roleAssignments/0d4f8b2e-6a1c-4e9d-b3f7-5c8a2e6d0b14?${API}`);
    expect(again.status).toBe(204);
    const events = emu.publishedEvents().map((e) => [e.eventType, (e.data as { operationName: string }).operationName]);
    expect(events).toEqual([
      ['Microsoft.Resources.ResourceDeleteSuccess', 'Microsoft.Authorization/roleAssignments/delete'],
      ['Microsoft.Resources.ResourceDeleteSuccess', 'Microsoft.Authorization/roleAssignments/delete'],
    ]);
  });
});

describe('role definitions', () => {
  const builtIns: [string, string][] = [
    ['Owner', ROLE.owner],
    ['Contributor', ROLE.contributor],
    ['Reader', ROLE.reader],
    ['User Access Administrator', ROLE.userAccessAdministrator],
    ['Role Based Access Control Administrator', ROLE.rbacAdministrator],
    ['Network Contributor', ROLE.networkContributor],
    ['Key Vault Administrator', ROLE.keyVaultAdministrator],
    ['Key Vault Secrets Officer', ROLE.keyVaultSecretsOfficer],
    ['Key Vault Secrets User', ROLE.keyVaultSecretsUser],
  ];

  test.each(builtIns)('%s is seeded under its real GUID', async (roleName, guid) => {
    const auth = authorizationClient(emu);
    const definition = await auth.roleDefinitions.get(`subscriptions/${SUB}`, guid);
    expect(definition.roleName).toBe(roleName);
    expect(definition.roleType).toBe('BuiltInRole');
    expect(definition.id).toBe(roleId(guid));
  });

  test('GET matches the recorded Owner and Contributor bodies', async () => {
    for (const [file, guid] of [['owner', ROLE.owner], ['contributor', ROLE.contributor]] as const) {
      const res = await raw(emu, 'GET', `/subscriptions/${SUB}/providers/Microsoft.Authorization/roleDefinitions/${guid}?${API}`);
      const recorded = corpus<Record<string, unknown>>(`arm/authorization/role-definition-get.${file}.c7n-recorded.json`);
      expect(sortedKeys(res.json)).toEqual(sortedKeys(recorded));
      expect(sortedKeys(res.json['properties'])).toEqual(sortedKeys(recorded['properties']));
      expect((res.json['properties'] as Record<string, unknown>)['permissions']).toEqual((recorded['properties'] as Record<string, unknown>)['permissions']);
    }
  });

  test('list with roleName and type filters; tenant-level getById', async () => {
    const auth = authorizationClient(emu);
    const owners = [];
    for await (const d of auth.roleDefinitions.list(`subscriptions/${SUB}`, { filter: "roleName eq 'Owner'" })) owners.push(d.name);
    expect(owners).toEqual([ROLE.owner]);
    const all = [];
    for await (const d of auth.roleDefinitions.list(RG_SCOPE, { filter: "type eq 'BuiltInRole'" })) all.push(d.roleName);
    expect(all).toHaveLength(builtIns.length);
    const tenantLevel = await auth.roleDefinitions.getById(`/providers/Microsoft.Authorization/roleDefinitions/${ROLE.networkContributor}`);
    expect(tenantLevel.roleName).toBe('Network Contributor');
    expect(tenantLevel.id).toBe(`/providers/Microsoft.Authorization/roleDefinitions/${ROLE.networkContributor}`);
  });
});

describe('optional RBAC enforcement', () => {
  test('a reader (through a group) may read but not write; the network contributor may write', async () => {
    const strict = await startTestEmulator({ enforceRbac: true });
    try {
      const bob = networkClient(strict, 'bob');
      expect((await bob.networkSecurityGroups.get(RG, NSG)).name).toBe(NSG);
      const rule = { protocol: 'Tcp', access: 'Allow', direction: 'Inbound', priority: 400, sourceAddressPrefix: '*', sourcePortRange: '*', destinationAddressPrefix: '*', destinationPortRange: '22' } as const;
      const denied = await restError(bob.securityRules.beginCreateOrUpdateAndWait(RG, NSG, 'ssh', rule, FAST_POLL));
      expect(denied.statusCode).toBe(403);
      expect(denied.code).toBe('AuthorizationFailed');
      expect(denied.message).toContain("does not have authorization to perform action 'Microsoft.Network/networkSecurityGroups/securityRules/write'");
      const written = await networkClient(strict, 'id-driftwarden').securityRules.beginCreateOrUpdateAndWait(RG, NSG, 'ssh', rule, FAST_POLL);
      expect(written.provisioningState).toBe('Succeeded');
      const event = strict.publishedEvents()[0]!;
      expect((event.data as { authorization: { evidence: Record<string, string> } }).authorization.evidence).toMatchObject({ role: 'Network Contributor', principalType: 'ServicePrincipal' });
    } finally {
      await strict.close();
    }
  });
});
