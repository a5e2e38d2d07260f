/**
 * One delivery in, one `IntakeResult` out: each event becomes a change, an ignored entry or an error, and a bad
 * event never costs the rest of its batch.
 */

import { normalizeArmEvent } from './armEvent';
import { NormalizeOptions, PublisherResult } from './change';
import { Envelope, peekEventId, readDelivery, readEnvelope } from './envelope';
import { lookupEventType } from './eventTypes';
import { EventFieldError } from './fields';
import { normalizeKeyVaultSecretEvent } from './keyVaultEvent';
import { normalizeResourceNotificationEvent } from './resourceNotificationEvent';
import { EventError, IgnoredEvent, IntakeResult, NormalizedChange } from './types';

export type { NormalizeOptions } from './change';

export type EventOutcome =
  | { outcome: 'change'; change: NormalizedChange }
  | { outcome: 'ignored'; ignored: IgnoredEvent }
  | { outcome: 'error'; error: EventError };

/** `index 3, field data.operationName: missing`: how an event error reads in logs, answers and CLI text. */
export function formatEventError(error: EventError): string {
  const id = error.eventId === undefined ? '' : ` (event ${error.eventId})`;
  return error.field === '' ? `index ${error.index}${id}: ${error.message}` : `index ${error.index}${id}, field ${error.field}: ${error.message}`;
}

/**
 * Normalizes one event into `into` (a change, an ignored entry or an error), with no wrapper objects in between:
 * this runs 5,000 times per large delivery.
 */
export function collectEvent(raw: unknown, index: number, options: NormalizeOptions, into: IntakeResult): void {
  let envelope: Envelope | undefined;
  try {
    envelope = readEnvelope(raw);
    const result = dispatch(envelope, options);
    if (typeof result !== 'string') {
      if (envelope.deadLetter !== undefined) result.deadLetter = envelope.deadLetter;
      into.changes.push(result);
      return;
    }
    const ignored: IgnoredEvent = { index, eventId: envelope.id, eventType: envelope.eventType, reason: result };
    if (envelope.deadLetter !== undefined) ignored.deadLetter = envelope.deadLetter;
    into.ignored.push(ignored);
  } catch (err) {
    // Anything else thrown here is a bug in a normalizer; it still must not take the other events down with it.
    const field = err instanceof EventFieldError ? err.field : '';
    const problem = err instanceof EventFieldError ? err.problem : `could not be normalized (${String(err)})`;
    const error: EventError = { index, field, message: problem };
    const eventId = envelope?.id ?? peekEventId(raw);
    if (eventId !== undefined) error.eventId = eventId;
    into.errors.push(error);
  }
}

/** Normalizes one event of a delivery; `index` is its position in the delivery, for reports. */
export function normalizeEvent(raw: unknown, index: number, options: NormalizeOptions = {}): EventOutcome {
  const result: IntakeResult = { changes: [], ignored: [], errors: [] };
  collectEvent(raw, index, options, result);
  const [change] = result.changes;
  if (change !== undefined) return { outcome: 'change', change };
  const [ignored] = result.ignored;
  if (ignored !== undefined) return { outcome: 'ignored', ignored };
  return { outcome: 'error', error: result.errors[0]! };
}

function dispatch(envelope: Envelope, options: NormalizeOptions): PublisherResult {
  const known = lookupEventType(envelope.eventType);
  switch (known?.publisher) {
    case 'arm':
      return normalizeArmEvent(envelope, known, options);
    case 'resourceNotifications':
      return normalizeResourceNotificationEvent(envelope, known, options);
    case 'keyVaultSecret':
      return normalizeKeyVaultSecretEvent(envelope, known);
    case 'eventGridSystem':
      return `${envelope.eventType} is an Event Grid subscription notice, not a resource change`;
    case undefined:
      return `event type ${envelope.eventType} is not drift-relevant`;
  }
}

/**
 * Normalizes a whole delivery: a JSON string or bytes, or parsed JSON (an Event Grid array, one CloudEvent, a
 * CloudEvents batch, a dead-letter record, or one event as the Functions trigger passes it). Throws `InputError`
 * (field `body`) only when the body as a whole is not JSON or not an event or array of events.
 */
export function normalizeDelivery(body: unknown, options: NormalizeOptions = {}): IntakeResult {
  const events = readDelivery(body);
  const result: IntakeResult = { changes: [], ignored: [], errors: [] };
  for (let index = 0; index < events.length; index += 1) collectEvent(events[index], index, options, result);
  return result;
}
