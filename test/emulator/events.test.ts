/**
 * Events out: ARM and Key Vault events shaped like the corpus, delivered Event Grid-style to a plain-http webhook in
 * both schemas, handshake first, batching, retries with backoff and a dead-letter file after the last attempt.
 */
import { readFileSync } from 'node:fs';
import type { RunningEmulator } from '../../local/emulator';
import { FAST_POLL, NSG, RG, RG_SCOPE, ROLE, SUB, WebhookReceiver, authorizationClient, corpus, networkClient, secretClient, seedJson, sortedKeys, startTestEmulator, tempDir } from './helpers';

let emu: RunningEmulator;
let receiver: WebhookReceiver;
let deadLetterDir: string;

beforeAll(async () => {
  deadLetterDir = tempDir('dead-letters');
  emu = await startTestEmulator({ deadLetterDir });
});
afterAll(async () => {
  await emu.close();
});
beforeEach(async () => {
  await emu.reset();
  receiver = await new WebhookReceiver().start();
});
afterEach(async () => {
  await receiver.close();
});

const rule = { protocol: 'Tcp', access: 'Allow', direction: 'Inbound', priority: 300, sourceAddressPrefix: '10.0.0.0/8', sourcePortRange: '*', destinationAddressPrefix: '*', destinationPortRange: '8443' } as const;

describe('ARM events', () => {
  test('a rule write raises one ResourceWriteSuccess shaped like the corpus: no httpRequest on create, with it on update', async () => {
    const net = networkClient(emu, 'sp-ml-pipeline');
    await net.securityRules.beginCreateOrUpdateAndWait(RG, NSG, 'app', rule, FAST_POLL);
    await net.securityRules.beginCreateOrUpdateAndWait(RG, NSG, 'app', { ...rule, destinationPortRange: '9443' }, FAST_POLL);
    const [created, updated] = emu.publishedEvents();
    const recorded = corpus<Record<string, unknown>[]>('events/eventgrid-schema/arm-resource-write-success.storage.subscription-topic.docs.json')[0]!;
    expect(sortedKeys(created)).toEqual(sortedKeys(recorded));
    expect(sortedKeys(created!.data)).toEqual(sortedKeys(recorded['data']));
    const ruleId = `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.Network/networkSecurityGroups/${NSG}/securityRules/app`;
    expect(created).toMatchObject({
      subject: ruleId,
      topic: `/subscriptions/${SUB}`,
      eventType: 'Microsoft.Resources.ResourceWriteSuccess',
      dataVersion: '2',
      metadataVersion: '1',
      data: {
        operationName: 'Microsoft.Network/networkSecurityGroups/securityRules/write',
        resourceUri: ruleId,
        resourceProvider: 'Microsoft.Network',
        status: 'Succeeded',
        subscriptionId: SUB,
        tenantId: emu.tenantId,
        authorization: {
          scope: ruleId,
          action: 'Microsoft.Network/networkSecurityGroups/securityRules/write',
          // The service principal is Contributor on the resource group: RBAC evidence, GUIDs without dashes.
          evidence: { role: 'Contributor', roleAssignmentScope: `/${RG_SCOPE}`, roleAssignmentId: '6e0a4c8f2b7d4f1ea5c39b3d7f1e5a77', roleDefinitionId: ROLE.contributor.replace(/-/g, ''), principalId: '5a2c8e4f9b1d4f6a8c3e7d0a2b5f9e41', principalType: 'ServicePrincipal' },
        },
      },
    });
    const claims = (created!.data as { claims: Record<string, string> }).claims;
    expect(claims['http://schemas.microsoft.com/identity/claims/objectidentifier']).toBe('5a2c8e4f-9b1d-4f6a-8c3e-7d0a2b5f9e41');
    expect(claims['appid']).toBe('e7b3d9f1-2c6a-4e8b-9d4f-1a5c7e3b0d92');
    expect(claims['idtyp']).toBe('app');
    expect(Object.values(claims).every((v) => typeof v === 'string')).toBe(true);
    const deleteRecorded = corpus<Record<string, unknown>[]>('events/eventgrid-schema/arm-resource-delete-success.storage.with-httpRequest.docs.json')[0]!;
    expect(sortedKeys(updated!.data)).toEqual(sortedKeys(deleteRecorded['data']));
    expect((updated!.data as { httpRequest: Record<string, string> }).httpRequest).toMatchObject({ method: 'PUT', url: expect.stringContaining('/securityRules/app?api-version=2025-05-01') as unknown as string });
    expect(sortedKeys((updated!.data as { httpRequest: unknown }).httpRequest)).toEqual(sortedKeys((deleteRecorded['data'] as { httpRequest: unknown }).httpRequest));
  });

  test('an NSG PUT with inline rules raises only the NSG event; a child rule PUT only the rule event; deletes raise ResourceDeleteSuccess', async () => {
    const net = networkClient(emu);
    await net.networkSecurityGroups.beginCreateOrUpdateAndWait(RG, 'nsg-inline', { location: 'westeurope', securityRules: [{ name: 'a', ...rule }, { name: 'b', ...rule, priority: 301 }] }, FAST_POLL);
    await net.securityRules.beginCreateOrUpdateAndWait(RG, 'nsg-inline', 'c', { ...rule, priority: 302 }, FAST_POLL);
    await net.securityRules.beginDeleteAndWait(RG, 'nsg-inline', 'a', FAST_POLL);
    await net.networkSecurityGroups.beginDeleteAndWait(RG, 'nsg-inline', FAST_POLL);
    const summary = emu.publishedEvents().map((e) => [e.eventType.replace('Microsoft.Resources.', ''), (e.data as { operationName: string }).operationName]);
    expect(summary).toEqual([
      ['ResourceWriteSuccess', 'Microsoft.Network/networkSecurityGroups/write'],
      ['ResourceWriteSuccess', 'Microsoft.Network/networkSecurityGroups/securityRules/write'],
      ['ResourceDeleteSuccess', 'Microsoft.Network/networkSecurityGroups/securityRules/delete'],
      ['ResourceDeleteSuccess', 'Microsoft.Network/networkSecurityGroups/delete'],
    ]);
    const deletes = emu.publishedEvents().slice(2);
    for (const e of deletes) expect((e.data as { httpRequest?: { method: string } }).httpRequest?.method).toBe('DELETE');
  });

  test('correlationId comes from x-ms-correlation-request-id; a caller with no role assignment gets the classic evidence', async () => {
    const auth = authorizationClient(emu, 'bob');
    await auth.roleAssignments.create(RG_SCOPE, '55555555-aaaa-4aaa-8aaa-000000000001', { roleDefinitionId: `/subscriptions/${SUB}/providers/Microsoft.Authorization/roleDefinitions/${ROLE.owner}`, principalId: '1e5b9d3f-7a2c-4c6e-8f0b-4d8a2c6e0f57' }, {
      requestOptions: { customHeaders: { 'x-ms-correlation-request-id': '7a1f0c2e-0000-4000-8000-00000000c0de' } },
    });
    const [event] = emu.publishedEvents();
    expect(event!.data).toMatchObject({
      correlationId: '7a1f0c2e-0000-4000-8000-00000000c0de',
      operationName: 'Microsoft.Authorization/roleAssignments/write',
      resourceProvider: 'Microsoft.Authorization',
      authorization: { evidence: { role: 'Subscription Admin' } },
    });
    const claims = (event!.data as { claims: Record<string, string> }).claims;
    expect(claims['http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn']).toBe('bob@contoso.example');
    expect(claims['groups']).toBe('8d1e5b7c-3a9f-4c2d-a6e4-5f0b9c1d7e28');
    expect(claims['http://schemas.microsoft.com/claims/authnmethodsreferences']).toBe('pwd,mfa');
  });
});

describe('delivery', () => {
  test('Event Grid schema: the validation handshake first, then each event in an array with the aeg-* headers', async () => {
    const status = await emu.addEventSubscription({ name: 'intake-eg', endpoint: receiver.url, schema: 'EventGrid' });
    expect(status.state).toBe('Succeeded');
    const handshake = receiver.requests[0]!;
    expect(handshake.headers['aeg-event-type']).toBe('SubscriptionValidation');
    const validation = JSON.parse(handshake.body) as Record<string, unknown>[];
    const recorded = corpus<Record<string, unknown>[]>('events/validation/subscription-validation-event.eventgrid-schema.docs.json')[0]!;
    expect(sortedKeys(validation[0])).toEqual(sortedKeys(recorded));
    expect(sortedKeys(validation[0]!['data'])).toEqual(sortedKeys(recorded['data']));

    const net = networkClient(emu);
    await net.securityRules.beginCreateOrUpdateAndWait(RG, NSG, 'app', rule, FAST_POLL);
    await secretClient(emu).setSecret('api-key', 'v1');
    await emu.waitForDeliveries();
    const notes = receiver.notifications();
    expect(notes).toHaveLength(2);
    expect(notes[0]!.headers).toMatchObject({ 'aeg-subscription-name': 'INTAKE-EG', 'aeg-delivery-count': '0', 'aeg-data-version': '2', 'aeg-metadata-version': '1', 'content-type': 'application/json; charset=utf-8' });
    const bodies = notes.map((n) => JSON.parse(n.body) as Record<string, unknown>[]);
    expect(bodies.every((b) => Array.isArray(b) && b.length === 1)).toBe(true);
    expect(bodies.map((b) => b[0]!['eventType'])).toEqual(['Microsoft.Resources.ResourceWriteSuccess', 'Microsoft.KeyVault.SecretNewVersionCreated']);
    expect(notes[0]!.headers['aeg-output-event-id']).toBe(bodies[0]![0]!['id']);
  });

  test('CloudEvents schema: the OPTIONS abuse-protection handshake, then single structured events', async () => {
    await emu.addEventSubscription({ name: 'intake-ce', endpoint: receiver.url, schema: 'CloudEvents' });
    const options = receiver.requests[0]!;
    expect(options.method).toBe('OPTIONS');
    expect(options.headers['webhook-request-origin']).toBe('eventgrid.azure.net');
    await authorizationClient(emu).roleAssignments.create(RG_SCOPE, '66666666-aaaa-4aaa-8aaa-000000000001', { roleDefinitionId: `/subscriptions/${SUB}/providers/Microsoft.Authorization/roleDefinitions/${ROLE.reader}`, principalId: '1e5b9d3f-7a2c-4c6e-8f0b-4d8a2c6e0f57' });
    await emu.waitForDeliveries();
    const [note] = receiver.notifications();
    expect(note!.headers['content-type']).toBe('application/cloudevents+json; charset=utf-8');
    const event = JSON.parse(note!.body) as Record<string, unknown>;
    expect(Array.isArray(event)).toBe(false);
    const recorded = corpus<Record<string, unknown>>('events/cloudevents-schema/arm-resource-write-success.storage.spec-example.json');
    expect(sortedKeys(event)).toEqual(sortedKeys(recorded));
    expect(event).toMatchObject({ specversion: '1.0', type: 'Microsoft.Resources.ResourceWriteSuccess', source: `/subscriptions/${SUB}` });
  });

  test('a failed handshake rejects the subscription (nothing is registered)', async () => {
    receiver.respond = () => ({ status: 202 });
    await expect(emu.addEventSubscription({ name: 'bad-eg', endpoint: receiver.url })).rejects.toThrow(/HTTP 202/);
    receiver.respond = () => ({ status: 200 });
    await expect(emu.addEventSubscription({ name: 'bad-ce', endpoint: receiver.url, schema: 'CloudEvents' })).rejects.toThrow(/WebHook-Allowed-Origin/);
    expect(emu.deliveries()).toEqual([]);
  });

  test('batching: up to maxEventsPerBatch per request, in both schemas', async () => {
    const other = await new WebhookReceiver().start();
    try {
      await emu.addEventSubscription({ name: 'batched-eg', endpoint: receiver.url, maxEventsPerBatch: 3, batchWindowMs: 150 });
      await emu.addEventSubscription({ name: 'batched-ce', endpoint: other.url, schema: 'CloudEvents', maxEventsPerBatch: 3, batchWindowMs: 150 });
      const secrets = secretClient(emu);
      await Promise.all([1, 2, 3, 4, 5].map((i) => secrets.setSecret(`batch-${i}`, String(i))));
      await emu.waitForDeliveries();
      expect(receiver.notifications().map((n) => (JSON.parse(n.body) as unknown[]).length)).toEqual([3, 2]);
      const ce = other.notifications();
      expect(ce.map((n) => n.headers['content-type'])).toEqual(['application/cloudevents-batch+json; charset=utf-8', 'application/cloudevents-batch+json; charset=utf-8']);
      expect(ce.map((n) => (JSON.parse(n.body) as unknown[]).length)).toEqual([3, 2]);
      expect(other.events().every((e) => e['specversion'] === '1.0')).toBe(true);
    } finally {
      await other.close();
    }
  });

  test('filters: includedEventTypes and subjectBeginsWith', async () => {
    await emu.addEventSubscription({ name: 'only-rules', endpoint: receiver.url, includedEventTypes: ['Microsoft.Resources.ResourceWriteSuccess'], subjectBeginsWith: `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.Network/` });
    await secretClient(emu).setSecret('ignored', 'x');
    await networkClient(emu).securityRules.beginCreateOrUpdateAndWait(RG, NSG, 'app', rule, FAST_POLL);
    await emu.waitForDeliveries();
    expect(receiver.events().map((e) => e['subject'])).toEqual([`/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.Network/networkSecurityGroups/${NSG}/securityRules/app`]);
  });

  test('a webhook answering 500 gets retries with backoff, then a dead-letter file shaped like the corpus', async () => {
    await emu.addEventSubscription({ name: 'flaky', endpoint: receiver.url, maxDeliveryAttempts: 3, retryDelaysMs: [20, 40] });
    receiver.respond = () => ({ status: 500 });
    const started = Date.now();
    await secretClient(emu).setSecret('doomed', 'x');
    await emu.waitForDeliveries();
    const attempts = receiver.notifications();
    expect(attempts.map((a) => a.headers['aeg-delivery-count'])).toEqual(['0', '1', '2']);
    expect(Date.now() - started).toBeGreaterThanOrEqual(60);
    const [status] = emu.deliveries();
    expect(status!.deadLettered).toHaveLength(1);
    const entry = status!.deadLettered[0]!;
    expect(entry).toMatchObject({ reason: 'MaxDeliveryAttemptsExceeded', deliveryAttempts: 3, lastDeliveryOutcome: 'GenericError' });
    expect(entry.file).toMatch(new RegExp(`${deadLetterDir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/FLAKY/\\d{4}/\\d{1,2}/\\d{1,2}/\\d{1,2}/[0-9a-f-]+\\.json$`));
    const record = JSON.parse(readFileSync(entry.file!, 'utf8')) as Record<string, unknown>;
    const recorded = corpus<Record<string, unknown>>('events/eventgrid-schema/dead-letter.custom-input-schema.docs.json');
    expect(sortedKeys(record)).toEqual(sortedKeys(recorded));
    expect(record['eventType']).toBe('Microsoft.KeyVault.SecretNewVersionCreated');
  });

  test('400 is not retried: straight to dead-letter; CloudEvents dead-letter records use lower-case attributes', async () => {
    await emu.addEventSubscription({ name: 'rejecting', endpoint: receiver.url, schema: 'CloudEvents', maxDeliveryAttempts: 5, retryDelaysMs: [10] });
    receiver.respond = () => ({ status: 400 });
    await secretClient(emu).setSecret('rejected', 'x');
    await emu.waitForDeliveries();
    expect(receiver.notifications()).toHaveLength(1);
    const entry = emu.deliveries()[0]!.deadLettered[0]!;
    expect(entry).toMatchObject({ deliveryAttempts: 1, lastDeliveryOutcome: 'BadRequest' });
    const record = JSON.parse(readFileSync(entry.file!, 'utf8')) as Record<string, unknown>;
    const recorded = corpus<Record<string, unknown>>('events/cloudevents-schema/dead-letter.custom-event.docs.json');
    for (const k of ['deadletterreason', 'deliveryattempts', 'lastdeliveryoutcome', 'publishtime', 'specversion', 'id', 'source', 'subject', 'type', 'data']) {
      expect(record).toHaveProperty(k);
      if (k.startsWith('dead') || k.startsWith('deliv') || k.startsWith('last') || k.startsWith('pub')) expect(recorded).toHaveProperty(k);
    }
  });

  test('a webhook that recovers gets the event on a retry (at-least-once)', async () => {
    await emu.addEventSubscription({ name: 'recovering', endpoint: receiver.url, retryDelaysMs: [10] });
    // The handshake is done; from now on the endpoint answers 503 twice, then accepts.
    let failures = 2;
    receiver.respond = () => (failures-- > 0 ? { status: 503 } : { status: 200 });
    await secretClient(emu).setSecret('eventually', 'x');
    await emu.waitForDeliveries();
    const [status] = emu.deliveries();
    expect(status).toMatchObject({ delivered: 1, failedAttempts: 2, deadLettered: [] });
    expect(receiver.notifications().map((n) => n.headers['aeg-delivery-count'])).toEqual(['0', '1', '2']);
  });
});

describe('subscriptions from the seed file', () => {
  test('are validated lazily: the handshake runs before the first delivery', async () => {
    const seeded = await startTestEmulator({
      seed: { ...seedJson(), eventSubscriptions: [{ name: 'from-seed', endpoint: receiver.url, schema: 'EventGrid', includedEventTypes: ['Microsoft.KeyVault.SecretNewVersionCreated'] }] },
    });
    try {
      expect(seeded.deliveries()[0]).toMatchObject({ name: 'from-seed', state: 'AwaitingValidation' });
      expect(receiver.requests).toHaveLength(0);
      await secretClient(seeded).setSecret('seeded-sub', 'x');
      await seeded.waitForDeliveries();
      expect(receiver.requests.map((r) => r.headers['aeg-event-type'])).toEqual(['SubscriptionValidation', 'Notification']);
      expect(seeded.deliveries()[0]!.state).toBe('Succeeded');
    } finally {
      await seeded.close();
    }
  });
});
