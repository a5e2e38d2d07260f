/**
 * The intake step both Functions triggers run: normalize a delivery, then drop repeats of events already taken in.
 * Kept out of `functions/` so that starting orchestrations (a later step) is added here, next to the data it needs.
 */

import { NormalizeOptions } from './change';
import { SeenSet, dedupeKey } from './dedupe';
import { readDelivery } from './envelope';
import { collectEvent } from './normalize';
import { ChangeKind, ChangeOperation, ChangeStatus, IntakeResult, NormalizedChange } from './types';

export interface IntakeOptions extends NormalizeOptions {
  /**
   * Keys of events already taken in (kept by the caller across deliveries). Without it, repeats are dropped within
   * the delivery only.
   */
  seen?: SeenSet;
}

/**
 * Normalizes `body` (see `normalizeDelivery`) and moves repeated events to `ignored`. Keys are recorded in `seen`
 * as changes are accepted; once intake starts orchestrations, a key must only count after its start succeeded, or a
 * delivery Event Grid retries after a failed start would be dropped as a repeat. Throws `InputError` only for a body
 * that is not a delivery at all.
 */
export function runIntake(body: unknown, options: IntakeOptions = {}): IntakeResult {
  const events = readDelivery(body);
  const seen = options.seen ?? new SeenSet(Math.max(1, events.length));
  const result: IntakeResult = { changes: [], ignored: [], errors: [] };
  for (let index = 0; index < events.length; index += 1) {
    const changesBefore = result.changes.length;
    collectEvent(events[index], index, options, result);
    if (result.changes.length === changesBefore) continue;
    const change = result.changes[changesBefore]!;
    if (seen.add(dedupeKey(change))) continue;
    result.changes.pop();
    result.ignored.push({ index, eventId: change.eventId, eventType: change.eventType, reason: `duplicate delivery of event ${change.eventId} from ${change.source}` });
  }
  return result;
}

/** The parts of a change that are safe to log or echo: no claims, UPNs or client addresses. */
export interface ChangeSummary {
  eventId: string;
  eventType: string;
  kind: ChangeKind;
  operation: ChangeOperation;
  status: ChangeStatus;
  resourceId: string;
}

export function summarizeChange(change: NormalizedChange): ChangeSummary {
  return {
    eventId: change.eventId,
    eventType: change.eventType,
    kind: change.kind,
    operation: change.operation,
    status: change.status,
    resourceId: change.resourceId,
  };
}

/** One log line for a change, built from the summary only. */
export function describeChange(change: NormalizedChange): string {
  return `change ${change.eventId}: ${change.kind} ${change.operation} ${change.status} ${change.resourceId}`;
}
