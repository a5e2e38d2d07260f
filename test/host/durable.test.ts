jest.mock('@azure/functions-core', () => require('../../local/host/functionsCore').createFunctionsCore(), { virtual: true });

import { FakeClock, HistoryEventType, isTerminal, loadFunctionApp, type InstanceStatus, type RunningHost } from '../../local/host';
import { fixture, resetFixture } from './fixtures/app';
import { FIXTURE_APP, removeTempDirs, request, sleep, startTestHost, stopTestHosts, until } from './helpers';

const registry = loadFunctionApp({ modules: [FIXTURE_APP] });
const done = (s: InstanceStatus): boolean => isTerminal(s.runtimeStatus);
const stage = (s: InstanceStatus): unknown => (s.customStatus as { stage?: unknown } | null)?.stage;

/** Jumps the fake clock to the next armed timer whenever one is armed, until the instance finishes. */
async function runFakeTimers(host: RunningHost, clock: FakeClock, instanceId: string): Promise<InstanceStatus> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const status = host.taskHub.getStatus(instanceId);
    if (status && done(status)) return status;
    if (Date.now() > deadline) throw new Error(`instance ${instanceId} still ${status?.runtimeStatus}`);
    const next = clock.nextTimerAt();
    if (next) clock.set(next);
    await sleep(2);
  }
}

function eventIds(host: RunningHost, instanceId: string, type: number): number[] {
  return host.taskHub.inspect(instanceId)!.history.filter((e) => e.EventType === type).map((e) => e.EventId);
}

afterEach(async () => {
  await stopTestHosts();
  removeTempDirs();
});
beforeEach(() => resetFixture());

describe('orchestrations through the real DurableClient', () => {
  test('happy path: HTTP starter → Running with custom status → event raised → Completed with output', async () => {
    const host = await startTestHost(registry);
    const started = await request(`${host.url}/api/approvals`, { body: { rule: 'deny-22' } });
    expect(started.status).toBe(202);
    const links = started.json() as { id: string; statusQueryGetUri: string; sendEventPostUri: string };
    expect(started.headers.get('location')).toBe(links.statusQueryGetUri);
    expect(links.statusQueryGetUri).toBe(`${host.url}/runtime/webhooks/durabletask/instances/${links.id}?taskHub=TestHub&connection=Storage&code=local`);

    const waiting = await host.waitForInstance(links.id, (s) => stage(s) === 'awaiting-decision');
    expect(waiting).toMatchObject({ name: 'approval', runtimeStatus: 'Running', input: { rule: 'deny-22' }, output: null });
    expect(waiting.customStatus).toEqual({ stage: 'awaiting-decision', prepared: { prepared: 'deny-22' } });

    // The check-status link works as in Azure: 202 while running.
    const polled = await request(links.statusQueryGetUri);
    expect(polled.status).toBe(202);
    expect(polled.json()).toMatchObject({ runtimeStatus: 'Running', customStatus: { stage: 'awaiting-decision' } });

    const client = host.durableClient();
    expect((await client.getStatus(links.id)).runtimeStatus).toBe('Running');
    // Raised through an app function that uses client.raiseEvent.
    expect((await request(`${host.url}/api/approvals/${links.id}/decision`, { body: { approved: true, by: 'alice' } })).status).toBe(202);

    const completed = await host.waitForInstance(links.id, done);
    expect(completed.runtimeStatus).toBe('Completed');
    expect(completed.output).toMatchObject({ outcome: 'decided', decision: { approved: true, by: 'alice' }, applied: { applied: { approved: true, by: 'alice' } } });
    expect(fixture.calls).toEqual({ prepare: 1, apply: 1 });

    const withHistory = await client.getStatus(links.id, { showHistory: true, showHistoryOutput: true });
    expect(withHistory.runtimeStatus).toBe('Completed');
    const history = withHistory.history as Array<Record<string, unknown>>;
    expect(history.map((e) => e.EventType)).toEqual(['ExecutionStarted', 'TaskCompleted', 'EventRaised', 'TaskCompleted', 'ExecutionCompleted']);
    expect(history[1]).toMatchObject({ FunctionName: 'prepare', Result: { prepared: 'deny-22' } });
    expect(history[2]).toMatchObject({ Name: 'Decision' });

    // Events to a finished instance: 410 on the wire, which the client treats as done.
    expect((await request(links.sendEventPostUri.replace('{eventName}', 'Decision'), { body: {} })).status).toBe(410);
    await expect(client.raiseEvent(links.id, 'Decision', {})).resolves.toBeUndefined();
    await expect(client.raiseEvent('no-such-instance', 'Decision', {})).rejects.toThrow(/No instance with ID 'no-such-instance' found/);
    await expect(client.getStatus('no-such-instance')).rejects.toThrow(/404/);
  });

  test('timeout path: the durable timer fires when the fake clock passes the deadline', async () => {
    const clock = new FakeClock('2026-01-01T00:00:00.000Z');
    const host = await startTestHost(registry, { clock });
    const id = await host.durableClient().startNew('approval', { input: { rule: 'r', timeoutMinutes: 60 } });
    await host.waitForInstance(id, (s) => stage(s) === 'awaiting-decision');
    clock.advance(59 * 60_000);
    await sleep(30);
    expect(host.taskHub.getStatus(id)!.runtimeStatus).toBe('Running');
    clock.advance(2 * 60_000);
    const status = await host.waitForInstance(id, done);
    expect(status.runtimeStatus).toBe('Completed');
    expect(status.output).toEqual({ outcome: 'timedOut', deadline: '2026-01-01T01:00:00.000Z' });
    expect(status.customStatus).toEqual({ stage: 'timed-out' });
    expect(fixture.calls).toEqual({ prepare: 1 });
  });

  test('an event raised before the orchestrator waits for it is buffered', async () => {
    const host = await startTestHost(registry);
    const client = host.durableClient();
    const id = await client.startNew('buffered');
    await until(() => fixture.calls.gate === 1, 'the gate activity to start');
    await client.raiseEvent(id, 'Go', { x: 1 });
    fixture.gate.open();
    const status = await host.waitForInstance(id, done);
    expect(status).toMatchObject({ runtimeStatus: 'Completed', output: { got: { x: 1 } } });
  });

  test('starting an id that is running is a conflict; a finished id can be started again', async () => {
    const host = await startTestHost(registry);
    const client = host.durableClient();
    await client.startNew('approval', { instanceId: 'dup-1', input: { rule: 'a' } });
    await host.waitForInstance('dup-1', (s) => stage(s) === 'awaiting-decision');
    await expect(client.startNew('approval', { instanceId: 'dup-1', input: { rule: 'b' } })).rejects.toThrow(/409/);
    const raw = await request(`${host.url}/durabletask/orchestrators/approval/dup-1`, { body: { rule: 'c' } });
    expect(raw.status).toBe(409);
    expect(raw.json()).toEqual({ Message: 'An Orchestration instance with the status Running already exists.' });
    // Through an HTTP starter the client's rejection surfaces as the function's 500.
    expect((await request(`${host.url}/api/approvals/dup-1`, { body: { rule: 'd' } })).status).toBe(500);

    await client.raiseEvent('dup-1', 'Decision', 'yes');
    await host.waitForInstance('dup-1', done);
    expect(await client.startNew('approval', { instanceId: 'dup-1', input: { rule: 'second-run' } })).toBe('dup-1');
    const rerun = await host.waitForInstance('dup-1', (s) => stage(s) === 'awaiting-decision');
    expect(rerun).toMatchObject({ runtimeStatus: 'Running', input: { rule: 'second-run' } });
  });

  test('unknown orchestrators and invalid instance ids are refused with the reason', async () => {
    const host = await startTestHost(registry);
    await expect(host.durableClient().startNew('nope')).rejects.toThrow(/400/);
    const res = await request(`${host.url}/durabletask/orchestrators/nope`, { body: {} });
    expect(res.status).toBe(400);
    expect((res.json() as { Message: string }).Message).toMatch(/The function 'nope' doesn't exist.*'approval'/);
    const bad = await request(`${host.url}/durabletask/orchestrators/approval/${encodeURIComponent('a#b')}`, { body: {} });
    expect(bad.status).toBe(400);
  });
});

describe('activities, retries and failures', () => {
  test('retry with backoff, then success; task ids follow the replay engine', async () => {
    const host = await startTestHost(registry);
    const id = await host.durableClient().startNew('retrying', { input: { key: 'r1', failTimes: 2, maxAttempts: 3 } });
    const status = await host.waitForInstance(id, done);
    expect(status).toMatchObject({ runtimeStatus: 'Completed', output: { ok: { key: 'r1', attempts: 3 } } });
    expect(fixture.calls.flaky).toBe(3);
    expect(eventIds(host, id, HistoryEventType.TaskScheduled)).toEqual([0, 2, 4]);
    expect(eventIds(host, id, HistoryEventType.TimerCreated)).toEqual([1, 3]);
    // 5 ms, then 5 * 2 = 10 ms (backoff coefficient 2).
    const timers = host.taskHub.inspect(id)!.history.filter((e) => e.EventType === HistoryEventType.TimerCreated);
    expect(timers.map((t) => new Date(t.FireAt!).getTime() - new Date(t.Timestamp).getTime())).toEqual([5, 10]);
  });

  test('retry exhaustion: the orchestrator sees the last failure', async () => {
    const host = await startTestHost(registry);
    const id = await host.durableClient().startNew('retrying', { input: { key: 'r2', failTimes: 9, maxAttempts: 2 } });
    const status = await host.waitForInstance(id, done);
    expect(status.runtimeStatus).toBe('Completed');
    expect((status.output as { failed: string }).failed).toMatch(/^Activity function 'flaky' failed: flaky r2 failed attempt 2/);
    expect(fixture.calls.flaky).toBe(2);
    // DurableTask waits once more after the last failure before giving up; the library expects that timer.
    expect(eventIds(host, id, HistoryEventType.TimerCreated)).toEqual([1, 3]);
  });

  test('retry timeout: no attempt is made once it has run out', async () => {
    const clock = new FakeClock('2026-01-01T00:00:00.000Z');
    const host = await startTestHost(registry, { clock });
    const id = await host.durableClient().startNew('retrying', { input: { key: 'r3', failTimes: 9, maxAttempts: 5, retryTimeoutMs: 5 } });
    const status = await runFakeTimers(host, clock, id);
    expect((status.output as { failed: string }).failed).toMatch(/flaky r3 failed attempt 2/);
    expect(fixture.calls.flaky).toBe(2);
  });

  test('Task.all over retried and plain activities and a timer', async () => {
    const host = await startTestHost(registry);
    const id = await host.durableClient().startNew('fanOut');
    const status = await host.waitForInstance(id, done);
    expect(status.runtimeStatus).toBe('Completed');
    expect(status.output).toEqual([{ key: 'fan-a', attempts: 2 }, { prepared: 'fan' }, { key: 'fan-b', attempts: 3 }, null]);
    expect(fixture.calls).toEqual({ flaky: 5, prepare: 1 });
  });

  test('a failed activity becomes a catchable error in the orchestrator', async () => {
    const host = await startTestHost(registry);
    const id = await host.durableClient().startNew('activityFails');
    const status = await host.waitForInstance(id, done);
    expect(status.runtimeStatus).toBe('Completed');
    expect((status.output as { caught: string }).caught).toMatch(/^Activity function 'explode' failed: activity exploded/);
  });

  test('an orchestrator that throws ends Failed with its message', async () => {
    const host = await startTestHost(registry);
    const client = host.durableClient();
    const id = await client.startNew('crashing');
    await host.waitForInstance(id, done);
    const status = await client.getStatus(id);
    expect(status.runtimeStatus).toBe('Failed');
    expect(status.output).toBe("Orchestrator function 'crashing' failed: orchestrator exploded on purpose");
    expect(status.customStatus).toBe('about to crash');
    expect(fixture.calls.prepare).toBe(1);
  });

  test('calling an activity the app does not have fails the orchestration naming it', async () => {
    const host = await startTestHost(registry);
    const id = await host.durableClient().startNew('callsMissing');
    const status = await host.waitForInstance(id, done);
    expect(status.runtimeStatus).toBe('Failed');
    expect(status.output).toMatch(/The function 'noSuchActivity' doesn't exist, is disabled, or is not an activity function/);
  });

  test('activity inputs: a string stays a string, no input arrives as undefined', async () => {
    const host = await startTestHost(registry);
    const id = await host.durableClient().startNew('inputs');
    const status = await host.waitForInstance(id, done);
    // Without an input the JS client posts `""` (axios JSON-encodes the empty string); the extension passes it on.
    expect(status.output).toEqual({ asString: { received: 'plain text', type: 'string' }, asNothing: { received: null, type: 'undefined' }, input: '' });
  });
});

describe('sub-orchestrations, continue-as-new and timers', () => {
  test('sub-orchestrations complete into their parent; a failing one is catchable', async () => {
    const host = await startTestHost(registry);
    const id = await host.durableClient().startNew('parent', { instanceId: 'p1' });
    const status = await host.waitForInstance(id, done, 5000);
    expect(status.runtimeStatus).toBe('Completed');
    const output = status.output as { child: unknown; childFailure: string };
    expect(output.child).toEqual({ doubled: 42, prepared: { prepared: 'child-21' }, parent: 'p1' });
    expect(output.childFailure).toMatch(/orchestrator exploded on purpose/);
    expect(host.taskHub.getStatus('p1:0')).toMatchObject({ name: 'child', runtimeStatus: 'Completed' });
    expect(host.taskHub.getStatus('p1-crash')).toMatchObject({ name: 'crashing', runtimeStatus: 'Failed' });
  });

  test('continueAsNew restarts the instance with the new input', async () => {
    const host = await startTestHost(registry);
    const id = await host.durableClient().startNew('counter', { input: 0 });
    const status = await host.waitForInstance(id, done);
    expect(status).toMatchObject({ runtimeStatus: 'Completed', output: { final: 3 }, input: 3 });
    expect(fixture.calls).toEqual({});
    expect(host.taskHub.inspect(id)!.history.filter((e) => e.EventType === HistoryEventType.ExecutionStarted)).toHaveLength(1);
  });

  test('a timer longer than maximumShortTimerDuration waits in legs, as the library expects', async () => {
    const clock = new FakeClock('2026-01-01T00:00:00.000Z');
    const host = await startTestHost(registry, { clock });
    const id = await host.durableClient().startNew('longWait');
    await until(() => clock.pendingTimers === 1, 'the first leg');
    expect(clock.nextTimerAt()!.toISOString()).toBe('2026-01-04T00:00:00.000Z');
    const status = await runFakeTimers(host, clock, id);
    expect(status).toMatchObject({ runtimeStatus: 'Completed', output: 'woke' });
    const legs = host.taskHub.inspect(id)!.history.filter((e) => e.EventType === HistoryEventType.TimerCreated);
    expect(legs.map((l) => [l.EventId, l.FireAt])).toEqual([
      [0, '2026-01-04T00:00:00.000Z'],
      [1, '2026-01-07T00:00:00.000Z'],
      [2, '2026-01-11T00:00:00.000Z'],
    ]);
  });

  test('one timer awaited in two Task.any calls keeps its task id', async () => {
    const clock = new FakeClock('2026-01-01T00:00:00.000Z');
    const host = await startTestHost(registry, { clock });
    const client = host.durableClient();
    const both = await client.startNew('reuseTimer');
    const timedOut = await client.startNew('reuseTimer');
    await until(() => clock.pendingTimers === 2, 'both deadlines armed');
    await client.raiseEvent(both, 'A', 1);
    await client.raiseEvent(both, 'B', 2);
    expect((await host.waitForInstance(both, done)).output).toBe('A-and-B');
    await client.raiseEvent(timedOut, 'A', 1);
    await until(() => host.taskHub.inspect(timedOut)!.history.some((e) => e.EventType === HistoryEventType.EventRaised && e.Name === 'A'), 'A applied');
    clock.advance(3_600_000);
    expect((await host.waitForInstance(timedOut, done)).output).toBe('timeout-before-B');
  });
});

describe('instance management', () => {
  test('terminate, query and purge', async () => {
    const host = await startTestHost(registry);
    const client = host.durableClient();
    const id = await client.startNew('approval', { input: { rule: 'x' } });
    await host.waitForInstance(id, (s) => stage(s) === 'awaiting-decision');
    const finished = await client.startNew('activityFails');
    await host.waitForInstance(finished, done);

    const running = await client.getStatusBy({ runtimeStatus: ['Running' as never] });
    expect(running.map((s) => s.instanceId)).toEqual([id]);
    expect((await client.getStatusAll()).length).toBe(2);

    await expect(client.purgeInstanceHistory(id)).rejects.toThrow(/412/);
    await client.terminate(id, 'no longer needed');
    const terminated = await host.waitForInstance(id, done);
    expect(terminated).toMatchObject({ runtimeStatus: 'Terminated', output: 'no longer needed' });
    expect((await request(`${host.url}/durabletask/instances/${id}/raiseEvent/Decision`, { body: {} })).status).toBe(410);
    await expect(client.terminate(id, 'again')).resolves.toBeUndefined();

    expect(await client.purgeInstanceHistory(id)).toEqual({ instancesDeleted: 1 });
    expect(host.taskHub.getStatus(id)).toBeUndefined();
    expect((await client.purgeInstanceHistory(id)).instancesDeleted).toBe(0);
    expect(await client.purgeInstanceHistoryBy({ createdTimeFrom: new Date(0) })).toEqual({ instancesDeleted: 1 });
  });

  test('suspend holds messages until resume', async () => {
    const host = await startTestHost(registry);
    const client = host.durableClient();
    const id = await client.startNew('approval', { input: { rule: 's' } });
    await host.waitForInstance(id, (s) => stage(s) === 'awaiting-decision');
    await client.suspend(id, 'maintenance');
    expect(host.taskHub.getStatus(id)!.runtimeStatus).toBe('Suspended');
    await client.raiseEvent(id, 'Decision', 'ok');
    await sleep(30);
    expect(host.taskHub.getStatus(id)!.runtimeStatus).toBe('Suspended');
    await client.resume(id, 'done');
    expect((await host.waitForInstance(id, done)).runtimeStatus).toBe('Completed');
  });
});
