/**
 * Faults on demand, met through the real SDK clients: 429 with Retry-After, 5xx, added latency, a concurrent writer
 * between a client's GET and its PUT (412), deterministic probabilities and counts, duplicate and out-of-order delivery.
 */
import type { RestError } from '@azure/core-rest-pipeline';
import type { RunningEmulator } from '../../local/emulator';
import { FAST_POLL, NET_API, NSG, NSG_PATH, RG, WebhookReceiver, networkClient, raw, secretClient, startTestEmulator } from './helpers';

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

const NSG_GLOB = '/subscriptions/*/resourceGroups/*/providers/Microsoft.Network/networkSecurityGroups/*';
const RULE_GLOB = `${NSG_GLOB}/securityRules/*`;

async function restError(promise: Promise<unknown>): Promise<RestError> {
  try {
    await promise;
  } catch (err) {
    return err as RestError;
  }
  throw new Error('expected the call to fail');
}

describe('request faults', () => {
  test('429 with Retry-After and ARM throttling envelope; the SDK waits Retry-After and succeeds', async () => {
    emu.addFault({ id: 'throttle-once', kind: 'throttle', method: 'GET', path: NSG_GLOB, retryAfterSeconds: 1, count: 1 });
    const res = await raw(emu, 'GET', `${NSG_PATH}?${NET_API}`);
    expect(res.status).toBe(429);
    expect(res.headers['retry-after']).toBe('1');
    expect((res.json['error'] as Record<string, unknown>)['code']).toBe('SubscriptionRequestsThrottled');
    emu.addFault({ id: 'throttle-again', kind: 'throttle', method: 'GET', path: NSG_GLOB, retryAfterSeconds: 1, count: 1 });
    const started = Date.now();
    const nsg = await networkClient(emu, 'alice', 3).networkSecurityGroups.get(RG, NSG);
    expect(nsg.name).toBe(NSG);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(emu.faults().find((f) => f.id === 'throttle-again')).toMatchObject({ fired: 1, exhausted: true });
  });

  test('503 and 500: a client without retries sees them; with retries it gets through', async () => {
    emu.addFault({ kind: 'error', status: 503, method: 'PUT', path: RULE_GLOB, count: 1 });
    const unavailable = await restError(networkClient(emu).securityRules.beginCreateOrUpdateAndWait(RG, NSG, 'x', { protocol: '*', access: 'Deny', direction: 'Inbound', priority: 500, sourceAddressPrefix: '*', sourcePortRange: '*', destinationAddressPrefix: '*', destinationPortRange: '*' }, FAST_POLL));
    expect(unavailable.statusCode).toBe(503);
    expect(unavailable.code).toBe('ServiceUnavailable');
    emu.addFault({ kind: 'error', status: 500, method: 'GET', path: NSG_GLOB, count: 2 });
    const internal = await restError(networkClient(emu).networkSecurityGroups.get(RG, NSG));
    expect(internal.statusCode).toBe(500);
    expect(internal.code).toBe('InternalServerError');
    const nsg = await networkClient(emu, 'alice', 3).networkSecurityGroups.get(RG, NSG);
    expect(nsg.name).toBe(NSG);
  });

  test('added latency', async () => {
    emu.addFault({ kind: 'latency', latencyMs: 150, method: 'GET', path: NSG_GLOB });
    const started = Date.now();
    await networkClient(emu).networkSecurityGroups.get(RG, NSG);
    expect(Date.now() - started).toBeGreaterThanOrEqual(145);
  });

  test('concurrent writer: the rule changes between the GET and the If-Match PUT, which meets 412; a re-read wins', async () => {
    emu.addFault({ id: 'writer', kind: 'concurrentWriter', path: RULE_GLOB, change: { sourceAddressPrefix: 'Internet' }, count: 1, actor: 'bob' });
    const net = networkClient(emu);
    const seen = await net.securityRules.get(RG, NSG, 'AllowAzureLoadBalancerInbound');
    expect(seen.sourceAddressPrefix).toBe('AzureLoadBalancer');
    const stale = await restError(
      net.securityRules.beginCreateOrUpdateAndWait(RG, NSG, 'AllowAzureLoadBalancerInbound', { ...seen, description: 'mine' }, { ...FAST_POLL, requestOptions: { customHeaders: { 'If-Match': seen.etag! } } }),
    );
    expect(stale.statusCode).toBe(412);
    const now = await net.securityRules.get(RG, NSG, 'AllowAzureLoadBalancerInbound');
    expect(now.sourceAddressPrefix).toBe('Internet');
    expect(now.etag).not.toBe(seen.etag);
    const written = await net.securityRules.beginCreateOrUpdateAndWait(RG, NSG, 'AllowAzureLoadBalancerInbound', { ...now, sourceAddressPrefix: 'AzureLoadBalancer' }, { ...FAST_POLL, requestOptions: { customHeaders: { 'If-Match': now.etag! } } });
    expect(written.sourceAddressPrefix).toBe('AzureLoadBalancer');
    const [writerEvent] = emu.publishedEvents();
    const claims = (writerEvent!.data as { claims: Record<string, string> }).claims;
    expect(claims['http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn']).toBe('bob@contoso.example');
  });

  test('a concurrent writer on the NSG moves its etag (tags change) so an NSG PUT with If-Match meets 412', async () => {
    emu.addFault({ kind: 'concurrentWriter', path: NSG_GLOB, change: { tags: { touchedBy: 'someone-else' } }, count: 1 });
    const net = networkClient(emu);
    const seen = await net.networkSecurityGroups.get(RG, NSG);
    const stale = await restError(net.networkSecurityGroups.beginCreateOrUpdateAndWait(RG, NSG, seen, { ...FAST_POLL, requestOptions: { customHeaders: { 'If-Match': seen.etag! } } }));
    expect(stale.statusCode).toBe(412);
    expect((await net.networkSecurityGroups.get(RG, NSG)).tags).toMatchObject({ touchedBy: 'someone-else' });
  });

  test('probabilities are deterministic for a fault seed; skip and count bound a fault', async () => {
    const statuses = async (e: RunningEmulator): Promise<number[]> => {
      const out: number[] = [];
      for (let i = 0; i < 16; i += 1) out.push((await raw(e, 'GET', `${NSG_PATH}?${NET_API}`)).status);
      return out;
    };
    emu.addFault({ id: 'coin', kind: 'error', status: 500, method: 'GET', path: NSG_GLOB, probability: 0.5 });
    const first = await statuses(emu);
    const twin = await startTestEmulator();
    try {
      twin.addFault({ id: 'coin', kind: 'error', status: 500, method: 'GET', path: NSG_GLOB, probability: 0.5 });
      expect(await statuses(twin)).toEqual(first);
    } finally {
      await twin.close();
    }
    expect(first).toContain(500);
    expect(first).toContain(200);
    emu.clearFaults();
    emu.addFault({ kind: 'throttle', method: 'GET', path: NSG_GLOB, skip: 1, count: 2 });
    expect((await statuses(emu)).slice(0, 5)).toEqual([200, 429, 429, 200, 200]);
  });

  test('Key Vault throttling: the SecretClient retries after Retry-After', async () => {
    emu.addFault({ kind: 'throttle', service: 'keyvault', method: 'GET', path: '/secrets/**', retryAfterSeconds: 0, count: 2 });
    const secret = await secretClient(emu, 'id-driftwarden', 3).getSecret('workspace-storage-connection');
    expect(secret.name).toBe('workspace-storage-connection');
    expect(emu.faults()[0]).toMatchObject({ fired: 2 });
    emu.addFault({ kind: 'error', service: 'keyvault', status: 503, path: '/secrets/**', count: 1 });
    expect((await restError(secretClient(emu).getSecret('workspace-storage-connection'))).statusCode).toBe(503);
  });
});

describe('delivery faults', () => {
  let receiver: WebhookReceiver;
  beforeEach(async () => {
    receiver = await new WebhookReceiver().start();
  });
  afterEach(async () => {
    await receiver.close();
  });

  test('duplicate delivery: the same event (same id) arrives twice', async () => {
    await emu.addEventSubscription({ name: 'dupes', endpoint: receiver.url });
    emu.addFault({ kind: 'duplicateDelivery', subscription: 'dupes', count: 1 });
    await secretClient(emu).setSecret('twice', 'x');
    await emu.waitForDeliveries();
    const ids = receiver.events().map((e) => e['id']);
    expect(ids).toHaveLength(2);
    expect(ids[0]).toBe(ids[1]);
    expect(emu.deliveries()[0]).toMatchObject({ delivered: 1, duplicatesSent: 1 });
  });

  test('out-of-order delivery: an event is held back and arrives after the next one', async () => {
    await emu.addEventSubscription({ name: 'shuffled', endpoint: receiver.url });
    emu.addFault({ kind: 'outOfOrderDelivery', subscription: 'shuffled', count: 1 });
    const secrets = secretClient(emu);
    await secrets.setSecret('first', '1');
    await secrets.setSecret('second', '2');
    await emu.waitForDeliveries();
    expect(receiver.events().map((e) => e['subject'])).toEqual(['second', 'first']);
  });
});
