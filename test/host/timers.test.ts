jest.mock('@azure/functions-core', () => require('../../local/host/functionsCore').createFunctionsCore(), { virtual: true });

import { FakeClock, FunctionRegistry, loadFunctionApp, silentLogger, startLocalHost } from '../../local/host';
import { fixture, resetFixture } from './fixtures/app';
import { FIXTURE_APP, removeTempDirs, request, startTestHost, stopTestHosts, tempDir, until } from './helpers';

const registry = loadFunctionApp({ modules: [FIXTURE_APP] });
const runs = (name: string) => fixture.timerRuns.filter((r) => r.name === name).map((r) => r.timer);

afterEach(async () => {
  await stopTestHosts();
  removeTempDirs();
});
beforeEach(() => resetFixture());

describe('timer triggers', () => {
  test('runOnStartup, then the NCRONTAB schedule on the host clock, with the Timer argument', async () => {
    const clock = new FakeClock('2026-01-01T00:01:00.000Z');
    await startTestHost(registry, { clock, disableTimers: false });
    await until(() => runs('warmup').length === 1, 'warmup on startup');
    expect(runs('warmup')[0]).toEqual({
      isPastDue: false,
      schedule: { adjustForDST: true },
      scheduleStatus: { last: '0001-01-01T00:00:00.000Z', next: '2026-01-01T03:00:00.000Z', lastUpdated: '2026-01-01T00:01:00.000Z' },
    });
    expect(runs('sweep')).toHaveLength(0);

    clock.advance(4 * 60_000);
    await until(() => runs('sweep').length === 1, 'the 00:05 sweep');
    expect(runs('sweep')[0]!.scheduleStatus).toMatchObject({ last: '0001-01-01T00:00:00.000Z', next: '2026-01-01T00:10:00.000Z' });
    // The next occurrence is armed once the run has finished.
    await until(() => clock.nextTimerAt()?.toISOString() === '2026-01-01T00:10:00.000Z', 'the next sweep to be armed');
    clock.advance(5 * 60_000);
    await until(() => runs('sweep').length === 2, 'the 00:10 sweep');
    expect(runs('sweep')[1]!.scheduleStatus).toMatchObject({ last: '2026-01-01T00:05:00.000Z', next: '2026-01-01T00:15:00.000Z' });
  });

  test('an occurrence missed while the host was down runs at start with isPastDue', async () => {
    const dataDir = tempDir();
    const clock = new FakeClock('2026-01-01T00:04:00.000Z');
    const first = await startTestHost(registry, { clock, dataDir, disableTimers: false });
    clock.advance(60_000);
    await until(() => runs('sweep').length === 1, 'the first sweep');
    await first.close();

    await startTestHost(registry, { clock: new FakeClock('2026-01-01T00:30:00.000Z'), dataDir, disableTimers: false });
    await until(() => runs('sweep').length === 2, 'the past-due sweep');
    expect(runs('sweep')[1]!.isPastDue).toBe(true);
  });

  test('disabled timers do not run on schedule but can be run by hand', async () => {
    const clock = new FakeClock('2026-01-01T00:00:00.000Z');
    const host = await startTestHost(registry, { clock });
    clock.advance(60 * 60_000);
    expect(fixture.timerRuns).toHaveLength(0);
    await host.runTimer('sweep');
    expect(runs('sweep')).toHaveLength(1);
    expect(clock.pendingTimers).toBe(0);
    expect((await request(`${host.url}/admin/functions/sweep`, { method: 'POST', body: {} })).status).toBe(202);
    await until(() => runs('sweep').length === 2, 'the admin-triggered sweep');
  });

  test('an invalid schedule stops the host from starting and names the function', async () => {
    const bad = new FunctionRegistry();
    bad.register({ name: 'badTimer', bindings: { t: { type: 'timerTrigger', direction: 'in', schedule: '*/5 * * * *' } } }, () => undefined);
    await expect(startLocalHost({ registry: bad, port: 0, dataDir: tempDir(), log: silentLogger })).rejects.toThrow(/timer function "badTimer": NCRONTAB .* needs 6/);
  });
});
