/**
 * Long-running operations the way Network RP runs them: the write answers 200/201 (or 202 for DELETE) with an
 * `Azure-AsyncOperation` status URL; the status reads `InProgress` for a configured number of polls and then
 * `Succeeded`. An operation nobody polls completes by itself after `completeAfterMs`, so events still flow when a
 * client does not wait.
 */
import { newGuid } from '../identifiers';

export interface LroSettings {
  /** Status polls that still answer `InProgress` before the operation succeeds. Default 1. */
  inProgressPolls: number;
  /** The operation completes on its own after this long even when nobody polls. Default 200 ms. */
  completeAfterMs: number;
  /** `Retry-After` seconds on LRO responses; 0 lets the SDK poll at its own `updateIntervalInMs`. Default 0. */
  retryAfterSeconds: number;
}

export interface Operation {
  id: string;
  subscriptionId: string;
  /** Normalized region, e.g. `westeurope`. */
  location: string;
  status: 'InProgress' | 'Succeeded';
  polls: number;
}

interface Tracked {
  op: Operation;
  onComplete: () => void;
  timer?: NodeJS.Timeout;
}

export class OperationTracker {
  private readonly operations = new Map<string, Tracked>();

  constructor(private readonly settings: LroSettings) {}

  start(subscriptionId: string, location: string, onComplete: () => void): Operation {
    this.prune();
    const op: Operation = { id: newGuid(), subscriptionId, location: location.replace(/\s+/g, '').toLowerCase(), status: 'InProgress', polls: 0 };
    const tracked: Tracked = { op, onComplete };
    this.operations.set(op.id, tracked);
    tracked.timer = setTimeout(() => this.complete(tracked), this.settings.completeAfterMs);
    tracked.timer.unref();
    return op;
  }

  /** One status poll: counts it and completes the operation once the configured polls have passed. */
  poll(id: string): Operation | undefined {
    const tracked = this.operations.get(id.toLowerCase()) ?? this.operations.get(id);
    if (!tracked) return undefined;
    if (tracked.op.status === 'InProgress') {
      tracked.op.polls += 1;
      if (tracked.op.polls > this.settings.inProgressPolls) this.complete(tracked);
    }
    return { ...tracked.op };
  }

  peek(id: string): Operation | undefined {
    const tracked = this.operations.get(id);
    return tracked ? { ...tracked.op } : undefined;
  }

  /** Completes every running operation now (used before a state dump or reset so nothing is left half-done). */
  completeAll(): void {
    for (const tracked of this.operations.values()) this.complete(tracked);
  }

  close(): void {
    for (const tracked of this.operations.values()) if (tracked.timer) clearTimeout(tracked.timer);
    this.operations.clear();
  }

  retryAfter(): string {
    return String(this.settings.retryAfterSeconds);
  }

  /** Response headers of the initial LRO response. DELETE also gets `Location` (operationResults), as in the corpus. */
  headers(baseUrl: string, op: Operation, apiVersion: string, withLocation: boolean): Record<string, string> {
    const root = `${baseUrl}/subscriptions/${op.subscriptionId}/providers/Microsoft.Network/locations/${op.location}`;
    const headers: Record<string, string> = {
      'azure-asyncoperation': `${root}/operations/${op.id}?api-version=${apiVersion}`,
      'retry-after': String(this.settings.retryAfterSeconds),
    };
    if (withLocation) headers['location'] = `${root}/operationResults/${op.id}?api-version=${apiVersion}`;
    return headers;
  }

  /** Forgets the oldest finished operations so a long-running emulator does not grow without bound. */
  private prune(): void {
    if (this.operations.size < 2000) return;
    for (const [id, tracked] of this.operations) {
      if (this.operations.size < 1000) break;
      if (tracked.op.status === 'Succeeded') this.operations.delete(id);
    }
  }

  private complete(tracked: Tracked): void {
    if (tracked.op.status === 'Succeeded') return;
    tracked.op.status = 'Succeeded';
    if (tracked.timer) clearTimeout(tracked.timer);
    tracked.timer = undefined;
    tracked.onComplete();
  }
}
