/**
 * The attacks and failures an adversarial review found, each replayed on the local stack: forged decisions,
 * accepting what nobody saw, escalation links, separation of duties, activities that keep failing, an apply
 * interrupted by a crash, and kept changes swept into later plans.
 */
jest.mock('@azure/functions-core', () => require('../../local/host/functionsCore').createFunctionsCore(), { virtual: true });

import { FakeClock } from '../../local/host';
import { REMEDIATION_EVENT } from '../../src/remediation/names';
import {
  approvalLink, auditTypes, awaitingApproval, cardTitle, completed, decide, INSTANCE, NSG_ID, NSG_NAME, networkAs, openPort, policyYaml, RG, ruleNames,
  signIn, type StackHandle, startStack, teamsMessages, waitFor,
} from './stack';

let h: StackHandle;
afterEach(async () => {
  await h?.stop();
});

const tokenExp = (link: string) => JSON.parse(Buffer.from(new URL(link).searchParams.get('t')!.split('.')[1]!, 'base64url').toString()).exp as number;

test('a decision event raised directly into the orchestration (not through the endpoint) is refused and recorded', async () => {
  h = await startStack();
  await openPort(h.stack);
  const waiting = await waitFor(h.stack, awaitingApproval);
  await h.stack.host.durableClient().raiseEvent(INSTANCE, REMEDIATION_EVENT, {
    type: 'decision', decision: 'accept', planHash: waiting.customStatus!.planHash, approver: { id: 'nobody', name: 'forged', source: 'oidc' }, nonce: 'made-up',
  });
  for (let i = 0; i < 100 && !(await auditTypes(h.stack)).includes('decisionRefused'); i += 1) await new Promise((r) => setTimeout(r, 20));
  const refused = await h.stack.services.audit.list({ type: 'decisionRefused' });
  expect(refused[0]).toMatchObject({ decision: 'accept', detail: 'no decision was recorded by the approval endpoint for this link' });
  expect((await waitFor(h.stack, awaitingApproval)).runtimeStatus).toBe('Running');
  expect((await h.stack.services.baselines.get(NSG_ID))?.version).toBe(1);
});

test('accept never puts into the baseline a change nobody was shown: it re-plans and asks again', async () => {
  h = await startStack();
  await openPort(h.stack, { port: '5000', from: '203.0.113.0/24', name: 'allow-mlflow-partner' });
  const first = await waitFor(h.stack, awaitingApproval);
  const link = await approvalLink(h.stack);
  // A second change whose event has not arrived yet when the approver decides.
  h.stack.emulator.removeEventSubscription('driftwarden-intake');
  await openPort(h.stack, { port: '3389', name: 'sneaky-rdp', priority: 220, as: 'bob' });
  expect((await decide(link, 'accept', { cookie: await signIn(h.stack, 'sam') })).status).toBe(200);
  const second = await waitFor(h.stack, (s) => awaitingApproval(s) && s.customStatus?.planHash !== first.customStatus?.planHash);
  expect(second.customStatus?.planHash).toBeDefined();
  expect((await h.stack.services.baselines.get(NSG_ID))?.version).toBe(1);
  expect((await h.stack.services.audit.list({ type: 'remediationStale' })).map((r) => r.outcome)).toEqual(['changedBeforeAccept']);
  const newest = (await teamsMessages(h.stack)).map((m) => JSON.stringify(m.message)).pop()!;
  expect(newest).toContain('sneaky-rdp');
});

test('escalation sends new links that stay valid until the second deadline', async () => {
  const clock = new FakeClock(new Date());
  h = await startStack({ clock, policy: policyYaml({ onTimeout: 'escalate', timeout: 'PT30M' }) });
  await openPort(h.stack);
  await waitFor(h.stack, awaitingApproval);
  const firstLink = await approvalLink(h.stack);
  clock.advance(31 * 60_000);
  for (let i = 0; i < 200 && !(await teamsMessages(h.stack)).map(cardTitle).some((t) => t.startsWith('Escalated')); i += 1) await new Promise((r) => setTimeout(r, 20));
  const messages = await teamsMessages(h.stack);
  const escalated = messages.find((m) => cardTitle(m).startsWith('Escalated'))!;
  const secondLink = escalated.message.attachments[0]!.content.actions!.find((a) => a.title === 'Review plan')!.url;
  expect(secondLink).not.toBe(firstLink);
  expect(tokenExp(secondLink) - tokenExp(firstLink)).toBeGreaterThanOrEqual(30 * 60);
});

test('separation of duties counts every author of the drift, and refuses keep/accept when an author is unknown', async () => {
  h = await startStack();
  await openPort(h.stack, { as: 'sam' });
  const first = await waitFor(h.stack, awaitingApproval);
  // Someone else touches another rule: the plan is re-made, with both authors.
  const sp = networkAs(h.stack, 'sp-ml-pipeline');
  const lb = await sp.securityRules.get(RG, NSG_NAME, 'AllowAzureLoadBalancerInbound');
  await sp.securityRules.beginCreateOrUpdateAndWait(RG, NSG_NAME, 'AllowAzureLoadBalancerInbound', { ...lb, description: 'touched by the pipeline' }, { updateIntervalInMs: 5 });
  await waitFor(h.stack, (s) => awaitingApproval(s) && s.customStatus?.planHash !== first.customStatus?.planHash);
  const link = await approvalLink(h.stack);
  const sam = await signIn(h.stack, 'sam');
  const refused = await decide(link, 'accept', { cookie: sam });
  expect(refused.status).toBe(403);
  expect(refused.body.error.message).toContain('sam@contoso.example made this change');
  expect((await decide(link, 'approve', { cookie: sam })).status).toBe(200);
  expect((await waitFor(h.stack, completed)).output).toMatchObject({ outcome: 'remediated' });
});

test('a drift found by the sweep (its event lost) can be reverted but not kept or accepted', async () => {
  h = await startStack();
  h.stack.emulator.removeEventSubscription('driftwarden-intake');
  await openPort(h.stack, { as: 'alice' });
  await h.stack.host.runTimer('driftSweep');
  await waitFor(h.stack, awaitingApproval);
  const link = await approvalLink(h.stack);
  const card = (await teamsMessages(h.stack)).pop()!;
  expect(JSON.stringify(card.message)).toContain('the reconciliation sweep (no event told of this change)');
  const sam = await signIn(h.stack, 'sam');
  const refused = await decide(link, 'reject', { cookie: sam });
  expect(refused.status).toBe(403);
  expect(refused.body.error.message).toContain('Who made part of this change is unknown');
  expect((await h.stack.services.audit.list({ type: 'decisionRefused' })).length).toBe(1);
  expect((await decide(link, 'approve', { cookie: sam })).status).toBe(200);
  expect((await waitFor(h.stack, completed)).output).toMatchObject({ outcome: 'remediated' });
});

test('when verification keeps failing after a revert, the run ends as failed, recorded with what was applied, and announced', async () => {
  const clock = new FakeClock(new Date());
  h = await startStack({ clock, policy: policyYaml({ modes: { critical: 'auto' } }) });
  // Reads 1 and 2 (evaluate, apply) succeed; every read after the write fails for good.
  h.stack.emulator.addFault({ kind: 'error', status: 500, method: 'GET', path: '/subscriptions/*/resourceGroups/*/providers/Microsoft.Network/networkSecurityGroups/nsg-ml-training', skip: 2 });
  await openPort(h.stack);
  let status;
  for (let i = 0; i < 300; i += 1) {
    clock.advance(60_000);
    status = await waitFor(h.stack, () => true);
    if (completed(status as never)) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  expect(status!.output).toMatchObject({ outcome: 'failed' });
  const failed = (await h.stack.services.audit.list({ type: 'remediationFailed' }))[0]!;
  expect(failed.detail).toMatch(/^the revert was applied but could not be verified by reading it back/);
  expect(failed.appliedActions?.map((a) => [a.type, a.rule])).toEqual([['deleteSecurityRule', 'allow-ssh-anywhere']]);
  expect((await teamsMessages(h.stack)).map(cardTitle).at(-1)).toBe('Remediation FAILED · CRITICAL');
  h.stack.emulator.clearFaults();
  expect(await ruleNames(h.stack)).not.toContain('allow-ssh-anywhere');
}, 60_000);

test('a host killed in the middle of applying still ends recorded as remediated after the restart', async () => {
  h = await startStack({ policy: policyYaml({ modes: { critical: 'auto' } }) });
  h.stack.emulator.addFault({ kind: 'latency', latencyMs: 800, method: 'DELETE', path: '/subscriptions/*/resourceGroups/*/providers/Microsoft.Network/networkSecurityGroups/nsg-ml-training/securityRules/*', count: 1 });
  await openPort(h.stack);
  await waitFor(h.stack, (s) => s.customStatus?.stage === 'applying');
  await h.stack.killHost();
  await new Promise((r) => setTimeout(r, 1000));
  await h.stack.restartHost();
  await waitFor(h.stack, (s) => completed(s) && s.output?.outcome === 'remediated');
  expect(await ruleNames(h.stack)).not.toContain('allow-ssh-anywhere');
  expect((await h.stack.services.audit.list({ type: 'remediated' })).length).toBe(1);
  expect((await teamsMessages(h.stack)).map(cardTitle).at(-1)).toBe('Drift reverted and verified · CRITICAL');
});

test('a change someone decided to keep is not swept into the next, unrelated plan', async () => {
  h = await startStack();
  await openPort(h.stack);
  await waitFor(h.stack, awaitingApproval);
  expect((await decide(await approvalLink(h.stack), 'reject', { cookie: await signIn(h.stack, 'sam') })).status).toBe(200);
  await waitFor(h.stack, completed);
  await openPort(h.stack, { port: '3389', name: 'allow-rdp-anywhere', priority: 210, as: 'bob' });
  await waitFor(h.stack, awaitingApproval);
  const detection = (await h.stack.services.audit.list({ type: 'driftDetected' })).pop()!;
  expect(detection.plan?.actions.map((a) => [a.type, a.rule])).toEqual([['deleteSecurityRule', 'allow-rdp-anywhere']]);
  expect((await decide(await approvalLink(h.stack), 'approve', { cookie: await signIn(h.stack, 'sam') })).status).toBe(200);
  await waitFor(h.stack, (s) => completed(s) && s.output?.outcome === 'remediated');
  const names = await ruleNames(h.stack);
  expect(names).toContain('allow-ssh-anywhere');
  expect(names).not.toContain('allow-rdp-anywhere');
});
