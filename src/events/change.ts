/**
 * What every publisher-specific normalizer returns, and the shared steps that build a change. Written for the hot
 * path: no intermediate objects per event, since allocating while a large parsed delivery is alive makes the
 * garbage collector copy that delivery.
 */

import { Envelope } from './envelope';
import { EventFieldError } from './fields';
import { classifyResourceId, describeKind, lastSegment, nsgIdOf } from './resourceKind';
import { Actor, ChangeKind, ChangeOperation, ChangeStatus, NormalizedChange } from './types';

/** A drift-relevant change, or (a string) the reason the event is not one. */
export type PublisherResult = NormalizedChange | string;

export interface NormalizeOptions {
  /**
   * Keep ARM and Resource Notifications events on resource types driftwarden does not watch as `kind: 'other'`
   * changes (for audit feeds and the CLI) instead of ignoring them. Off by default: the intake only starts work
   * for watched kinds.
   */
  keepOther?: boolean;
}

/**
 * The kind of the normalized `resourceId` (read as `rawId` from `field`): `expectedKind` when the event names one
 * (checked against the id's shape), else the shape's. A watched kind on a wrongly shaped id is an error, because
 * downstream code keys orchestrations on these ids.
 */
export function resolveKind(resourceId: string, rawId: string, field: string, expectedKind: ChangeKind | undefined): ChangeKind {
  const shape = classifyResourceId(resourceId);
  if (expectedKind === undefined || expectedKind === 'other') return expectedKind ?? shape;
  if (shape !== expectedKind) {
    throw new EventFieldError(field, `expected ${describeKind(expectedKind)} (got ${JSON.stringify(rawId.length > 200 ? `${rawId.slice(0, 197)}...` : rawId)})`);
  }
  return shape;
}

/**
 * A change with its required fields, as one object literal (spreading a shared base object into each change made
 * V8 build dictionary-mode objects and cost 5x the whole normalization).
 */
export function newChange(
  envelope: Envelope,
  kind: ChangeKind,
  resourceId: string,
  operation: ChangeOperation,
  status: ChangeStatus,
  actor: Actor,
): NormalizedChange {
  if (envelope.time === undefined) throw new EventFieldError('time', 'missing');
  return {
    eventId: envelope.id,
    source: envelope.source,
    schema: envelope.schema,
    eventType: envelope.eventType,
    kind,
    operation,
    status,
    resourceId,
    time: envelope.time,
    actor,
  };
}

/** Sets `nsgId` (NSG and rule changes) and `ruleName` (rule changes, casing as written in `rawId`). */
export function addNsgNames(change: NormalizedChange, rawId: string): void {
  const nsgId = nsgIdOf(change.resourceId, change.kind);
  if (nsgId !== undefined) change.nsgId = nsgId;
  if (change.kind === 'securityRule') change.ruleName = lastSegment(rawId);
}
