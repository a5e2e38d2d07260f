jest.mock('@azure/functions-core', () => require('../../local/host/functionsCore').createFunctionsCore(), { virtual: true });

import fs from 'node:fs';
import path from 'node:path';
import { FakeClock, isTerminal, loadFunctionApp, type InstanceRecord, type InstanceStatus } from '../../local/host';
import { fixture, resetFixture } from './fixtures/app';
import { FIXTURE_APP, removeTempDirs, request, startTestHost, stopTestHosts, tempDir, until } from './helpers';

const registry = loadFunctionApp({ modules: [FIXTURE_APP] });
const done = (s: InstanceStatus): boolean => isTerminal(s.runtimeStatus);
const waiting = (s: InstanceStatus): boolean => (s.customStatus as { stage?: string } | null)?.stage === 'awaiting-decision';

function storedRecords(dataDir: string): InstanceRecord[] {
  const dir = path.join(dataDir, 'durable', 'TestHub', 'instances');
  return fs.readdirSync(dir).map((f) => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as InstanceRecord);
}

afterEach(async () => {
  await stopTestHosts();
  removeTempDirs();
});
beforeEach(() => resetFixture());

describe('restart on the same data folder', () => {
  test('kill while waiting for an approval; a new host takes the event, completes, and runs no activity twice', async () => {
    const dataDir = tempDir();
    const first = await startTestHost(registry, { dataDir });
    const started = await request(`${first.url}/api/approvals/nsg-1`, { body: { rule: 'deny-22' } });
    expect(started.status).toBe(202);
    await first.waitForInstance('nsg-1', waiting);
    expect(fixture.calls).toEqual({ prepare: 1 });
    await first.kill();

    // What the next host resumes from is on disk: the wait, with the deadline timer recorded.
    const [stored] = storedRecords(dataDir);
    expect(stored).toMatchObject({ instanceId: 'nsg-1', runtimeStatus: 'Running', inbox: [] });
    expect(stored!.work).toEqual([expect.objectContaining({ kind: 'timer', purpose: 'user' })]);

    const second = await startTestHost(registry, { dataDir });
    expect(second.taskHub.getStatus('nsg-1')).toMatchObject({ runtimeStatus: 'Running', customStatus: { stage: 'awaiting-decision' } });
    expect((await request(`${second.url}/api/approvals/nsg-1/decision`, { body: { approved: true } })).status).toBe(202);
    const status = await second.waitForInstance('nsg-1', done);
    expect(status).toMatchObject({ runtimeStatus: 'Completed', output: { outcome: 'decided', decision: { approved: true } } });
    expect(fixture.calls).toEqual({ prepare: 1, apply: 1 });
  });

  test('a deadline that passed while the host was down fires promptly after restart', async () => {
    const dataDir = tempDir();
    const first = await startTestHost(registry, { dataDir, clock: new FakeClock('2026-01-01T00:00:00.000Z') });
    const id = await first.durableClient().startNew('approval', { input: { rule: 'r', timeoutMinutes: 30 } });
    await first.waitForInstance(id, waiting);
    await first.kill();

    const second = await startTestHost(registry, { dataDir, clock: new FakeClock('2026-01-01T02:00:00.000Z') });
    const status = await second.waitForInstance(id, done);
    expect(status.output).toEqual({ outcome: 'timedOut', deadline: '2026-01-01T00:30:00.000Z' });
    expect(fixture.calls).toEqual({ prepare: 1 });
  });

  test('an activity still running when the host died runs again (at-least-once); buffered events survive', async () => {
    const dataDir = tempDir();
    const first = await startTestHost(registry, { dataDir });
    const client = first.durableClient();
    const id = await client.startNew('buffered');
    await until(() => fixture.calls.gate === 1, 'the gate activity');
    await client.raiseEvent(id, 'Go', 'early');
    await first.kill();
    fixture.gate.open();

    const second = await startTestHost(registry, { dataDir });
    const status = await second.waitForInstance(id, done);
    expect(status).toMatchObject({ runtimeStatus: 'Completed', output: { got: 'early' } });
    expect(fixture.calls.gate).toBe(2);
  });

  test('a graceful close lets running work finish and records it', async () => {
    const dataDir = tempDir();
    const first = await startTestHost(registry, { dataDir });
    const id = await first.durableClient().startNew('buffered');
    await until(() => fixture.calls.gate === 1, 'the gate activity');
    const closing = first.close();
    fixture.gate.open();
    await closing;
    expect(storedRecords(dataDir)[0]!.history.some((e) => e.Result === '"opened"')).toBe(true);

    const second = await startTestHost(registry, { dataDir });
    await second.durableClient().raiseEvent(id, 'Go', 'late');
    expect((await second.waitForInstance(id, done)).output).toEqual({ got: 'late' });
    expect(fixture.calls.gate).toBe(1);
  });
});
