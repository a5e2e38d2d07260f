/**
 * Time as the host sees it: orchestration timestamps (`currentUtcDateTime`), durable timers and timer triggers all
 * read this clock, so a test can pass a `FakeClock` and move an hour forward instead of waiting for it.
 * HTTP, Event Grid and activity execution are not affected; they run in real time.
 */

export interface TimerHandle {
  cancel(): void;
}

export interface Clock {
  now(): Date;
  /** Calls `callback` once the clock has reached `at`; promptly (asynchronously) when `at` has already passed. */
  schedule(at: Date, callback: () => void): TimerHandle;
}

/** setTimeout's limit; longer waits are re-armed in steps. */
const MAX_TIMEOUT_MS = 2_147_483_647;

export const systemClock: Clock = {
  now: () => new Date(),
  schedule(at, callback) {
    let handle: NodeJS.Timeout | undefined;
    let cancelled = false;
    const arm = (): void => {
      const delay = Math.max(0, at.getTime() - Date.now());
      handle = setTimeout(
        () => {
          if (cancelled) return;
          // setTimeout may wake a millisecond early, and long waits are split: check before firing.
          if (Date.now() >= at.getTime()) callback();
          else arm();
        },
        Math.min(delay, MAX_TIMEOUT_MS),
      );
    };
    arm();
    return {
      cancel() {
        cancelled = true;
        if (handle !== undefined) clearTimeout(handle);
      },
    };
  },
};

interface FakeTimer {
  at: number;
  seq: number;
  callback: () => void;
  cancelled: boolean;
}

/** A manual clock for tests: time moves only with `advance` / `set`, which fire the timers that became due, in order. */
export class FakeClock implements Clock {
  #now: number;
  #seq = 0;
  #timers: FakeTimer[] = [];

  constructor(start: Date | string | number = '2026-01-01T00:00:00.000Z') {
    const ms = new Date(start).getTime();
    if (Number.isNaN(ms)) throw new RangeError(`FakeClock: invalid start time ${String(start)}`);
    this.#now = ms;
  }

  now(): Date {
    return new Date(this.#now);
  }

  schedule(at: Date, callback: () => void): TimerHandle {
    const timer: FakeTimer = { at: at.getTime(), seq: this.#seq++, callback, cancelled: false };
    if (timer.at <= this.#now) {
      // Already due: fire on the next turn, like a real timer would, never synchronously inside the caller.
      const immediate = setImmediate(() => {
        if (!timer.cancelled) callback();
      });
      return {
        cancel() {
          timer.cancelled = true;
          clearImmediate(immediate);
        },
      };
    }
    this.#timers.push(timer);
    return {
      cancel: () => {
        timer.cancelled = true;
        this.#timers = this.#timers.filter((t) => t !== timer);
      },
    };
  }

  /** Moves time forward by `ms` and fires every timer that became due. */
  advance(ms: number): void {
    if (!(ms >= 0)) throw new RangeError(`FakeClock.advance: expected a non-negative number of ms, got ${ms}`);
    this.set(new Date(this.#now + ms));
  }

  /** Jumps to `to` (never backwards) and fires every timer that became due. */
  set(to: Date | string | number): void {
    const target = new Date(to).getTime();
    if (Number.isNaN(target) || target < this.#now) {
      throw new RangeError(`FakeClock.set: ${String(to)} is invalid or earlier than the current fake time`);
    }
    this.#now = target;
    const due = this.#timers.filter((t) => t.at <= target).sort((a, b) => a.at - b.at || a.seq - b.seq);
    this.#timers = this.#timers.filter((t) => t.at > target);
    for (const timer of due) if (!timer.cancelled) timer.callback();
  }

  /** Number of armed timers that have not fired yet. */
  get pendingTimers(): number {
    return this.#timers.length;
  }

  /** When the earliest armed timer fires, if any. */
  nextTimerAt(): Date | undefined {
    const first = [...this.#timers].sort((a, b) => a.at - b.at)[0];
    return first ? new Date(first.at) : undefined;
  }
}
