/**
 * End to end: the whole local stack (`npm start`) stopped and started again on the same data folder while an
 * approval waits. The emulated Azure remembers the drift (emulator-state.json), so the approval still reverts it.
 */
jest.mock('@azure/functions-core', () => require('../../local/host/functionsCore').createFunctionsCore(), { virtual: true });

import { approvalLink, auditTypes, awaitingApproval, completed, decide, openPort, ruleNames, signIn, type StackHandle, startStack, waitFor } from './stack';

let h: StackHandle | undefined;

afterEach(async () => {
  await h?.stop();
});

test('a whole-stack restart while an approval waits: Azure still has the drift, and approving reverts it', async () => {
  h = await startStack();
  await openPort(h.stack);
  await waitFor(h.stack, awaitingApproval);
  const link = await approvalLink(h.stack);
  const oldFront = h.stack.frontUrl;
  const { dataDir } = h;
  await h.stack.close();
  h = undefined;

  h = await startStack({ dataDir });
  expect(await ruleNames(h.stack)).toContain('allow-ssh-anywhere');
  expect((await waitFor(h.stack, awaitingApproval)).runtimeStatus).toBe('Running');
  // Ports are picked afresh in tests; the link's path and token are what matter.
  const relinked = link.replace(oldFront, h.stack.frontUrl);
  expect((await decide(relinked, 'approve', { cookie: await signIn(h.stack, 'sam') })).status).toBe(200);
  expect((await waitFor(h.stack, completed)).output).toMatchObject({ outcome: 'remediated' });
  expect(await ruleNames(h.stack)).not.toContain('allow-ssh-anywhere');
  expect((await auditTypes(h.stack)).filter((t) => t === 'approvalRequested')).toHaveLength(1);
});
