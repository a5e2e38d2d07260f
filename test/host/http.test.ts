jest.mock('@azure/functions-core', () => require('../../local/host/functionsCore').createFunctionsCore(), { virtual: true });

import { app } from '@azure/functions';
import { loadFunctionApp, type LogEntry, type RunningHost } from '../../local/host';
import { fixture, resetFixture } from './fixtures/app';
import { FIXTURE_APP, removeTempDirs, request, startTestHost, stopTestHosts } from './helpers';

const registry = loadFunctionApp({ modules: [FIXTURE_APP] });

describe('HTTP triggers', () => {
  let host: RunningHost;
  const logs: LogEntry[] = [];

  beforeAll(async () => {
    host = await startTestHost(registry, { log: (entry) => logs.push(entry) });
  });
  afterAll(async () => {
    await stopTestHosts();
    removeTempDirs();
  });
  beforeEach(() => resetFixture());

  test('route parameters, query, headers, cookies and the InvocationContext reach the handler and back', async () => {
    const res = await request(`${host.url}/api/items/42?q=hello`, { headers: { 'x-test': 'from-test' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-echo')).toBe('yes');
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
    expect(res.headers.get('set-cookie')).toMatch(/^session=abc; Path=\/; HttpOnly/);
    const body = res.json() as Record<string, unknown>;
    expect(body).toMatchObject({ id: '42', method: 'GET', q: 'hello', header: 'from-test', functionName: 'echo', body: '' });
    expect(body.invocationId).toMatch(/^[0-9a-f-]{36}$/);
    expect(logs).toContainEqual(expect.objectContaining({ category: 'user', functionName: 'echo', message: 'echo GET 42', level: 'information' }));
  });

  test('request bodies and status codes', async () => {
    const res = await request(`${host.url}/api/items/7`, { method: 'POST', body: 'hi there' });
    expect(res.status).toBe(201);
    expect(res.json()).toMatchObject({ id: '7', method: 'POST', body: 'hi there' });
  });

  test('literal routes win over parameters; catch-all routes take the rest of the path', async () => {
    expect((await request(`${host.url}/api/items/new`)).json()).toEqual({ special: true });
    expect((await request(`${host.url}/api/files/a/b/c.txt`)).text).toBe('path=a/b/c.txt');
  });

  test('404 for unknown routes, 405 with Allow for a method the route does not take', async () => {
    expect((await request(`${host.url}/api/nope`)).status).toBe(404);
    expect((await request(`${host.url}/elsewhere`)).status).toBe(404);
    const res = await request(`${host.url}/api/items/1`, { method: 'PUT', body: 'x' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, POST');
  });

  test('nothing returned is 204; a thrown error is a bare 500 and only the log has the reason', async () => {
    expect((await request(`${host.url}/api/nothing`, { method: 'DELETE' })).status).toBe(204);
    const res = await request(`${host.url}/api/boom`);
    expect(res.status).toBe(500);
    expect(res.text).toBe('');
    expect(logs).toContainEqual(expect.objectContaining({ level: 'error', functionName: 'boom', message: expect.stringContaining('secret-ish failure') }));
  });

  test('pre- and post-invocation hooks run around handlers', async () => {
    const seen: string[] = [];
    const pre = app.hook.preInvocation((context) => {
      seen.push(`pre:${context.invocationContext.functionName}`);
    });
    const post = app.hook.postInvocation((context) => {
      seen.push(`post:${String((context.result as { status?: number } | undefined)?.status)}`);
    });
    try {
      await request(`${host.url}/api/items/new`);
    } finally {
      pre.dispose();
      post.dispose();
    }
    expect(seen).toEqual(['pre:itemsNew', 'post:undefined']);
  });

  test('admin endpoints list the functions', async () => {
    const list = (await request(`${host.url}/admin/functions`)).json() as Array<{ name: string; kind: string }>;
    expect(list).toContainEqual(expect.objectContaining({ name: 'echo', kind: 'http', methods: ['GET', 'POST'], route: 'items/{id}' }));
    expect((await request(`${host.url}/admin/host/status`)).json()).toMatchObject({ state: 'Running', taskHub: 'TestHub' });
  });
});

describe('Event Grid triggers', () => {
  let host: RunningHost;
  const event = (id: string, subject = '/subscriptions/s/resourceGroups/rg') => ({
    id,
    subject,
    eventType: 'Microsoft.Resources.ResourceWriteSuccess',
    eventTime: '2026-01-01T00:00:00Z',
    data: { operationName: 'Microsoft.Network/networkSecurityGroups/securityRules/write' },
    dataVersion: '2',
    metadataVersion: '1',
    topic: '/subscriptions/s',
  });

  beforeAll(async () => {
    host = await startTestHost(registry);
  });
  afterAll(async () => {
    await stopTestHosts();
    removeTempDirs();
  });
  beforeEach(() => resetFixture());

  test('the host answers the SubscriptionValidation handshake itself', async () => {
    const res = await request(host.eventGridUrl('onEvent'), {
      headers: { 'aeg-event-type': 'SubscriptionValidation' },
      body: [{ id: 'v1', eventType: 'Microsoft.EventGrid.SubscriptionValidationEvent', subject: '', data: { validationCode: 'code-123' } }],
    });
    expect(res.status).toBe(200);
    expect(res.json()).toEqual({ validationResponse: 'code-123' });
    expect(fixture.events).toHaveLength(0);
  });

  test('CloudEvents abuse protection: OPTIONS gets WebHook-Allowed-Origin', async () => {
    const res = await request(host.eventGridUrl('onEvent'), { method: 'OPTIONS', headers: { 'WebHook-Request-Origin': 'eventgrid.azure.net' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('webhook-allowed-origin')).toBe('eventgrid.azure.net');
  });

  test('a delivered batch invokes the function once per event; a single CloudEvent object once', async () => {
    const batch = await request(host.eventGridUrl('onEvent'), { headers: { 'aeg-event-type': 'Notification' }, body: [event('e1'), event('e2')] });
    expect(batch.status).toBe(202);
    expect(fixture.events.map((e) => e.id).sort()).toEqual(['e1', 'e2']);
    const cloud = { specversion: '1.0', id: 'c1', source: '/subscriptions/s', type: 'Microsoft.Resources.ResourceWriteSuccess', subject: 'x', data: {} };
    const single = await request(host.eventGridUrl('onEvent'), {
      headers: { 'aeg-event-type': 'Notification', 'content-type': 'application/cloudevents+json' },
      body: JSON.stringify(cloud),
    });
    expect(single.status).toBe(202);
    expect(fixture.events.map((e) => e.id)).toContain('c1');
  });

  test('a failing invocation answers 500 so Event Grid retries', async () => {
    const res = await request(host.eventGridUrl('onEvent'), { headers: { 'aeg-event-type': 'Notification' }, body: [event('ok-1'), event('bad-1', 'fail')] });
    expect(res.status).toBe(500);
    expect(res.text).toContain('cannot handle bad-1');
    expect(fixture.events.map((e) => e.id)).toEqual(['ok-1']);
  });

  test('unknown functions, missing event type headers and bad JSON are refused', async () => {
    expect((await request(host.eventGridUrl('nope'), { headers: { 'aeg-event-type': 'Notification' }, body: [] })).status).toBe(404);
    expect((await request(host.eventGridUrl('onEvent'), { body: [event('e3')] })).status).toBe(400);
    expect((await request(host.eventGridUrl('onEvent'), { headers: { 'aeg-event-type': 'Notification' }, body: '{oops' })).status).toBe(400);
    expect(fixture.events).toHaveLength(0);
  });
});
