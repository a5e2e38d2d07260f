/**
 * The "done when": a user opens SSH to the Internet through the SDK, and the matching event arrives at a
 * webhook and is normalized by the product's own intake with that user as the actor.
 */
import { normalizeDelivery } from '../../src/events';
import type { RunningEmulator } from '../../local/emulator';
import { FAST_POLL, NSG, RG, SUB, WebhookReceiver, networkClient, startTestEmulator } from './helpers';

let emu: RunningEmulator;
let receiver: WebhookReceiver;
beforeAll(async () => {
  emu = await startTestEmulator();
  receiver = await new WebhookReceiver().start();
});
afterAll(async () => {
  await receiver.close();
  await emu.close();
});

test.each(['EventGrid', 'CloudEvents'] as const)('alice opens 22 to the Internet; the %s delivery names her as the actor', async (schema) => {
  await emu.reset();
  receiver.requests.length = 0;
  await emu.addEventSubscription({ name: `intake-${schema.toLowerCase()}`, endpoint: receiver.url, schema, includedEventTypes: ['Microsoft.Resources.ResourceWriteSuccess'] });
  const alice = emu.identity('alice');

  const rule = await networkClient(emu, 'alice').securityRules.beginCreateOrUpdateAndWait(
    RG,
    NSG,
    'open-ssh',
    { protocol: 'Tcp', access: 'Allow', direction: 'Inbound', priority: 150, sourceAddressPrefix: 'Internet', sourcePortRange: '*', destinationAddressPrefix: '*', destinationPortRange: '22', description: 'just for a minute' },
    FAST_POLL,
  );
  expect(rule.provisioningState).toBe('Succeeded');
  await emu.waitForDeliveries();

  const [delivery] = receiver.notifications();
  expect(delivery).toBeDefined();
  const [event] = receiver.events();
  const data = event!['data'] as { operationName: string; resourceUri: string; claims: Record<string, string> };
  expect(data.operationName).toBe('Microsoft.Network/networkSecurityGroups/securityRules/write');
  expect(data.resourceUri).toBe(`/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.Network/networkSecurityGroups/${NSG}/securityRules/open-ssh`);
  expect(data.claims['http://schemas.microsoft.com/identity/claims/objectidentifier']).toBe(alice.objectId);
  expect(data.claims['http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn']).toBe('alice@contoso.example');
  expect(data.claims['ipaddr']).toBe('198.51.100.23');

  const intake = normalizeDelivery(delivery!.body);
  expect(intake.errors).toEqual([]);
  const change = intake.changes[0]!;
  expect(change.kind).toBe('securityRule');
  expect(change.operation).toBe('write');
  expect(change.ruleName).toBe('open-ssh');
  expect(change.actor.type).toBe('user');
  expect(change.actor.upn).toBe('alice@contoso.example');
  expect(change.actor.objectId).toBe(alice.objectId);
});
