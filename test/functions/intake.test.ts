/** The intake handlers, called directly as the Functions host would (the library runs in test mode here). */

// A stand-in for the worker's module, so registration is a quiet no-op instead of test-mode warnings.
jest.mock('@azure/functions-core', () => ({ setProgrammingModel: () => undefined, registerHook: () => ({ dispose: () => undefined }), registerFunction: () => ({ dispose: () => undefined }) }), {
  virtual: true,
});

import { EventGridEvent, HttpRequest, InvocationContext } from '@azure/functions';
import { driftIntakeHandler, driftWebhookHandler } from '../../functions/intake';
import { armCloudEvent, armEventGrid, nsgWrite, ruleWrite } from '../events/fixtures';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DurableClient } from 'durable-functions';
import { loadAppConfig } from '../../src/app/config';
import { buildServices, setServices } from '../../src/app/services';

/** A durable client that knows no instances and records what it is asked to start. */
const started: { name: string; instanceId?: string }[] = [];
const client = {
  getStatus: async (id: string) => {
    throw new Error(`DurableClient error: Durable Functions extension replied with HTTP 404 response. ${id}`);
  },
  startNew: async (name: string, options?: { instanceId?: string }) => {
    started.push({ name, ...(options?.instanceId ? { instanceId: options.instanceId } : {}) });
    return options?.instanceId ?? 'new';
  },
  raiseEvent: async () => undefined,
} as unknown as DurableClient;

beforeAll(() => {
  setServices(buildServices(loadAppConfig({ DRIFTWARDEN_DATA_DIR: mkdtempSync(join(tmpdir(), 'dw-intake-')) })));
});
afterAll(() => setServices(undefined));

function context(name: string): { ctx: InvocationContext; logs: string[] } {
  const logs: string[] = [];
  const ctx = new InvocationContext({ invocationId: 'inv-1', functionName: name, logHandler: (level, ...args) => logs.push(`${level}: ${args.join(' ')}`) });
  return { ctx, logs };
}

const URL = 'http://localhost:7071/api/events?code=k';

describe('driftIntake (Event Grid trigger)', () => {
  test('normalizes the event and logs ids, kind, operation and resource, never claims', async () => {
    const { ctx, logs } = context('driftIntake');
    const event = armEventGrid(ruleWrite({ id: 'trigger-1', clientIpAddress: '198.51.100.7' })) as unknown as EventGridEvent;
    const result = await driftIntakeHandler(event, client, ctx);
    expect(result.changes).toHaveLength(1);
    expect(logs).toEqual([
      'information: change trigger-1: securityRule write succeeded /subscriptions/0b1f6471-1bf0-4dda-aec3-cb9272f09590/resourcegroups/rg-ml/providers/microsoft.network/networksecuritygroups/nsg-train/securityrules/allow-ssh',
      'information: started nsg-nsg-train-2d3721fd989dbbebb1ee for /subscriptions/0b1f6471-1bf0-4dda-aec3-cb9272f09590/resourcegroups/rg-ml/providers/microsoft.network/networksecuritygroups/nsg-train (event trigger-1)',
    ]);
    expect(started.at(-1)).toEqual({ name: 'nsgRemediation', instanceId: 'nsg-nsg-train-2d3721fd989dbbebb1ee' });
    expect(logs.join('\n')).not.toMatch(/ada@|2001:db8|198\.51|Lovelace/);
  });

  test('a CloudEvent through the trigger, a repeat, and a malformed event are logged, not thrown', async () => {
    const { ctx, logs } = context('driftIntake');
    const event = armCloudEvent(nsgWrite({ id: 'trigger-2' })) as unknown as EventGridEvent;
    expect((await driftIntakeHandler(event, client, ctx)).changes[0]?.schema).toBe('cloudEvents');
    expect((await driftIntakeHandler(event, client, ctx)).ignored[0]?.reason).toMatch(/^duplicate delivery/);
    const broken = { ...armEventGrid(nsgWrite({ id: 'trigger-3' })), data: undefined } as unknown as EventGridEvent;
    expect((await driftIntakeHandler(broken, client, ctx)).errors).toEqual([{ index: 0, eventId: 'trigger-3', field: 'data', message: 'missing' }]);
    expect(logs.at(-1)).toBe('warning: rejected event index 0 (event trigger-3), field data: missing');
    expect((await driftIntakeHandler(42 as unknown as EventGridEvent, client, ctx)).errors[0]?.message).toMatch(/^body must be/);
  });
});

describe('driftWebhook (HTTP trigger)', () => {
  test('OPTIONS handshake', async () => {
    const { ctx } = context('driftWebhook');
    const response = await driftWebhookHandler(new HttpRequest({ method: 'OPTIONS', url: URL, headers: { 'WebHook-Request-Origin': 'eventgrid.azure.net' } }), client, ctx);
    expect(response).toEqual({ status: 200, headers: { 'WebHook-Allowed-Origin': 'eventgrid.azure.net', 'WebHook-Allowed-Rate': '*', Allow: 'POST' } });
  });

  test('OPTIONS without the origin header is a 400, logged as a warning', async () => {
    const { ctx, logs } = context('driftWebhook');
    expect((await driftWebhookHandler(new HttpRequest({ method: 'OPTIONS', url: URL }), client, ctx)).status).toBe(400);
    expect(logs[0]).toMatch(/^warning: webhook OPTIONS answered 400: OPTIONS must carry a WebHook-Request-Origin header/);
  });

  test('subscription validation event', async () => {
    const { ctx } = context('driftWebhook');
    const body = JSON.stringify([
      { id: 'v1', topic: '/subscriptions/x', subject: '', eventType: 'Microsoft.EventGrid.SubscriptionValidationEvent', eventTime: '2026-12-03T10:00:00Z', data: { validationCode: 'abc-123' }, dataVersion: '1', metadataVersion: '1' },
    ]);
    const request = new HttpRequest({ method: 'POST', url: URL, headers: { 'aeg-event-type': 'SubscriptionValidation', 'content-type': 'application/json' }, body: { string: body } });
    const response = await driftWebhookHandler(request, client, ctx);
    expect(response).toMatchObject({ status: 200, jsonBody: { validationResponse: 'abc-123' } });
  });

  test('a delivery in either schema answers 200 with counts and lists', async () => {
    const { ctx, logs } = context('driftWebhook');
    const body = JSON.stringify([armCloudEvent(ruleWrite({ id: 'w1' })), armCloudEvent(nsgWrite({ id: 'w2' }))]);
    const request = new HttpRequest({ method: 'POST', url: URL, headers: { 'aeg-event-type': 'Notification', 'content-type': 'application/cloudevents-batch+json' }, body: { string: body } });
    const response = await driftWebhookHandler(request, client, ctx);
    expect(response.status).toBe(200);
    expect(response.jsonBody).toMatchObject({ counts: { changes: 2, ignored: 0, errors: 0 }, changes: [{ eventId: 'w1', kind: 'securityRule' }, { eventId: 'w2', kind: 'networkSecurityGroup' }] });
    // Two changes of one NSG in one delivery start one orchestration, for the newest change.
    expect(logs).toHaveLength(3);
    expect(logs[2]).toMatch(/^information: started nsg-nsg-train-2d3721fd989dbbebb1ee for .*nsg-train \(event w2\)$/);
    expect(logs.join('\n')).not.toMatch(/ada@|2001:db8|Lovelace/);
  });

  test('a failure to start the orchestration answers 503 so Event Grid retries, and the retry is not dropped as a repeat', async () => {
    const { ctx } = context('driftWebhook');
    const failing = { ...client, startNew: async () => { throw new Error('task hub unavailable'); } } as unknown as DurableClient;
    const body = JSON.stringify([armEventGrid(ruleWrite({ id: 'retry-me' }))]);
    const request = () => new HttpRequest({ method: 'POST', url: URL, headers: { 'aeg-event-type': 'Notification' }, body: { string: body } });
    expect((await driftWebhookHandler(request(), failing, ctx)).status).toBe(503);
    const retried = await driftWebhookHandler(request(), client, ctx);
    expect(retried.status).toBe(200);
    expect(retried.jsonBody).toMatchObject({ counts: { changes: 1, ignored: 0 } });
  });
});
