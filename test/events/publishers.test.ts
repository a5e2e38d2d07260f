import { normalizeDelivery } from '../../src/events';
import { lower, NSG, RULE, SUB } from './fixtures';

const VAULT = `/subscriptions/${SUB}/resourceGroups/rg-ml/providers/Microsoft.KeyVault/vaults/kv-train`;

function secretEvent(type: string, data: Record<string, unknown>): Record<string, unknown> {
  return { id: 'kv-1', topic: VAULT, subject: 'sp-train-secret', eventType: `Microsoft.KeyVault.${type}`, eventTime: '2026-12-03T10:00:00Z', data, dataVersion: '1', metadataVersion: '1' };
}

describe('Key Vault secret events', () => {
  test('near expiry with numeric dates and PascalCase keys', () => {
    const change = normalizeDelivery([
      secretEvent('SecretNearExpiry', { Id: 'https://kv-train.vault.azure.net/secrets/sp-train-secret/0123abcd', VaultName: 'kv-train', ObjectType: 'Secret', ObjectName: 'sp-train-secret', Version: '0123abcd', NBF: 1764700000, EXP: 1767292000 }),
    ]).changes[0];
    expect(change).toMatchObject({
      kind: 'secret',
      operation: 'action',
      status: 'succeeded',
      resourceId: lower(VAULT),
      subscriptionId: SUB,
      secret: { vaultName: 'kv-train', vaultUrl: 'https://kv-train.vault.azure.net', name: 'sp-train-secret', version: '0123abcd', notBefore: '2025-12-02T18:26:40.000Z', expires: '2026-01-01T18:26:40.000Z' },
    });
  });

  test('expired, camelCase, dates null or 0 or absent, names taken from the Id URL (emulator origin) or the subject', () => {
    const fromUrl = normalizeDelivery([secretEvent('SecretExpired', { id: 'https://127.0.0.1:8443/secrets/sp-train-secret/v2', nbf: null, exp: 0 })]).changes[0]!;
    expect(fromUrl.secret).toEqual({ vaultName: 'kv-train', vaultUrl: 'https://127.0.0.1:8443', name: 'sp-train-secret', version: 'v2' });
    const fromSubject = normalizeDelivery([secretEvent('SecretNewVersionCreated', {})]).changes[0]!;
    expect(fromSubject.secret).toEqual({ vaultName: 'kv-train', name: 'sp-train-secret' });
    expect(fromSubject.operation).toBe('write');
  });

  test('bad dates, a bad Id and a topic that is not a vault are errors naming the field as written', () => {
    const errors = normalizeDelivery([
      secretEvent('SecretExpired', { ' EXP ': 'soon' }),
      secretEvent('SecretExpired', { Id: 'not a url' }),
      { ...secretEvent('SecretExpired', {}), topic: `/subscriptions/${SUB}` },
    ]).errors;
    expect(errors.map((e) => [e.index, e.field])).toEqual([
      [0, 'data[" EXP "]'],
      [1, 'data.Id'],
      [2, 'topic'],
    ]);
    expect(errors[0]!.message).toBe('expected epoch seconds as a number or numeric string (got "soon")');
  });

  test('key and certificate events are not secret events', () => {
    expect(normalizeDelivery([{ ...secretEvent('KeyNearExpiry', {}) }]).ignored[0]!.reason).toBe('event type Microsoft.KeyVault.KeyNearExpiry is not drift-relevant');
  });
});

describe('Resource Notifications', () => {
  const nsgBody = {
    id: NSG,
    name: 'NSG-Train',
    type: 'Microsoft.Network/networkSecurityGroups',
    location: 'westeurope',
    tags: {},
    properties: { securityRules: [{ name: 'Allow-SSH', properties: { access: 'Allow', destinationPortRange: '22', priority: 100 } }] },
  };

  test('an NSG CreatedOrUpdated carries the body; Deleted does not', () => {
    const [written, deleted] = normalizeDelivery([
      { id: 'arn-1', source: `/subscriptions/${SUB}`, subject: NSG, type: 'Microsoft.ResourceNotifications.Resources.CreatedOrUpdated', time: '2026-12-03T10:00:00Z', specversion: '1.0', data: { resourceInfo: nsgBody, apiVersion: '2024-05-01', operationalInfo: { resourceEventTime: '2026-12-03T10:00:00Z' } } },
      { id: 'arn-2', topic: `/subscriptions/${SUB}`, subject: RULE, eventType: 'Microsoft.ResourceNotifications.Resources.Deleted', eventTime: '2026-12-03T10:01:00Z', data: { resourceInfo: { id: RULE, name: 'Allow-SSH', type: 'Microsoft.Network/networkSecurityGroups/securityRules' } } },
    ]).changes;
    expect(written).toMatchObject({ kind: 'networkSecurityGroup', operation: 'write', resourceId: lower(NSG), nsgId: lower(NSG), resourceBody: nsgBody, resourceApiVersion: '2024-05-01', actor: { type: 'unknown' } });
    expect(deleted).toMatchObject({ kind: 'securityRule', operation: 'delete', nsgId: lower(NSG), ruleName: 'Allow-SSH' });
    expect(deleted!.resourceBody).toBeUndefined();
  });

  test('without resourceInfo the id and kind come from the subject', () => {
    const change = normalizeDelivery([{ id: 'arn-3', topic: `/subscriptions/${SUB}`, subject: NSG, eventType: 'Microsoft.ResourceNotifications.Resources.Deleted', eventTime: '2026-12-03T10:01:00Z', data: {} }]).changes[0];
    expect(change).toMatchObject({ kind: 'networkSecurityGroup', resourceId: lower(NSG) });
  });

  test('a type that disagrees with the id is an error', () => {
    const errors = normalizeDelivery([{ id: 'arn-4', topic: `/subscriptions/${SUB}`, subject: NSG, eventType: 'Microsoft.ResourceNotifications.Resources.Deleted', eventTime: '2026-12-03T10:01:00Z', data: { resourceInfo: { id: NSG, type: 'Microsoft.Authorization/roleAssignments' } } }]).errors;
    expect(errors[0]).toMatchObject({ index: 0, field: 'data.resourceInfo.id', message: expect.stringMatching(/^expected a role assignment id/) });
  });
});
