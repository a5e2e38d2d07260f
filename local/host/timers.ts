/**
 * Timer triggers: NCRONTAB schedules on the host clock, `runOnStartup`, and past-due detection across restarts
 * (schedule status persisted under the data folder, as the real host keeps it in storage). A run that overlaps the
 * next occurrence delays it, as the real host never runs one timer function twice at once.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Timer } from '@azure/functions';
import type { Clock, TimerHandle } from './clock';
import { writeJsonAtomic } from './fsAtomic';
import type { Invoker } from './invoke';
import { errorMessage, type HostLogger } from './logger';
import { parseNcrontab, type CronSchedule } from './ncrontab';
import type { RegisteredFunction } from './registry';

interface ScheduleStatus {
  last: string;
  next: string;
  lastUpdated: string;
}

interface TimerEntry {
  fn: RegisteredFunction;
  schedule: CronSchedule;
  handle?: TimerHandle;
  running?: Promise<void>;
}

/** .NET's DateTime.MinValue, which the real host reports as `last` before the first run. */
const NEVER = '0001-01-01T00:00:00.000Z';

/** `%NAME%` refers to an app setting (environment variable), as in function.json. */
export function resolveSchedule(schedule: string, env: NodeJS.ProcessEnv = process.env): string {
  const match = /^%([^%]+)%$/.exec(schedule.trim());
  if (!match) return schedule;
  const value = env[match[1]!];
  if (value === undefined || value.trim() === '') {
    throw new Error(`timer schedule "${schedule}" refers to app setting ${match[1]}, which is not set`);
  }
  return value;
}

export interface TimerSchedulerOptions {
  functions: RegisteredFunction[];
  clock: Clock;
  invoker: Invoker;
  logger: HostLogger;
  /** Folder for the per-function schedule status files. */
  statusDir: string;
}

export class TimerScheduler {
  readonly #options: TimerSchedulerOptions;
  readonly #entries = new Map<string, TimerEntry>();
  /** Schedules are armed only after `start()`: with timers disabled, runs by hand do not arm them either. */
  #started = false;
  #stopped = false;
  /** Set by a kill: nothing more is written. */
  #frozen = false;

  /** Parses every schedule up front: a bad one fails the host start with the function named. */
  constructor(options: TimerSchedulerOptions) {
    this.#options = options;
    for (const fn of options.functions) {
      if (fn.kind !== 'timer' || !fn.timer) continue;
      try {
        this.#entries.set(fn.name.toLowerCase(), { fn, schedule: parseNcrontab(resolveSchedule(fn.timer.schedule)) });
      } catch (err) {
        throw new Error(`timer function "${fn.name}": ${errorMessage(err)}`, { cause: err });
      }
    }
  }

  /** Runs start-up and past-due invocations, then arms every schedule. */
  start(): void {
    this.#started = true;
    const now = this.#options.clock.now();
    for (const entry of this.#entries.values()) {
      const status = this.#readStatus(entry.fn);
      const pastDue = entry.fn.timer!.useMonitor && status !== undefined && new Date(status.next) < now;
      if (entry.fn.timer!.runOnStartup || pastDue) void this.#run(entry, pastDue);
      else this.#arm(entry);
    }
  }

  /** Invokes a timer function now (not past due), e.g. `POST /admin/functions/<name>`; waits for it to finish. */
  async trigger(name: string): Promise<void> {
    const entry = this.#entries.get(name.toLowerCase());
    if (!entry) throw new Error(`no timer function named "${name}"`);
    if (entry.running) await entry.running;
    entry.handle?.cancel();
    await this.#run(entry, false);
  }

  /** Cancels every armed timer; with `waitForRunning` (a graceful close), waits for runs in progress and records them. */
  async stop(waitForRunning: boolean): Promise<void> {
    this.#stopped = true;
    this.#frozen = !waitForRunning;
    for (const entry of this.#entries.values()) entry.handle?.cancel();
    if (waitForRunning) await Promise.all([...this.#entries.values()].map((e) => e.running));
  }

  #arm(entry: TimerEntry): void {
    if (!this.#started || this.#stopped) return;
    const next = entry.schedule.next(this.#options.clock.now());
    entry.handle = this.#options.clock.schedule(next, () => void this.#run(entry, false));
  }

  #run(entry: TimerEntry, isPastDue: boolean): Promise<void> {
    const run = (async () => {
      const { clock, invoker, logger } = this.#options;
      const now = clock.now();
      const previous = this.#readStatus(entry.fn);
      const next = entry.schedule.next(now);
      const timer: Timer = {
        isPastDue,
        schedule: { adjustForDST: true },
        scheduleStatus: { last: previous?.last ?? NEVER, next: next.toISOString(), lastUpdated: now.toISOString() },
      };
      try {
        await invoker.invoke(entry.fn, timer);
      } catch (err) {
        logger({ level: 'error', category: 'system', functionName: entry.fn.name, message: `timer function failed: ${errorMessage(err)}` });
      }
      if (!this.#frozen) {
        this.#writeStatus(entry.fn, { last: now.toISOString(), next: next.toISOString(), lastUpdated: clock.now().toISOString() });
      }
    })();
    entry.running = run;
    return run.finally(() => {
      if (entry.running === run) entry.running = undefined;
      this.#arm(entry);
    });
  }

  #statusFile(fn: RegisteredFunction): string {
    return path.join(this.#options.statusDir, `${fn.name.toLowerCase().replace(/[^a-z0-9._-]/g, '_')}.status.json`);
  }

  #readStatus(fn: RegisteredFunction): ScheduleStatus | undefined {
    try {
      const parsed = JSON.parse(fs.readFileSync(this.#statusFile(fn), 'utf8')) as Partial<ScheduleStatus>;
      if (typeof parsed.last === 'string' && typeof parsed.next === 'string' && typeof parsed.lastUpdated === 'string') {
        return parsed as ScheduleStatus;
      }
    } catch {
      // Missing or unreadable: behave as a first run.
    }
    return undefined;
  }

  #writeStatus(fn: RegisteredFunction, status: ScheduleStatus): void {
    writeJsonAtomic(this.#statusFile(fn), status);
  }
}
