/**
 * Microsoft.Network through the real NetworkManagementClient over HTTPS: NSGs and security rules, long-running
 * operations, etags and If-Match, validation errors and 404s compared with the corpus.
 */
import type { RestError } from '@azure/core-rest-pipeline';
import type { SecurityRule } from '@azure/arm-network';
import type { RunningEmulator } from '../../local/emulator';
import { FAST_POLL, NET_API, NSG, NSG_PATH, RG, SUB, corpus, networkClient, raw, sortedKeys, startTestEmulator } from './helpers';

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

const sshRule: SecurityRule = {
  protocol: 'Tcp',
  access: 'Allow',
  direction: 'Inbound',
  priority: 300,
  sourceAddressPrefix: '*',
  sourcePortRange: '*',
  destinationAddressPrefix: '*',
  destinationPortRange: '22',
};

async function restError(promise: Promise<unknown>): Promise<RestError> {
  try {
    await promise;
  } catch (err) {
    return err as RestError;
  }
  throw new Error('expected the call to fail');
}

interface CorpusNsgList {
  value: { properties: { securityRules: Record<string, unknown>[] } }[];
}

describe('network security groups', () => {
  test('GET returns the corpus shape: top-level keys, properties, rules and default rules, one shared etag', async () => {
    const res = await raw(emu, 'GET', `${NSG_PATH}?${NET_API}`);
    expect(res.status).toBe(200);
    const real = corpus<CorpusNsgList>('arm/network/nsg-list-all.allow-all-deny-all-mixed.c7n-recorded.json').value[0] as unknown as Record<string, unknown>;
    expect(sortedKeys(res.json)).toEqual(sortedKeys(real));
    const props = res.json['properties'] as Record<string, unknown>;
    expect(sortedKeys(props)).toEqual(['defaultSecurityRules', 'provisioningState', 'resourceGuid', 'securityRules', 'subnets']);
    const realRule = (real['properties'] as { securityRules: Record<string, unknown>[] }).securityRules[0]!;
    const rules = props['securityRules'] as Record<string, unknown>[];
    const deny = rules.find((r) => r['name'] === 'DenyAllOtherInbound')!;
    expect(sortedKeys(deny)).toEqual(sortedKeys(realRule));
    expect(sortedKeys(deny['properties'])).toEqual([...sortedKeys(realRule['properties']), 'description'].sort());
    const defaults = props['defaultSecurityRules'] as Record<string, unknown>[];
    const realDefaults = (real['properties'] as { defaultSecurityRules: Record<string, unknown>[] }).defaultSecurityRules;
    expect(defaults.map((d) => d['name'])).toEqual(realDefaults.map((d) => d['name']));
    expect(sortedKeys(defaults[0]!['properties'])).toEqual(sortedKeys(realDefaults[0]!['properties']));
    for (const child of [...rules, ...defaults]) expect(child['etag']).toBe(res.json['etag']);
    expect(res.json['etag']).toMatch(/^W\/"[0-9a-f-]{36}"$/);
    expect(props['subnets']).toEqual([
      { id: `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.Network/virtualNetworks/vnet-ml-workspace/subnets/training` },
      { id: `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.Network/virtualNetworks/vnet-ml-workspace/subnets/inference` },
    ]);
  });

  test('plural fields: singular keys absent, arrays present (corpus security-rule-put.response-201.updating.arrays)', async () => {
    const res = await raw(emu, 'GET', `${NSG_PATH}/securityRules/AllowWorkspaceSubnetsInbound?${NET_API}`);
    const props = res.json['properties'] as Record<string, unknown>;
    expect(props['sourceAddressPrefix']).toBeUndefined();
    expect(props['sourceAddressPrefixes']).toEqual(['10.20.1.0/24', '10.20.2.0/24']);
    expect(props['sourcePortRanges']).toEqual([]);
    expect(res.json['type']).toBe('Microsoft.Network/networkSecurityGroups/securityRules');
  });

  test('get, list by resource group and subscription, names compared case-insensitively', async () => {
    const net = networkClient(emu);
    const nsg = await net.networkSecurityGroups.get(RG.toUpperCase(), NSG.toUpperCase());
    expect(nsg.name).toBe(NSG);
    expect(nsg.securityRules?.map((r) => r.name)).toContain('AllowAzureMachineLearningInbound');
    expect(nsg.defaultSecurityRules).toHaveLength(6);
    const inRg = [];
    for await (const item of net.networkSecurityGroups.list(RG)) inRg.push(item.name);
    expect(inRg).toEqual([NSG]);
    const all = [];
    for await (const item of net.networkSecurityGroups.listAll()) all.push(item.name);
    expect(all).toEqual([NSG]);
    const rules = [];
    for await (const r of net.securityRules.list(RG, NSG)) rules.push(r.name);
    expect(rules).toHaveLength(8);
    const defaults = [];
    for await (const r of net.defaultSecurityRules.list(RG, NSG)) defaults.push(r.name);
    expect(defaults).toContain('DenyAllInBound');
    expect((await net.defaultSecurityRules.get(RG, NSG, 'denyallinbound')).priority).toBe(65500);
  });

  test('NSG PUT with inline rules is a long-running operation; a new NSG gets the default rules', async () => {
    const net = networkClient(emu);
    const created = await net.networkSecurityGroups.beginCreateOrUpdateAndWait(
      RG,
      'nsg-scratch',
      { location: 'westeurope', tags: { env: 'test' }, securityRules: [{ name: 'https', ...sshRule, destinationPortRange: '443' }] },
      FAST_POLL,
    );
    expect(created.provisioningState).toBe('Succeeded');
    expect(created.securityRules?.[0]?.destinationPortRange).toBe('443');
    expect(created.defaultSecurityRules).toHaveLength(6);
    expect(created.tags).toEqual({ env: 'test' });
    const replaced = await net.networkSecurityGroups.beginCreateOrUpdateAndWait(RG, 'nsg-scratch', { location: 'westeurope', securityRules: [] }, FAST_POLL);
    expect(replaced.securityRules).toEqual([]);
    expect(replaced.etag).not.toBe(created.etag);
    const tagged = await net.networkSecurityGroups.updateTags(RG, 'nsg-scratch', { tags: { owner: 'me' } });
    expect(tagged.tags).toEqual({ owner: 'me' });
  });

  test('NSG PUT answers 201 Updating with Azure-AsyncOperation, then 200 on update; location is required', async () => {
    const body = { location: 'westeurope', properties: { securityRules: [] } };
    const first = await raw(emu, 'PUT', `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.Network/networkSecurityGroups/nsg-raw?${NET_API}`, { body });
    expect(first.status).toBe(201);
    expect((first.json['properties'] as Record<string, unknown>)['provisioningState']).toBe('Updating');
    expect(first.headers['azure-asyncoperation']).toMatch(new RegExp(`^${emu.url}/subscriptions/${SUB}/providers/Microsoft.Network/locations/westeurope/operations/[0-9a-f-]+\\?api-version=2025-05-01$`));
    const corpusPut = corpus<Record<string, unknown>>('arm/network/nsg-put.response-201.xplat-recorded.json');
    expect(sortedKeys(first.json)).toEqual(sortedKeys(corpusPut));
    expect(sortedKeys(first.json['properties'])).toEqual(sortedKeys(corpusPut['properties']));
    const second = await raw(emu, 'PUT', `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.Network/networkSecurityGroups/nsg-raw?${NET_API}`, { body });
    expect(second.status).toBe(200);
    const noLocation = await raw(emu, 'PUT', `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.Network/networkSecurityGroups/nsg-other?${NET_API}`, { body: { properties: {} } });
    expect(noLocation.status).toBe(400);
    expect((noLocation.json['error'] as Record<string, unknown>)['code']).toBe('LocationRequired');
  });

  test('deleting an NSG still associated with subnets is refused; a free one is deleted (then 204)', async () => {
    const net = networkClient(emu);
    const inUse = await restError(net.networkSecurityGroups.beginDeleteAndWait(RG, NSG, FAST_POLL));
    expect(inUse.statusCode).toBe(400);
    expect(inUse.code).toBe('InUseNetworkSecurityGroupCannotBeDeleted');
    await net.networkSecurityGroups.beginCreateOrUpdateAndWait(RG, 'nsg-temp', { location: 'westeurope' }, FAST_POLL);
    await net.networkSecurityGroups.beginDeleteAndWait(RG, 'nsg-temp', FAST_POLL);
    const gone = await restError(net.networkSecurityGroups.get(RG, 'nsg-temp'));
    expect(gone.statusCode).toBe(404);
    const again = await raw(emu, 'DELETE', `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.Network/networkSecurityGroups/nsg-temp?${NET_API}`);
    expect(again.status).toBe(204);
  });
});

describe('security rules', () => {
  test('create is an LRO: 201 Updating, the status reads InProgress then Succeeded, the final GET Succeeded', async () => {
    const net = networkClient(emu);
    // begin* sends the PUT and polls the status once: InProgress.
    const poller = await net.securityRules.beginCreateOrUpdate(RG, NSG, 'ssh', sshRule, FAST_POLL);
    expect(poller.getOperationState().status).toBe('running');
    expect(poller.isDone()).toBe(false);
    expect(emu.publishedEvents()).toHaveLength(0);
    // The second status poll reads Succeeded; the poller then GETs the rule.
    await poller.poll();
    expect(poller.isDone()).toBe(true);
    const rule = poller.getResult()!;
    expect(rule.provisioningState).toBe('Succeeded');
    expect(rule.destinationPortRange).toBe('22');
    const created = emu.publishedEvents().filter((e) => e.subject.endsWith('/securityRules/ssh'));
    expect(created).toHaveLength(1);
  });

  test('PUT 201 then 200, body keys as in the corpus, the NSG etag moves with every rule change', async () => {
    const before = await raw(emu, 'GET', `${NSG_PATH}?${NET_API}`);
    const put = await raw(emu, 'PUT', `${NSG_PATH}/securityRules/ssh?${NET_API}`, { body: { properties: { ...sshRule, description: 'testDesc' } } });
    expect(put.status).toBe(201);
    const realSingular = corpus<Record<string, unknown>>('arm/network/security-rule-put.response-201.singular-fields.xplat-recorded.json');
    expect(sortedKeys(put.json)).toEqual([...sortedKeys(realSingular), 'type'].sort());
    expect(sortedKeys(put.json['properties'])).toEqual(sortedKeys(realSingular['properties']));
    expect((put.json['properties'] as Record<string, unknown>)['provisioningState']).toBe('Updating');
    expect(put.headers['retry-after']).toBe('0');
    const after = await raw(emu, 'GET', `${NSG_PATH}?${NET_API}`);
    expect(after.json['etag']).not.toBe(before.json['etag']);
    expect(put.json['etag']).toBe(after.json['etag']);
    const update = await raw(emu, 'PUT', `${NSG_PATH}/securityRules/SSH?${NET_API}`, { body: { properties: { ...sshRule, destinationPortRanges: ['22', '2222'], destinationPortRange: undefined } } });
    expect(update.status).toBe(200);
    expect(update.json['name']).toBe('ssh');
    const arrays = corpus<Record<string, unknown>>('arm/network/security-rule-put.response-201.updating.arrays.xplat-recorded.json');
    const props = update.json['properties'] as Record<string, unknown>;
    expect(props['destinationPortRange']).toBeUndefined();
    expect(props['destinationPortRanges']).toEqual(['22', '2222']);
    expect(sortedKeys(arrays['properties']).filter((k) => !sortedKeys(props).includes(k))).toEqual(['description']);
  });

  test('update through the SDK with If-Match: the current etag passes, a stale one meets 412 PreconditionFailed', async () => {
    const net = networkClient(emu);
    const current = await net.securityRules.get(RG, NSG, 'DenyAllOtherInbound');
    const updated = await net.securityRules.beginCreateOrUpdateAndWait(RG, NSG, 'DenyAllOtherInbound', { ...current, description: 'still denied' }, {
      ...FAST_POLL,
      requestOptions: { customHeaders: { 'If-Match': current.etag! } },
    });
    expect(updated.description).toBe('still denied');
    const stale = await restError(
      net.securityRules.beginCreateOrUpdateAndWait(RG, NSG, 'DenyAllOtherInbound', { ...current, description: 'too late' }, { ...FAST_POLL, requestOptions: { customHeaders: { 'If-Match': current.etag! } } }),
    );
    expect(stale.statusCode).toBe(412);
    expect(stale.code).toBe('PreconditionFailed');
    const res = await raw(emu, 'DELETE', `${NSG_PATH}/securityRules/DenyAllOtherInbound?${NET_API}`, { headers: { 'If-Match': current.etag! } });
    expect(res.status).toBe(412);
    const error = res.json['error'] as Record<string, unknown>;
    expect(sortedKeys(error)).toEqual(['code', 'details', 'message']);
    expect((error['details'] as Record<string, unknown>[])[0]!['code']).toBe('PreconditionFailedEtagMismatch');
  });

  test('DELETE answers 202 with the corpus headers and an empty body; the SDK waits it out; a missing rule is 204', async () => {
    const res = await raw(emu, 'DELETE', `${NSG_PATH}/securityRules/AllowStorageOutbound?${NET_API}`);
    expect(res.status).toBe(202);
    expect(res.text).toBe('');
    const recorded = corpus<{ headers: Record<string, string> }>('arm/network/security-rule-delete.response-202-headers.xplat-recorded.json');
    for (const name of ['azure-asyncoperation', 'location', 'retry-after', 'x-ms-request-id', 'x-ms-correlation-request-id', 'cache-control', 'pragma', 'expires']) {
      expect(recorded.headers[name]).toBeDefined();
      expect(res.headers[name]).toBeDefined();
    }
    expect(res.headers['location']).toMatch(/\/operationResults\//);
    const status = await raw(emu, 'GET', new URL(res.headers['azure-asyncoperation'] as string).pathname + `?${NET_API}`);
    expect(status.json).toEqual({ status: 'InProgress' });
    const done = await raw(emu, 'GET', new URL(res.headers['azure-asyncoperation'] as string).pathname + `?${NET_API}`);
    expect(done.json).toEqual(corpus('arm/network/async-operation-status.succeeded.xplat-recorded.json'));
    const net = networkClient(emu);
    await net.securityRules.beginDeleteAndWait(RG, NSG, 'AllowAzureActiveDirectoryOutbound', FAST_POLL);
    const rules = [];
    for await (const r of net.securityRules.list(RG, NSG)) rules.push(r.name);
    expect(rules).not.toContain('AllowAzureActiveDirectoryOutbound');
    const missing = await raw(emu, 'DELETE', `${NSG_PATH}/securityRules/nope?${NET_API}`);
    expect(missing.status).toBe(204);
  });
});

describe('validation errors, as Network RP words them', () => {
  const put = (name: string, properties: Record<string, unknown>) => raw(emu, 'PUT', `${NSG_PATH}/securityRules/${name}?${NET_API}`, { body: { properties: { ...sshRule, ...properties } } });

  test.each([
    ['invalid port range', 'error.security-rule-invalid-port-range.400.xplat-recorded.json', { destinationPortRange: '66600' }],
    ['invalid priority', 'error.security-rule-invalid-priority.400.xplat-recorded.json', { priority: 4097 }],
    ['description too long', 'error.security-rule-description-too-long.400.xplat-recorded.json', { description: 'x'.repeat(141) }],
  ])('%s: the same code, message and envelope as the corpus', async (_label, file, properties) => {
    const res = await put('bad', properties);
    expect(res.status).toBe(400);
    expect(res.json).toEqual(corpus(`arm/network/${file}`));
  });

  test('invalid address prefix names the rule id and the value', async () => {
    const res = await put('invalidSourceAddressPrefixName', { sourceAddressPrefix: '10.0.0.0/42' });
    const expected = corpus<{ error: { code: string; message: string; details: unknown[] } }>('arm/network/error.security-rule-invalid-address-prefix.400.xplat-recorded.json');
    expect(res.status).toBe(400);
    expect(sortedKeys(res.json['error'])).toEqual(sortedKeys(expected.error));
    expect((res.json['error'] as Record<string, unknown>)['code']).toBe(expected.error.code);
    expect((res.json['error'] as Record<string, unknown>)['message']).toBe(`Security rule ${NSG_PATH}/securityRules/invalidSourceAddressPrefixName has invalid Address prefix. Value provided: 10.0.0.0/42`);
  });

  test('a plural port list is checked item by item', async () => {
    const res = await put('bad', { destinationPortRange: undefined, destinationPortRanges: ['22', '70000-70001'] });
    expect((res.json['error'] as Record<string, unknown>)['code']).toBe('SecurityRuleInvalidPortRange');
  });

  test('the same priority in the same direction conflicts (SecurityRuleConflict); the other direction does not', async () => {
    const net = networkClient(emu);
    const conflict = await restError(net.securityRules.beginCreateOrUpdateAndWait(RG, NSG, 'dupe', { ...sshRule, priority: 110 }, FAST_POLL));
    expect(conflict.statusCode).toBe(400);
    expect(conflict.code).toBe('SecurityRuleConflict');
    expect(conflict.message).toBe('Security rule AllowAzureMachineLearningInbound conflicts with rule dupe. Rules cannot have the same Priority and Direction. To learn more, see aka.ms/nsgrules.');
    const outbound = await net.securityRules.beginCreateOrUpdateAndWait(RG, NSG, 'dupe', { ...sshRule, priority: 130, direction: 'Outbound' }, FAST_POLL);
    expect(outbound.provisioningState).toBe('Succeeded');
  });

  test('invalid protocol and missing prefixes', async () => {
    const protocol = await put('bad', { protocol: 'Gre' });
    expect((protocol.json['error'] as Record<string, unknown>)['code']).toBe('SecurityRuleInvalidProtocol');
    const missing = await put('bad', { sourceAddressPrefix: undefined });
    expect((missing.json['error'] as Record<string, unknown>)['message']).toContain('Security rule must specify SourceAddressPrefixes, SourceAddressPrefix, or SourceApplicationSecurityGroups.');
  });
});

describe('not found, as ARM tells them apart', () => {
  test('missing NSG: ResourceNotFound in the corpus wording', async () => {
    const res = await raw(emu, 'GET', `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.Network/networkSecurityGroups/networkSecurityGroupName?${NET_API}`);
    expect(res.status).toBe(404);
    const expected = corpus<Record<string, unknown>>('arm/network/error.nsg-resource-not-found.404.xplat-recorded.json');
    expect(res.json).toEqual(JSON.parse(JSON.stringify(expected).replace('xplat-test-nsg', RG)));
  });

  test('missing rule: NotFound with empty details', async () => {
    const res = await raw(emu, 'GET', `${NSG_PATH}/securityRules/securityRuleName?${NET_API}`);
    expect(res.status).toBe(404);
    expect(res.json).toEqual({ error: { code: 'NotFound', message: `Resource ${NSG_PATH}/securityRules/securityRuleName not found.`, details: [] } });
    expect(sortedKeys(res.json['error'])).toEqual(sortedKeys(corpus<{ error: unknown }>('arm/network/error.security-rule-not-found.404.xplat-recorded.json').error));
  });

  test('rule under a missing NSG: ParentResourceNotFound; missing resource group and subscription', async () => {
    const net = networkClient(emu);
    const parent = await restError(net.securityRules.beginCreateOrUpdateAndWait(RG, 'nsg-missing', 'r', sshRule, FAST_POLL));
    expect(parent.statusCode).toBe(404);
    expect(parent.code).toBe('ParentResourceNotFound');
    const rg = await restError(net.networkSecurityGroups.get('rg-missing', NSG));
    expect(rg.code).toBe('ResourceGroupNotFound');
    const sub = await raw(emu, 'GET', `/subscriptions/00000000-1111-4222-8333-444444444444/providers/Microsoft.Network/networkSecurityGroups?${NET_API}`);
    expect((sub.json['error'] as Record<string, unknown>)['code']).toBe('SubscriptionNotFound');
  });
});

describe('authentication and request basics', () => {
  test('missing, malformed and garbled bearer tokens get ARM 401 envelopes', async () => {
    const missing = await raw(emu, 'GET', `${NSG_PATH}?${NET_API}`, { token: null });
    expect(missing.status).toBe(401);
    expect(missing.json).toEqual({ error: { code: 'AuthenticationFailed', message: "Authentication failed. The 'Authorization' header is missing." } });
    expect(missing.headers['www-authenticate']).toMatch(/^Bearer /);
    const basic = await raw(emu, 'GET', `${NSG_PATH}?${NET_API}`, { token: 'Basic dXNlcjpwYXNz' });
    expect((basic.json['error'] as Record<string, unknown>)['code']).toBe('AuthenticationFailedInvalidHeader');
    const garbled = await raw(emu, 'GET', `${NSG_PATH}?${NET_API}`, { token: 'Bearer not-a-jwt' });
    expect(garbled.status).toBe(401);
    expect((garbled.json['error'] as Record<string, unknown>)['code']).toBe('InvalidAuthenticationToken');
    const noOid = await raw(emu, 'GET', `${NSG_PATH}?${NET_API}`, { token: `Bearer ${emu.tokenFor({ appid: 'x' })}` });
    expect((noOid.json['error'] as Record<string, unknown>)['message']).toContain("at least one of the claims 'puid' or 'altsecid' or 'oid' should be present");
    const expired = await raw(emu, 'GET', `${NSG_PATH}?${NET_API}`, { token: `Bearer ${emu.tokenFor('alice', { lifetimeSeconds: -60 })}` });
    expect((expired.json['error'] as Record<string, unknown>)['code']).toBe('ExpiredAuthenticationToken');
    const vaultToken = await raw(emu, 'GET', `${NSG_PATH}?${NET_API}`, { token: `Bearer ${emu.tokenFor('alice', { audience: 'https://vault.azure.net' })}` });
    expect((vaultToken.json['error'] as Record<string, unknown>)['code']).toBe('InvalidAuthenticationTokenAudience');
  });

  test('api-version is required; correlation ids are echoed; unknown paths get an ARM envelope', async () => {
    const missing = await raw(emu, 'GET', NSG_PATH);
    expect(missing.status).toBe(400);
    expect((missing.json['error'] as Record<string, unknown>)['code']).toBe('MissingApiVersionParameter');
    const correlated = await raw(emu, 'GET', `${NSG_PATH}?${NET_API}`, { headers: { 'x-ms-correlation-request-id': 'c0ffee00-0000-4000-8000-000000000001' } });
    expect(correlated.headers['x-ms-correlation-request-id']).toBe('c0ffee00-0000-4000-8000-000000000001');
    const unknown = await raw(emu, 'GET', `/subscriptions/${SUB}/providers/Microsoft.Compute/virtualMachines?api-version=2024-01-01`);
    expect(unknown.status).toBe(404);
    expect((unknown.json['error'] as Record<string, unknown>)['code']).toBe('InvalidResourceType');
  });

  test('virtual networks from the seed read back through ARM', async () => {
    const net = networkClient(emu);
    const vnet = await net.virtualNetworks.get(RG, 'vnet-ml-workspace');
    expect(vnet.addressSpace?.addressPrefixes).toEqual(['10.20.0.0/16']);
    expect(vnet.subnets?.map((s) => [s.name, s.addressPrefix, s.networkSecurityGroup?.id?.endsWith(`/${NSG}`)])).toEqual([
      ['training', '10.20.1.0/24', true],
      ['inference', '10.20.2.0/24', true],
    ]);
  });
});
