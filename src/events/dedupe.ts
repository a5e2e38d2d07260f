/**
 * Event Grid delivers at least once, so the same event (same source, same id) can arrive again, on a retry or
 * through a second subscription. The key and the bounded set below let the intake drop those repeats cheaply;
 * they are a first line only (orchestrations are keyed per resource, and every event is re-checked against live
 * state anyway).
 */

import { canonicalGuidOrSelf } from './actor';
import { NormalizedChange } from './types';

/** `source|eventId`; sources compare case-insensitively (ARM ids) and GUID ids in any spelling are one id. */
export function dedupeKey(change: Pick<NormalizedChange, 'source' | 'eventId'>): string {
  return `${change.source.trim().toLowerCase()}|${canonicalGuidOrSelf(change.eventId.trim())}`;
}

/**
 * A set of recently seen keys that holds at most `capacity` of them, forgetting the oldest first. It has no clock
 * on purpose: retries come in bursts close together, and a size bound keeps memory fixed on a long-lived worker.
 */
export class SeenSet {
  readonly capacity: number;
  private readonly keys = new Set<string>();

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`SeenSet capacity must be a positive integer (got ${capacity})`);
    this.capacity = capacity;
  }

  get size(): number {
    return this.keys.size;
  }

  has(key: string): boolean {
    return this.keys.has(key);
  }

  /** Forgets `key`, so a delivery whose handling failed is taken in again when Event Grid retries it. */
  forget(key: string): void {
    this.keys.delete(key);
  }

  /** Records `key`; returns false when it was already there (a duplicate). */
  add(key: string): boolean {
    if (this.keys.has(key)) return false;
    this.keys.add(key);
    if (this.keys.size > this.capacity) {
      // A Set iterates in insertion order, so its first key is the oldest.
      const oldest = this.keys.values().next();
      if (oldest.done !== true) this.keys.delete(oldest.value);
    }
    return true;
  }
}
