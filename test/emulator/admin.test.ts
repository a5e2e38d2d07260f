/**
 * The admin API: no bearer token, under /admin/ only; tokens, state dumps, subscriptions, deliveries, events,
 * faults; bad bodies answer 400 naming the field.
 */
import type { RunningEmulator } from '../../local/emulator';
import { NET_API, NSG_PATH, WebhookReceiver, raw, secretClient, startTestEmulator } from './helpers';

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

const admin = (method: string, path: string, body?: unknown) => raw(emu, method, path, { token: null, ...(body === undefined ? {} : { body }) });
const errorOf = (json: Record<string, unknown>) => json['error'] as Record<string, unknown>;

test('the index and health need no token; ARM paths still do; unknown admin paths are 404 JSON', async () => {
  const index = await admin('GET', '/admin');
  expect(index.status).toBe(200);
  expect(index.json['arm']).toBe(emu.url);
  expect((await admin('GET', '/admin/health')).json).toEqual({ status: 'ok' });
  expect((await admin('GET', `${NSG_PATH}?${NET_API}`)).status).toBe(401);
  const missing = await admin('GET', '/admin/nope');
  expect(missing.status).toBe(404);
  expect(errorOf(missing.json)['code']).toBe('NotFound');
  expect((await admin('PUT', '/admin/health')).status).toBe(405);
});

test('tokens for seeded identities and raw claims; they work against ARM', async () => {
  const minted = await admin('POST', '/admin/tokens', { identity: 'id-driftwarden' });
  expect(minted.status).toBe(200);
  expect(minted.json['claims']).toMatchObject({ oid: 'b2e6c0a4-8f3d-4b7e-a1c9-6d5f3e8b2a70', idtyp: 'app', xms_mirid: expect.stringContaining('/userAssignedIdentities/id-driftwarden') as unknown as string, aud: 'https://management.azure.com/' });
  const arm = await raw(emu, 'GET', `${NSG_PATH}?${NET_API}`, { token: `Bearer ${String(minted.json['accessToken'])}` });
  expect(arm.status).toBe(200);
  const vault = await admin('POST', '/admin/tokens', { claims: { oid: '00000000-0000-4000-8000-000000000abc', upn: 'temp@contoso.example' }, audience: 'vault' });
  expect((vault.json['claims'] as Record<string, unknown>)['aud']).toBe('https://vault.azure.net');
  const both = await admin('POST', '/admin/tokens', { identity: 'alice', claims: {} });
  expect(both.status).toBe(400);
  const unknown = await admin('POST', '/admin/tokens', { identity: 'carol' });
  expect(unknown.status).toBe(400);
  expect(errorOf(unknown.json)['field']).toBe('identity');
  expect((await admin('POST', '/admin/tokens', { identity: 'ml-data-scientists' })).status).toBe(400);
  expect((await admin('POST', '/admin/tokens', '{not json')).status).toBe(400);
});

test('state dumps hide secret values unless asked', async () => {
  const hidden = await admin('GET', '/admin/state');
  expect(JSON.stringify(hidden.json)).not.toContain('emulator-fake-client-secret');
  expect(hidden.json['networkSecurityGroups']).toHaveLength(1);
  expect(hidden.json['roleAssignments']).toHaveLength(9);
  const shown = await admin('GET', '/admin/state?includeSecretValues=true');
  expect(JSON.stringify(shown.json)).toContain('emulator-fake-client-secret');
});

test('subscriptions, deliveries and the event log through the admin API', async () => {
  const receiver = await new WebhookReceiver().start();
  try {
    const bad = await admin('POST', '/admin/subscriptions', { name: 'intake', endpoint: receiver.url, maxEventsPerBatch: 0 });
    expect(bad.status).toBe(400);
    expect(String(errorOf(bad.json)['message'])).toMatch(/maxEventsPerBatch/);
    const created = await admin('POST', '/admin/subscriptions', { name: 'intake', endpoint: receiver.url, schema: 'CloudEvents' });
    expect(created.status).toBe(201);
    expect(created.json['state']).toBe('Succeeded');
    expect((await admin('POST', '/admin/subscriptions', { name: 'INTAKE', endpoint: receiver.url })).status).toBe(400);
    await secretClient(emu).setSecret('logged', 'x');
    expect((await admin('POST', '/admin/events/wait?timeoutMs=5000')).json).toEqual({ status: 'idle' });
    const deliveries = await admin('GET', '/admin/deliveries');
    expect((deliveries.json['value'] as Record<string, unknown>[])[0]).toMatchObject({ name: 'intake', delivered: 1, queued: 0 });
    const events = await admin('GET', '/admin/events?type=Microsoft.KeyVault.SecretNewVersionCreated');
    expect((events.json['value'] as unknown[]).length).toBe(1);
    expect(((await admin('GET', '/admin/events?type=Microsoft.Resources.ResourceWriteSuccess')).json['value'] as unknown[]).length).toBe(0);
    expect((await admin('GET', '/admin/subscriptions/intake')).json['schema']).toBe('CloudEvents');
    expect((await admin('DELETE', '/admin/subscriptions/intake')).status).toBe(204);
    expect((await admin('GET', '/admin/subscriptions/intake')).status).toBe(404);
  } finally {
    await receiver.close();
  }
});

test('asynchronous validation: 200 without the code, then the endpoint calls validationUrl', async () => {
  const receiver = await new WebhookReceiver().start();
  try {
    let validationUrl = '';
    receiver.respond = (req) => {
      if (req.headers['aeg-event-type'] === 'SubscriptionValidation') {
        validationUrl = (JSON.parse(req.body) as { data: { validationUrl: string } }[])[0]!.data.validationUrl;
        return { status: 200 };
      }
      return { status: 200 };
    };
    const created = await admin('POST', '/admin/subscriptions', { name: 'manual', endpoint: receiver.url });
    expect(created.json['state']).toBe('AwaitingManualAction');
    expect(validationUrl.startsWith(`${emu.url}/admin/subscriptions/manual/validate?code=`)).toBe(true);
    const wrong = await raw(emu, 'GET', '/admin/subscriptions/manual/validate?code=nope', { token: null });
    expect(wrong.status).toBe(400);
    const ok = await raw(emu, 'GET', validationUrl.slice(emu.url.length), { token: null });
    expect(ok.status).toBe(200);
    await secretClient(emu).setSecret('after-validation', 'x');
    await emu.waitForDeliveries();
    expect(receiver.notifications()).toHaveLength(1);
  } finally {
    await receiver.close();
  }
});

test('faults through the admin API: validated, listed, removed', async () => {
  const bad = await admin('POST', '/admin/faults', { kind: 'throttle', probability: 2 });
  expect(bad.status).toBe(400);
  expect(String(errorOf(bad.json)['message'])).toMatch(/probability/);
  const wrongKind = await admin('POST', '/admin/faults', { kind: 'duplicateDelivery', path: '/x' });
  expect(String(errorOf(wrongKind.json)['message'])).toMatch(/path: applies to request faults only/);
  const created = await admin('POST', '/admin/faults', [{ id: 'slow', kind: 'latency', latencyMs: 1 }, { id: 'busy', kind: 'error', status: 503, method: 'GET', path: '/subscriptions/**', count: 1 }]);
  expect(created.status).toBe(201);
  expect((await raw(emu, 'GET', `${NSG_PATH}?${NET_API}`)).status).toBe(503);
  expect((await admin('POST', '/admin/faults', { id: 'slow', kind: 'latency', latencyMs: 1 })).status).toBe(409);
  const listed = await admin('GET', '/admin/faults');
  expect((listed.json['value'] as Record<string, unknown>[]).map((f) => [f['id'], f['fired']])).toEqual([
    ['slow', 1],
    ['busy', 1],
  ]);
  expect((await admin('DELETE', '/admin/faults/slow')).status).toBe(204);
  expect((await admin('DELETE', '/admin/faults/slow')).status).toBe(404);
  expect((await admin('DELETE', '/admin/faults')).status).toBe(204);
  expect((await admin('GET', '/admin/faults')).json['value']).toEqual([]);
});
