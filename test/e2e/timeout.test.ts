/**
 * Approval timeouts on the local stack, with a clock the test moves: nobody has to wait out `PT30M`. What happens
 * at the deadline comes from the policy's `approval.onTimeout`.
 */
jest.mock('@azure/functions-core', () => require('../../local/host/functionsCore').createFunctionsCore(), { virtual: true });

import { FakeClock } from '../../local/host';
import { auditTypes, awaitingApproval, cardTitle, completed, openPort, policyYaml, ruleNames, type StackHandle, startStack, teamsMessages, waitFor } from './stack';

let h: StackHandle;

afterEach(async () => {
  await h?.stop();
});

async function waitingOn(onTimeout: string) {
  const clock = new FakeClock(new Date());
  h = await startStack({ clock, policy: policyYaml({ onTimeout, timeout: 'PT30M' }) });
  await openPort(h.stack);
  const status = await waitFor(h.stack, awaitingApproval);
  expect(Date.parse(status.customStatus!.expiresAt!) - clock.now().getTime()).toBeGreaterThan(29 * 60_000);
  return clock;
}

test('onTimeout: revert — nobody decides, the change is reverted at the deadline', async () => {
  const clock = await waitingOn('revert');
  clock.advance(29 * 60_000);
  await new Promise((r) => setTimeout(r, 100));
  expect((await waitFor(h.stack, awaitingApproval)).runtimeStatus).toBe('Running');
  clock.advance(2 * 60_000);
  expect((await waitFor(h.stack, completed)).output).toMatchObject({ outcome: 'remediated' });
  expect(await ruleNames(h.stack)).not.toContain('allow-ssh-anywhere');
  const timedOut = await h.stack.services.audit.list({ type: 'approvalTimedOut' });
  expect(timedOut.map((r) => r.outcome)).toEqual(['revert']);
});

test('onTimeout: keep — the change stays, is recorded as kept, and later sweeps do not ask again', async () => {
  const clock = await waitingOn('keep');
  clock.advance(31 * 60_000);
  expect((await waitFor(h.stack, completed)).output).toMatchObject({ outcome: 'kept' });
  expect(await ruleNames(h.stack)).toContain('allow-ssh-anywhere');
  expect((await teamsMessages(h.stack)).map(cardTitle).at(-1)).toBe('No decision in time: change kept · CRITICAL');
  await h.stack.host.runTimer('driftSweep');
  // The kept rule is exempted while it stays as it was kept: the sweep finds nothing to ask about.
  await waitFor(h.stack, (s) => completed(s) && (s.input as { trigger?: string } | undefined)?.trigger === 'sweep');
  expect((await waitFor(h.stack, completed)).output).toMatchObject({ outcome: 'withinPolicy' });
  expect((await auditTypes(h.stack)).filter((t) => t === 'approvalRequested')).toHaveLength(1);
});

test('onTimeout: escalate — a second card, one more period, then kept', async () => {
  const clock = await waitingOn('escalate');
  clock.advance(31 * 60_000);
  await waitFor(h.stack, (s) => awaitingApproval(s) && Date.parse(s.customStatus!.expiresAt!) > clock.now().getTime());
  expect((await teamsMessages(h.stack)).map(cardTitle)).toEqual([
    'Approval needed: drift will be reverted · CRITICAL',
    'Escalated: approval still needed · CRITICAL',
  ]);
  clock.advance(31 * 60_000);
  expect((await waitFor(h.stack, completed)).output).toMatchObject({ outcome: 'kept' });
});
