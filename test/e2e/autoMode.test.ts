/** End to end on the local stack, policy mode `auto`: drift is reverted without a human, verified and recorded. */
jest.mock('@azure/functions-core', () => require('../../local/host/functionsCore').createFunctionsCore(), { virtual: true });

import { undoRemediation } from '../../src/remediation/undoRemediation';
import { auditTypes, cardTitle, completed, NSG_ID, openPort, policyYaml, ruleNames, type StackHandle, startStack, teamsMessages, waitFor } from './stack';

const AUTO = policyYaml({ modes: { critical: 'auto' } });
let h: StackHandle;

afterEach(async () => {
  await h?.stop();
});

test('SSH opened to the Internet is reverted, verified, recorded and announced — and the revert does not loop', async () => {
  h = await startStack({ policy: AUTO });
  await openPort(h.stack);
  const done = await waitFor(h.stack, completed);
  expect(done.output).toMatchObject({ outcome: 'remediated' });
  expect(await ruleNames(h.stack)).not.toContain('allow-ssh-anywhere');
  await h.stack.emulator.waitForDeliveries(5000);
  // driftwarden's own delete came back as an event and was recognized, not remediated again.
  await new Promise((r) => setTimeout(r, 200));
  const types = await auditTypes(h.stack);
  expect(types).toEqual(expect.arrayContaining(['baselineCaptured', 'driftDetected', 'remediated', 'selfWriteIgnored']));
  expect(types.filter((t) => t === 'remediated')).toHaveLength(1);
  expect(types).not.toContain('approvalRequested');
  const remediated = (await h.stack.services.audit.list({ type: 'remediated' }))[0]!;
  expect(remediated.plan?.actions.map((a) => [a.type, a.rule])).toEqual([['deleteSecurityRule', 'allow-ssh-anywhere']]);
  const detected = (await h.stack.services.audit.list({ type: 'driftDetected' }))[0]!;
  expect(detected.actor).toMatchObject({ type: 'user', upn: 'alice@contoso.example' });
  expect(detected.findings).toEqual([{ rule: 'allow-ssh-anywhere', severity: 'critical', title: "SSH (22/Tcp) reachable from the Internet through rule 'allow-ssh-anywhere'" }]);
  const titles = (await teamsMessages(h.stack)).map(cardTitle);
  expect(titles).toEqual(['Drift reverted and verified · CRITICAL']);
  // Secrets never reach the audit log or the cards.
  const everything = JSON.stringify(await h.stack.services.audit.list()) + JSON.stringify(await teamsMessages(h.stack));
  expect(everything).not.toMatch(/approval-signing-key|Bearer |sig=|eyJ[a-zA-Z0-9_-]{20,}\./);
});

test('a concurrent change between read and write (412) makes it re-read and re-plan', async () => {
  h = await startStack({ policy: AUTO });
  // Let the evaluation's read through; the apply's read is followed by somebody else's write.
  h.stack.emulator.addFault({
    kind: 'concurrentWriter',
    method: 'GET',
    path: '/subscriptions/*/resourceGroups/*/providers/Microsoft.Network/networkSecurityGroups/nsg-ml-training',
    skip: 1,
    count: 1,
    change: { tags: { touchedBy: 'someone else' } },
  });
  await openPort(h.stack);
  // The other writer's change raised its own event; after remediating, the instance takes one more look (and finds
  // nothing left to do), so wait for that last run.
  await waitFor(h.stack, (s) => completed(s) && s.output?.outcome === 'withinPolicy');
  const stale = await h.stack.services.audit.list({ type: 'remediationStale' });
  expect(stale.map((r) => r.outcome)).toEqual(['conflict']);
  expect(await auditTypes(h.stack)).toEqual(expect.arrayContaining(['driftDetected', 'remediationStale', 'remediated']));
  expect(await ruleNames(h.stack)).not.toContain('allow-ssh-anywhere');
});

test('throttling and outages of ARM are retried; a Teams outage is retried and recorded, never blocking', async () => {
  h = await startStack({ policy: AUTO });
  h.stack.emulator.addFault({ kind: 'throttle', method: 'GET', path: '/subscriptions/*/resourceGroups/*/providers/Microsoft.Network/networkSecurityGroups/nsg-ml-training', retryAfterSeconds: 0, count: 2 });
  h.stack.emulator.addFault({ kind: 'error', status: 503, method: 'DELETE', path: '/subscriptions/*/resourceGroups/*/providers/Microsoft.Network/networkSecurityGroups/nsg-ml-training/securityRules/*', retryAfterSeconds: 0, count: 1 });
  await fetch(`${h.stack.frontUrl}/local/teams/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ status: 500, count: 10 }) });
  await openPort(h.stack);
  const done = await waitFor(h.stack, completed, 30_000);
  expect(done.output).toMatchObject({ outcome: 'remediated' });
  expect(h.stack.emulator.faults().map((f) => [f.kind, f.fired])).toEqual([['throttle', 2], ['error', 1]]);
  const failed = await h.stack.services.audit.list({ type: 'notificationFailed' });
  expect(failed.length).toBeGreaterThan(0);
  expect(failed[0]!.detail).toMatch(/NOT delivered after 4 attempt\(s\): Teams webhook at 127\.0\.0\.1:\d+ answered 500/);
  expect(failed[0]!.detail).not.toContain('/local/teams/webhook');
});

test('undo restores the before-state through the same gateways and is recorded; it does not trigger a new remediation', async () => {
  h = await startStack({ policy: AUTO });
  await openPort(h.stack);
  await waitFor(h.stack, completed);
  const remediated = (await h.stack.services.audit.list({ type: 'remediated' }))[0]!;
  const result = await undoRemediation(remediated.id, { audit: h.stack.services.audit, network: h.stack.services.network, now: () => new Date(), by: 'sam@contoso.example' });
  expect(result.applied.map((a) => [a.type, a.rule])).toEqual([['createSecurityRule', 'allow-ssh-anywhere']]);
  expect(await ruleNames(h.stack)).toContain('allow-ssh-anywhere');
  await h.stack.emulator.waitForDeliveries(5000);
  await new Promise((r) => setTimeout(r, 200));
  const undone = await h.stack.services.audit.list({ type: 'undone' });
  expect(undone).toHaveLength(1);
  expect(undone[0]).toMatchObject({ undoes: remediated.id, outcome: 'undone', resourceId: NSG_ID });
  expect((await h.stack.services.audit.list({ type: 'remediated' })).length).toBe(1);
  await expect(undoRemediation(remediated.id, { audit: h.stack.services.audit, network: h.stack.services.network, now: () => new Date() })).rejects.toThrow(/already undone/);
});
