/**
 * End to end on the local stack, policy mode `approve`: a Teams card with a link; GET shows and never changes
 * anything; a decision needs the link's token, a signed-in approver for the scope, and can be made once.
 */
jest.mock('@azure/functions-core', () => require('../../local/host/functionsCore').createFunctionsCore(), { virtual: true });

import { approvalLink, auditTypes, awaitingApproval, cardTitle, completed, decide, INSTANCE, NSG_ID, openPort, ruleNames, signIn, type StackHandle, startStack, teamsMessages, waitFor } from './stack';

let h: StackHandle;

afterEach(async () => {
  await h?.stop();
});

test('approve: the revert runs after the decision of an approver; every refusal leaves the orchestration untouched', async () => {
  h = await startStack();
  await openPort(h.stack);
  const waiting = await waitFor(h.stack, awaitingApproval);
  const link = await approvalLink(h.stack);
  expect(link.startsWith(`${h.stack.frontUrl}/api/approvals/${INSTANCE}?t=`)).toBe(true);

  // GET (link scanners, previews, the approver reading) changes nothing, however often.
  for (let i = 0; i < 3; i += 1) {
    const page = await fetch(link);
    expect(page.status).toBe(200);
    expect(page.headers.get('cache-control')).toBe('no-store');
    const html = await page.text();
    expect(html).toContain('Approve revert');
    expect(html).toContain("SSH (22/Tcp) reachable from the Internet through rule &#39;allow-ssh-anywhere&#39;");
  }
  expect(await waitFor(h.stack, awaitingApproval)).toMatchObject({ customStatus: { planHash: waiting.customStatus!.planHash } });

  // Not signed in → 401; signed in but not an approver → 403; forged or tampered link → 401; bad decision → 400.
  expect((await decide(link, 'approve')).status).toBe(401);
  const bob = await signIn(h.stack, 'bob');
  const refused = await decide(link, 'approve', { cookie: bob });
  expect(refused.status).toBe(403);
  expect(refused.body.error.message).toContain('bob@contoso.example is not an approver');
  const sam = await signIn(h.stack, 'sam');
  const token = new URL(link).searchParams.get('t')!;
  expect((await decide(link, 'approve', { cookie: sam, token: `${token.slice(0, -4)}AAAA` })).status).toBe(401);
  expect((await decide(link, 'approve', { cookie: sam, token: 'v1.e30.xyz' })).status).toBe(401);
  expect((await decide(link, 'maybe', { cookie: sam })).status).toBe(400);
  // A spoofed App Service principal header is stripped by the front: still not signed in.
  const spoof = Buffer.from(JSON.stringify({ claims: [{ typ: 'groups', val: 'a7c3e9f1-5b2d-4f8a-9c6e-3d1b7f5a9e02' }] })).toString('base64');
  expect((await decide(link, 'approve', { headers: { 'x-ms-client-principal-id': 'x', 'x-ms-client-principal': spoof } })).status).toBe(401);
  expect((await waitFor(h.stack, awaitingApproval)).runtimeStatus).toBe('Running');
  expect(await ruleNames(h.stack)).toContain('allow-ssh-anywhere');

  const ok = await decide(link, 'approve', { cookie: sam });
  expect(ok).toMatchObject({ status: 200, body: { decision: 'approve', approver: 'sam@contoso.example' } });
  expect((await waitFor(h.stack, completed)).output).toMatchObject({ outcome: 'remediated' });
  expect(await ruleNames(h.stack)).not.toContain('allow-ssh-anywhere');

  // The link is single-use, and the page now says there is nothing to decide.
  expect((await decide(link, 'approve', { cookie: sam })).status).toBe(409);
  expect((await fetch(link)).status).toBe(409);
  const decision = (await h.stack.services.audit.list({ type: 'decisionRecorded' }))[0]!;
  expect(decision).toMatchObject({ decision: 'approve', approver: { id: '6d2b8f4a-0c7e-4a3d-b9f1-2e8c4a6d0b59', name: 'sam@contoso.example', source: 'appServiceAuth' } });
  expect((await teamsMessages(h.stack)).map(cardTitle)).toEqual(['Approval needed: drift will be reverted · CRITICAL', 'Drift reverted and verified · CRITICAL']);
});

test('reject keeps the change and records who decided', async () => {
  h = await startStack();
  await openPort(h.stack);
  await waitFor(h.stack, awaitingApproval);
  const link = await approvalLink(h.stack);
  expect((await decide(link, 'reject', { cookie: await signIn(h.stack, 'sam') })).status).toBe(200);
  expect((await waitFor(h.stack, completed)).output).toMatchObject({ outcome: 'rejected' });
  expect(await ruleNames(h.stack)).toContain('allow-ssh-anywhere');
  expect(await auditTypes(h.stack)).toEqual(expect.arrayContaining(['decisionRecorded', 'changeKept']));
  expect((await teamsMessages(h.stack)).map(cardTitle).at(-1)).toBe('Remediation rejected: change kept · CRITICAL');
});

test('accept makes the current state the new baseline version; the change stops alerting', async () => {
  h = await startStack();
  await openPort(h.stack);
  await waitFor(h.stack, awaitingApproval);
  const link = await approvalLink(h.stack);
  expect((await decide(link, 'accept', { cookie: await signIn(h.stack, 'sam') })).status).toBe(200);
  expect((await waitFor(h.stack, completed)).output).toMatchObject({ outcome: 'accepted' });
  const baseline = await h.stack.services.baselines.get(NSG_ID);
  expect(baseline).toMatchObject({ version: 2, source: { type: 'accepted', by: 'sam@contoso.example' } });
  expect((await h.stack.services.baselines.history(NSG_ID)).map((b) => b.version)).toEqual([1, 2]);
  // A sweep now finds nothing unsafe.
  await h.stack.host.runTimer('driftSweep');
  expect((await waitFor(h.stack, (s) => completed(s) && s.output?.outcome === 'withinPolicy')).output).toMatchObject({ outcome: 'withinPolicy' });
});

test('the person who made the change cannot keep or accept it themselves', async () => {
  h = await startStack();
  await openPort(h.stack, { as: 'sam' });
  await waitFor(h.stack, awaitingApproval);
  const link = await approvalLink(h.stack);
  const refused = await decide(link, 'accept', { cookie: await signIn(h.stack, 'sam') });
  expect(refused.status).toBe(403);
  expect(refused.body.error.message).toContain('sam@contoso.example made this change; someone else must decide');
  expect((await decide(link, 'reject', { cookie: await signIn(h.stack, 'sam') })).status).toBe(403);
  expect((await waitFor(h.stack, awaitingApproval)).runtimeStatus).toBe('Running');
});

test('duplicate and repeated events for one change cause one approval and one remediation', async () => {
  h = await startStack();
  h.stack.emulator.addFault({ kind: 'duplicateDelivery', count: 3 });
  await openPort(h.stack);
  await waitFor(h.stack, awaitingApproval);
  await h.stack.emulator.waitForDeliveries(5000);
  await new Promise((r) => setTimeout(r, 300));
  const link = await approvalLink(h.stack);
  expect((await decide(link, 'approve', { cookie: await signIn(h.stack, 'sam') })).status).toBe(200);
  await waitFor(h.stack, completed);
  const types = await auditTypes(h.stack);
  expect(types.filter((t) => t === 'approvalRequested')).toHaveLength(1);
  expect(types.filter((t) => t === 'remediated')).toHaveLength(1);
  expect((await teamsMessages(h.stack)).map(cardTitle).filter((t) => t.startsWith('Approval needed'))).toHaveLength(1);
});

test('a host killed while an approval waits resumes on restart: the link still works and nothing runs twice', async () => {
  h = await startStack();
  await openPort(h.stack);
  await waitFor(h.stack, awaitingApproval);
  const link = await approvalLink(h.stack);
  const before = await auditTypes(h.stack);
  await h.stack.killHost();
  await h.stack.restartHost();
  expect((await waitFor(h.stack, awaitingApproval)).runtimeStatus).toBe('Running');
  expect((await decide(link, 'approve', { cookie: await signIn(h.stack, 'sam') })).status).toBe(200);
  expect((await waitFor(h.stack, completed)).output).toMatchObject({ outcome: 'remediated' });
  const after = await auditTypes(h.stack);
  // Nothing recorded before the kill was recorded again.
  expect(after.slice(0, before.length)).toEqual(before);
  expect(after.filter((t) => t === 'driftDetected')).toHaveLength(1);
  expect(after.filter((t) => t === 'approvalRequested')).toHaveLength(1);
});

test('a further change while waiting re-plans and asks again; the old link is refused as stale', async () => {
  h = await startStack();
  await openPort(h.stack);
  const first = await waitFor(h.stack, awaitingApproval);
  const oldLink = await approvalLink(h.stack);
  await openPort(h.stack, { name: 'allow-rdp-anywhere', port: '3389', priority: 210 });
  const second = await waitFor(h.stack, (s) => awaitingApproval(s) && s.customStatus?.planHash !== first.customStatus?.planHash);
  const sam = await signIn(h.stack, 'sam');
  const stale = await decide(oldLink, 'approve', { cookie: sam });
  expect(stale.status).toBe(409);
  expect(stale.body.error.message).toContain('changed since this link was sent');
  const newLink = await approvalLink(h.stack);
  expect(newLink).not.toBe(oldLink);
  expect((await decide(newLink, 'approve', { cookie: sam })).status).toBe(200);
  expect((await waitFor(h.stack, completed)).output).toMatchObject({ outcome: 'remediated', planHash: second.customStatus!.planHash });
  const names = await ruleNames(h.stack);
  expect(names).not.toContain('allow-ssh-anywhere');
  expect(names).not.toContain('allow-rdp-anywhere');
});
