import { normalizeDelivery, NormalizedChange } from '../../src/events';
import {
  armCloudEvent,
  armEventGrid,
  assignmentDelete,
  assignmentWrite,
  lower,
  managedIdentityClaims,
  MI_APPID,
  MI_ID,
  MI_OID,
  NSG,
  nsgWrite,
  ROLE_ASSIGNMENT,
  RULE,
  ruleDelete,
  ruleWrite,
  servicePrincipalClaims,
  SP_APPID,
  SP_OID,
  SUB,
  TENANT,
  USER_OID,
  userClaims,
} from './fixtures';

function single(body: unknown): NormalizedChange {
  const result = normalizeDelivery(body);
  expect(result.errors).toEqual([]);
  expect(result.ignored).toEqual([]);
  expect(result.changes).toHaveLength(1);
  return result.changes[0]!;
}

const USER_ACTOR = {
  type: 'user',
  objectId: USER_OID,
  appId: 'c44b4083-3bb0-49c1-b47d-974e53cbdf3c',
  upn: 'ada@contoso.example',
  name: 'Ada Lovelace',
  tenantId: TENANT,
  clientIp: '2001:db8:85a3::8a2e:370:7334',
};

describe('ARM events on watched resources', () => {
  test('security rule write by a user (WS-Fed claim names, dash-less upper-case object id)', () => {
    expect(single([armEventGrid(ruleWrite())])).toEqual({
      eventId: '4db48cba-50a2-455a-93b4-de41a3b5b7f6',
      source: `/subscriptions/${SUB}`,
      schema: 'eventGrid',
      eventType: 'Microsoft.Resources.ResourceWriteSuccess',
      kind: 'securityRule',
      operation: 'write',
      status: 'succeeded',
      resourceId: lower(RULE),
      nsgId: lower(NSG),
      ruleName: 'Allow-SSH',
      subscriptionId: SUB,
      time: '2026-12-03T10:15:04.6117357Z',
      correlationId: 'c0ffee00-1234-4567-89ab-cdef01234567',
      operationName: 'Microsoft.Network/networkSecurityGroups/securityRules/write',
      actor: USER_ACTOR,
    });
  });

  test('security rule delete by a service principal (idtyp app): the actor is the caller, not the evidence group', () => {
    const change = single([armEventGrid(ruleDelete({ claims: servicePrincipalClaims(), clientIpAddress: '198.51.100.7' }))]);
    expect(change).toMatchObject({ kind: 'securityRule', operation: 'delete', eventType: 'Microsoft.Resources.ResourceDeleteSuccess', nsgId: lower(NSG), ruleName: 'Allow-SSH' });
    // No ipaddr claim: the address comes from httpRequest.
    expect(change.actor).toEqual({ type: 'servicePrincipal', objectId: SP_OID, appId: SP_APPID, tenantId: TENANT, clientIp: '198.51.100.7' });
  });

  test('whole-NSG write by a managed identity (xms_mirid, dash-less app id)', () => {
    const change = single([armEventGrid(nsgWrite({ claims: managedIdentityClaims() }))]);
    expect(change).toMatchObject({ kind: 'networkSecurityGroup', operation: 'write', resourceId: lower(NSG), nsgId: lower(NSG) });
    expect(change.ruleName).toBeUndefined();
    expect(change.actor).toEqual({ type: 'managedIdentity', objectId: MI_OID, appId: MI_APPID, tenantId: TENANT, managedIdentityResourceId: lower(MI_ID) });
  });

  test('role assignment write and delete, at resource-group, subscription, management-group and root scope', () => {
    const write = single([armEventGrid(assignmentWrite())]);
    expect(write).toMatchObject({ kind: 'roleAssignment', operation: 'write', resourceId: lower(ROLE_ASSIGNMENT), subscriptionId: SUB });
    expect(write.nsgId).toBeUndefined();
    const remove = single([armCloudEvent(assignmentDelete({ claims: servicePrincipalClaims() }))]);
    expect(remove).toMatchObject({ kind: 'roleAssignment', operation: 'delete', schema: 'cloudEvents', actor: { type: 'servicePrincipal' } });

    const atSubscription = `/subscriptions/${SUB}/providers/Microsoft.Authorization/roleAssignments/0f0e0d0c-0b0a-4909-8807-060504030201`;
    expect(single([armEventGrid(assignmentWrite({ resourceUri: atSubscription }))]).resourceId).toBe(lower(atSubscription));
    const atManagementGroup = '/providers/Microsoft.Management/managementGroups/mg-platform/providers/Microsoft.Authorization/roleAssignments/0f0e0d0c-0b0a-4909-8807-060504030201';
    const mg = single([armEventGrid(assignmentWrite({ resourceUri: atManagementGroup }))]);
    expect(mg.resourceId).toBe(lower(atManagementGroup));
    const atRoot = '/providers/Microsoft.Authorization/roleAssignments/0f0e0d0c-0b0a-4909-8807-060504030201';
    expect(single([armEventGrid(assignmentWrite({ resourceUri: atRoot }))]).kind).toBe('roleAssignment');
    const onNsg = `${NSG}/providers/Microsoft.Authorization/roleAssignments/0f0e0d0c-0b0a-4909-8807-060504030201`;
    expect(single([armEventGrid(assignmentWrite({ resourceUri: onNsg }))])).toMatchObject({ kind: 'roleAssignment', resourceId: lower(onNsg) });
  });

  test('failure and cancel events keep their status', () => {
    expect(single([armEventGrid(ruleWrite({ eventType: 'Microsoft.Resources.ResourceWriteFailure' }))])).toMatchObject({ status: 'failed', operation: 'write' });
    expect(single([armEventGrid(ruleDelete({ eventType: 'Microsoft.Resources.ResourceDeleteCancel' }))])).toMatchObject({ status: 'canceled', operation: 'delete' });
  });

  test('ids differing only in casing, slashes or spaces normalize to the same id', () => {
    const messy = ` ${RULE.toUpperCase().replace('/PROVIDERS/', '//providers/')}/ `;
    const change = single([armEventGrid(ruleWrite({ resourceUri: messy }))]);
    expect(change.resourceId).toBe(lower(RULE));
    expect(change.nsgId).toBe(lower(NSG));
    expect(change.ruleName).toBe('ALLOW-SSH');
  });

  test('without operationName the kind comes from the resource id, then from the subject', () => {
    const event = armEventGrid(ruleWrite()) as { data: Record<string, unknown> };
    delete event.data.operationName;
    expect(single([event])).toMatchObject({ kind: 'securityRule', resourceId: lower(RULE) });
    delete event.data.resourceUri;
    expect(single([event])).toMatchObject({ kind: 'securityRule', resourceId: lower(RULE) });
  });

  test('an operation name and an id that disagree are an error naming the id field', () => {
    const result = normalizeDelivery([armEventGrid(ruleWrite({ resourceUri: NSG }))]);
    expect(result.errors).toEqual([
      expect.objectContaining({ index: 0, field: 'data.resourceUri', message: expect.stringMatching(/^expected a security rule id/) }),
    ]);
  });

  test('unwatched operations are ignored, or kept as kind other on request', () => {
    const subnet = `/subscriptions/${SUB}/resourceGroups/RG-ML/providers/Microsoft.Network/virtualNetworks/vnet/subnets/train`;
    const event = armEventGrid({ resourceUri: subnet, operationName: 'Microsoft.Network/virtualNetworks/subnets/write' });
    const ignored = normalizeDelivery([event]);
    expect(ignored.changes).toEqual([]);
    expect(ignored.ignored[0]!.reason).toBe(
      'operation Microsoft.Network/virtualNetworks/subnets/write is not on a watched resource type (network security groups, security rules and role assignments)',
    );
    expect(normalizeDelivery([event], { keepOther: true }).changes[0]).toMatchObject({ kind: 'other', resourceId: lower(subnet) });
  });

  test('actor fallbacks: unique_name and preferred_username, azp, v2 short names, idtyp user, unknown', () => {
    const actorOf = (claims: Record<string, string>) => single([armEventGrid(ruleWrite({ claims }))]).actor;
    expect(actorOf({ oid: USER_OID, unique_name: 'live.com#guest@example.org', tid: TENANT })).toEqual({ type: 'user', objectId: USER_OID, upn: 'live.com#guest@example.org', tenantId: TENANT });
    expect(actorOf({ oid: USER_OID, preferred_username: 'ada@contoso.example', scp: 'user_impersonation', azp: SP_APPID })).toEqual({
      type: 'user',
      objectId: USER_OID,
      appId: SP_APPID,
      upn: 'ada@contoso.example',
    });
    // A delegated scope means a signed-in user even without a UPN claim.
    expect(actorOf({ oid: USER_OID, scp: 'user_impersonation', appid: SP_APPID }).type).toBe('user');
    expect(actorOf({ oid: USER_OID, idtyp: 'user' }).type).toBe('user');
    // App-only without idtyp (older tokens).
    expect(actorOf({ appid: SP_APPID, oid: SP_OID })).toEqual({ type: 'servicePrincipal', objectId: SP_OID, appId: SP_APPID });
    expect(actorOf({ aud: 'https://management.azure.com' })).toEqual({ type: 'unknown' });
    // Braced GUIDs are canonicalized; placeholders stay as written.
    expect(actorOf({ oid: `{${USER_OID.toUpperCase()}}`, appid: '{ID}' })).toMatchObject({ objectId: USER_OID, appId: '{ID}' });
  });

  test('claims are optional; a non-string identity claim is an error that does not show the value', () => {
    const noClaims = armEventGrid(ruleWrite({ clientIpAddress: '203.0.113.9' })) as { data: Record<string, unknown> };
    delete noClaims.data.claims;
    expect(single([noClaims]).actor).toEqual({ type: 'unknown', clientIp: '203.0.113.9' });

    const bad = armEventGrid(ruleWrite({ claims: { ...userClaims() } })) as { data: { claims: Record<string, unknown> } };
    bad.data.claims['http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn'] = { secret: 'ada@contoso.example' };
    const result = normalizeDelivery([bad]);
    expect(result.errors).toEqual([
      { index: 0, eventId: '4db48cba-50a2-455a-93b4-de41a3b5b7f6', field: 'data.claims["http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn"]', message: 'expected a string (got object)' },
    ]);
  });

  test('a double-encoded CloudEvents data string is parsed', () => {
    const event = armCloudEvent(nsgWrite());
    event.data = JSON.stringify(event.data);
    expect(single(event)).toMatchObject({ kind: 'networkSecurityGroup', schema: 'cloudEvents', actor: { upn: 'ada@contoso.example' } });
  });

  test('a CloudEvents batch (array) and a single CloudEvent object are both deliveries', () => {
    const batch = normalizeDelivery(JSON.stringify([armCloudEvent(ruleWrite()), armCloudEvent(assignmentWrite({ id: 'e2' }))]));
    expect(batch.changes.map((c) => c.kind)).toEqual(['securityRule', 'roleAssignment']);
    expect(single(JSON.stringify(armCloudEvent(ruleWrite()))).schema).toBe('cloudEvents');
    expect(single(Buffer.from(`\uFEFF${JSON.stringify([armEventGrid(ruleWrite())])}`, 'utf8')).schema).toBe('eventGrid');
  });
});

describe('Event Grid and CloudEvents schemas', () => {
  const specs = {
    ruleWrite: ruleWrite(),
    ruleDelete: ruleDelete({ claims: servicePrincipalClaims(), clientIpAddress: '198.51.100.7' }),
    nsgWrite: nsgWrite({ claims: managedIdentityClaims() }),
    assignmentWrite: assignmentWrite(),
    assignmentDelete: assignmentDelete({ claims: servicePrincipalClaims() }),
  };

  test.each(Object.entries(specs))('%s: the same event gives the same change in both schemas', (_name, spec) => {
    const fromEventGrid = single([armEventGrid(spec)]);
    const fromCloudEvents = single(armCloudEvent(spec));
    expect(fromEventGrid.schema).toBe('eventGrid');
    expect(fromCloudEvents.schema).toBe('cloudEvents');
    expect({ ...fromCloudEvents, schema: 'eventGrid' }).toEqual(fromEventGrid);
  });
});
