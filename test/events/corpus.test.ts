/**
 * Every file under the shared corpus's events/ folder, each with concrete expectations. A new file with no entry
 * below fails (it must be looked at, not pass silently), and so does an entry whose file is gone.
 */

import { readFileSync, readdirSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { handleWebhookRequest, IntakeResult, normalizeDelivery, NormalizedChange } from '../../src/events';
import { CORPUS } from '../helpers/examples';

const EVENTS_DIR = join(CORPUS, 'events');

function listFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? listFiles(join(dir, entry.name)) : [relative(EVENTS_DIR, join(dir, entry.name)).split(sep).join('/')],
  );
}

const text = (file: string): string => readFileSync(join(EVENTS_DIR, file), 'utf8');
const json = (file: string): unknown => JSON.parse(text(file));

function only<T>(items: T[]): T {
  expect(items).toHaveLength(1);
  return items[0]!;
}

/** The file normalizes to exactly one ignored event with this type and a reason matching `reason`. */
function expectIgnored(result: IntakeResult, eventId: string, eventType: string, reason: RegExp): void {
  expect(result.changes).toEqual([]);
  expect(result.errors).toEqual([]);
  const ignored = only(result.ignored);
  expect(ignored).toMatchObject({ index: 0, eventId, eventType });
  expect(ignored.reason).toMatch(reason);
}

/** The same file with `keepOther`: one `other` change, so its actor and ids are checked too. */
function keptOther(file: string): NormalizedChange {
  const result = normalizeDelivery(text(file), { keepOther: true });
  expect(result.errors).toEqual([]);
  const change = only(result.changes);
  expect(change.kind).toBe('other');
  return change;
}

const STORAGE_ID = '/subscriptions/{subscription-id}/resourcegroups/{resource-group}/providers/microsoft.storage/storageaccounts/{storage-name}';
const EVENTHUB_RULE_ID =
  '/subscriptions/{subscription-id}/resourcegroups/{resource-group}/providers/microsoft.eventhub/namespaces/{namespace}/authorizationrules/rootmanagesharedaccesskey';
const VAULT_ID = '/subscriptions/{subscription-id}/resourcegroups/sample-rg/providers/microsoft.keyvault/vaults/sample-kv';
const SECRET_FACTS = {
  vaultName: 'sample-kv',
  vaultUrl: 'https://sample-kv.vault.azure.net',
  name: 'newsecret',
  version: 'ee059b2bb5bc48398a53b168c6cdcb10',
  notBefore: '2019-05-28T22:19:40.000Z',
  expires: '2019-05-28T22:21:42.000Z',
};
/** The user in the corpus storage events: UPN via the WS-Fed name, object id and app id are `{ID}` placeholders. */
const CORPUS_USER = { type: 'user', objectId: '{ID}', appId: '{ID}', upn: '{user-name}', name: '{full-name}', tenantId: '{ID}', clientIp: '{IP-address}' };
/** The listKeys caller: app id and object id, no UPN or scope. */
const CORPUS_SERVICE_PRINCIPAL = { type: 'servicePrincipal', objectId: '{ID}', appId: '{ID}', tenantId: '{ID}', clientIp: '{IP-address}' };

function expectSecretChange(file: string, schema: 'eventGrid' | 'cloudEvents'): void {
  const result = normalizeDelivery(text(file));
  expect(result.ignored).toEqual([]);
  expect(result.errors).toEqual([]);
  expect(only(result.changes)).toEqual({
    eventId: '00eccf70-95a7-4e7c-8299-2eb17ee9ad64',
    source: '/subscriptions/{subscription-id}/resourceGroups/sample-rg/providers/Microsoft.KeyVault/vaults/sample-kv',
    schema,
    eventType: 'Microsoft.KeyVault.SecretNewVersionCreated',
    kind: 'secret',
    operation: 'write',
    status: 'succeeded',
    resourceId: VAULT_ID,
    subscriptionId: '{subscription-id}',
    time: '2019-07-25T01:08:33.1036736Z',
    actor: { type: 'unknown' },
    secret: SECRET_FACTS,
  });
}

const EXPECTATIONS: Record<string, (file: string) => void> = {
  'cloudevents-schema/arm-resource-action-success.listkeys.docs.json': (file) => {
    expectIgnored(normalizeDelivery(text(file)), '{ID}', 'Microsoft.Resources.ResourceActionSuccess', /listKeys\/action is not on a watched resource type/);
    const change = keptOther(file);
    expect(change).toMatchObject({ schema: 'cloudEvents', operation: 'action', status: 'succeeded', resourceId: EVENTHUB_RULE_ID });
    expect(change.actor).toEqual(CORPUS_SERVICE_PRINCIPAL);
  },
  'cloudevents-schema/arm-resource-write-success.storage.spec-example.json': (file) => {
    expectIgnored(normalizeDelivery(text(file)), '4db48cba-50a2-455a-93b4-de41a3b5b7f6', 'Microsoft.Resources.ResourceWriteSuccess', /storageAccounts\/write is not on a watched/);
    const change = keptOther(file);
    expect(change).toMatchObject({ schema: 'cloudEvents', operation: 'write', resourceId: STORAGE_ID, source: '/subscriptions/{subscription-id}/resourceGroups/{resource-group}' });
    // No httpRequest in this capture: the IP comes from `ipaddr`.
    expect(change.actor).toEqual(CORPUS_USER);
  },
  'cloudevents-schema/blob-created.single-object.docs.json': (file) => {
    expectIgnored(normalizeDelivery(text(file)), '9aeb0fdf-c01e-0131-0922-9eb54906e209', 'Microsoft.Storage.BlobCreated', /^event type Microsoft\.Storage\.BlobCreated is not drift-relevant$/);
  },
  'cloudevents-schema/dead-letter.custom-event.docs.json': (file) => {
    const result = normalizeDelivery(text(file));
    expectIgnored(result, 'caee971c-3ca0-4254-8f99-1395b394588e', 'fooEventType', /not drift-relevant/);
    // Lower-case extension attributes, and no lastDeliveryAttemptTime in CloudEvents.
    expect(result.ignored[0]!.deadLetter).toEqual({
      reason: 'MaxDeliveryAttemptsExceeded',
      deliveryAttempts: 1,
      lastDeliveryOutcome: 'NotFound',
      publishTime: '2020-08-13T21:21:36.4018726Z',
    });
  },
  'eventgrid-schema/arm-resource-action-success.listkeys.serviceprincipal-evidence.docs.json': (file) => {
    expectIgnored(normalizeDelivery(text(file)), '{ID}', 'Microsoft.Resources.ResourceActionSuccess', /listKeys\/action is not on a watched resource type/);
    const change = keptOther(file);
    expect(change).toMatchObject({ schema: 'eventGrid', operation: 'action', resourceId: EVENTHUB_RULE_ID, correlationId: '{ID}', subscriptionId: '{subscription-id}' });
    expect(change.actor).toEqual(CORPUS_SERVICE_PRINCIPAL);
  },
  'eventgrid-schema/arm-resource-delete-success.storage.with-httpRequest.docs.json': (file) => {
    expectIgnored(normalizeDelivery(text(file)), '19a69642-1aad-4a96-a5ab-8d05494513ce', 'Microsoft.Resources.ResourceDeleteSuccess', /storageAccounts\/delete is not on a watched/);
    const change = keptOther(file);
    expect(change).toMatchObject({ operation: 'delete', status: 'succeeded', resourceId: STORAGE_ID, operationName: 'Microsoft.Storage/storageAccounts/delete' });
    expect(change.actor).toEqual(CORPUS_USER);
  },
  'eventgrid-schema/arm-resource-write-success.storage.subscription-topic.docs.json': (file) => {
    expectIgnored(normalizeDelivery(text(file)), '4db48cba-50a2-455a-93b4-de41a3b5b7f6', 'Microsoft.Resources.ResourceWriteSuccess', /storageAccounts\/write is not on a watched/);
    const change = keptOther(file);
    expect(change).toMatchObject({ operation: 'write', resourceId: STORAGE_ID, source: '/subscriptions/{subscription-id}' });
    expect(change.actor).toEqual(CORPUS_USER);
  },
  'eventgrid-schema/dead-letter.blob-created.docs.json': (file) => {
    const result = normalizeDelivery(text(file));
    expectIgnored(result, '93902694-901e-008f-6f95-7153a806873c', 'Microsoft.Storage.BlobCreated', /not drift-relevant/);
    expect(result.ignored[0]!.deadLetter).toEqual({
      reason: 'MaxDeliveryAttemptsExceeded',
      deliveryAttempts: 1,
      lastDeliveryOutcome: 'NotFound',
      publishTime: '2020-08-13T17:18:14.0265758Z',
      lastDeliveryAttemptTime: '2020-08-13T17:18:14.0465788Z',
    });
  },
  'eventgrid-schema/dead-letter.custom-input-schema.docs.json': (file) => {
    const result = normalizeDelivery(text(file));
    expectIgnored(result, '8bc07e6f-0885-4729-90e4-7c3f052bd754', 'myEventType', /not drift-relevant/);
    expect(result.ignored[0]!.deadLetter).toMatchObject({ reason: 'MaxDeliveryAttemptsExceeded', lastDeliveryAttemptTime: '2020-08-13T18:11:29.4277644Z' });
  },
  // The Learn sample: camelCase keys, `"objectName "` with a trailing space, a version with a leading space.
  'keyvault/secret-new-version-created.cloudevents-schema.docs.json': (file) => expectSecretChange(file, 'cloudEvents'),
  'keyvault/secret-new-version-created.pascalcase.cloudevents-schema.spec-example.json': (file) => expectSecretChange(file, 'cloudEvents'),
  'keyvault/secret-new-version-created.pascalcase.eventgrid-schema.spec-example.json': (file) => expectSecretChange(file, 'eventGrid'),
  'resource-notifications/resources-created-or-updated.storage.cloudevents-schema.docs.json': (file) => {
    expectIgnored(normalizeDelivery(text(file)), '4eef929a-a65c-47dd-93e2-46b8c17c6c17', 'Microsoft.ResourceNotifications.Resources.CreatedOrUpdated', /Microsoft\.Storage\/storageAccounts is not watched/);
    const change = keptOther(file);
    // The id comes from resourceInfo.id, doc typo included; the body and its api-version come along.
    expect(change).toMatchObject({
      schema: 'cloudEvents',
      operation: 'write',
      resourceId: '/subscriptions/{subcription-id}/resourcegroups/{rg-name}/providers/microsoft.storage/storageaccounts/{storageaccount-name}',
      resourceApiVersion: '2019-06-01',
      actor: { type: 'unknown' },
    });
    expect(change.resourceBody).toMatchObject({ type: 'Microsoft.Storage/storageAccounts', properties: { allowBlobPublicAccess: 1 } });
  },
  'resource-notifications/resources-created-or-updated.storage.eventgrid-schema.docs.json': (file) => {
    expectIgnored(normalizeDelivery(text(file)), '4eef929a-a65c-47dd-93e2-46b8c17c6c17', 'Microsoft.ResourceNotifications.Resources.CreatedOrUpdated', /is not watched/);
    const change = keptOther(file);
    expect(change).toMatchObject({ schema: 'eventGrid', operation: 'write', resourceApiVersion: '2019-06-01' });
    expect(change.resourceBody).toMatchObject({ location: 'eastus', tags: {} });
  },
  'resource-notifications/resources-deleted.storage.cloudevents-schema.docs.json': (file) => {
    expectIgnored(normalizeDelivery(text(file)), 'd4611260-d179-4f86-b196-3a9d4128be2d', 'Microsoft.ResourceNotifications.Resources.Deleted', /is not watched/);
    const change = keptOther(file);
    expect(change).toMatchObject({ operation: 'delete', status: 'succeeded', resourceId: '/subscriptions/{subscription-id}/resourcegroups/{rg-name}/providers/microsoft.storage/storageaccounts/{storageaccount-name}' });
    expect(change.resourceBody).toBeUndefined();
  },
  'resource-notifications/resources-deleted.storage.eventgrid-schema.docs.json': (file) => {
    expectIgnored(normalizeDelivery(text(file)), 'd4611260-d179-4f86-b196-3a9d4128be2d', 'Microsoft.ResourceNotifications.Resources.Deleted', /is not watched/);
    expect(keptOther(file)).toMatchObject({ schema: 'eventGrid', operation: 'delete', time: '2023-07-28T20:11:36.6347858Z' });
  },
  'validation/cloudevents-abuse-protection-handshake.options.constructed.json': (file) => {
    const fixture = json(file) as { request: { method: string; headers: Record<string, string> }; response: { status: number; headers: Record<string, string>; body: null } };
    const response = handleWebhookRequest({ method: fixture.request.method, headers: fixture.request.headers });
    expect(response.status).toBe(fixture.response.status);
    expect(response.headers).toEqual(fixture.response.headers);
    expect(response.jsonBody ?? null).toBe(fixture.response.body);
  },
  'validation/subscription-validation-event.eventgrid-schema.docs.json': (file) => {
    const response = handleWebhookRequest({ method: 'POST', headers: { 'aeg-event-type': 'SubscriptionValidation' }, body: text(file) });
    expect(response.status).toBe(200);
    expect(response.jsonBody).toEqual(json('validation/subscription-validation-response.docs.json'));
    // Outside the webhook it is a handshake, not a change.
    expectIgnored(normalizeDelivery(text(file)), '2d1781af-3a4c-4d7c-bd0c-e34b19da4e66', 'Microsoft.EventGrid.SubscriptionValidationEvent', /subscription notice/);
  },
  'validation/subscription-validation-response.docs.json': (file) => {
    // The answer to the validation event above: the code from its data.
    const event = (json('validation/subscription-validation-event.eventgrid-schema.docs.json') as { data: { validationCode: string } }[])[0]!;
    expect(json(file)).toEqual({ validationResponse: event.data.validationCode });
    expect(handleWebhookRequest({ method: 'POST', headers: {}, body: [event] }).jsonBody).toEqual(json(file));
  },
};

const files = listFiles(EVENTS_DIR).sort();

describe('corpus events', () => {
  test('the corpus is there', () => {
    expect(files.length).toBeGreaterThanOrEqual(19);
  });

  test.each(files)('%s', (file) => {
    const check = EXPECTATIONS[file];
    if (check === undefined) throw new Error(`no expectation for corpus file events/${file}: add one to test/events/corpus.test.ts`);
    check(file);
  });

  test('no expectation is left without its file', () => {
    expect(Object.keys(EXPECTATIONS).filter((file) => !files.includes(file))).toEqual([]);
  });
});
