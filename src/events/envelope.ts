/**
 * The two envelopes Azure delivers events in, told apart by the body and never by the content type (a CloudEvents
 * batch has no reliable content type, and the Functions trigger hands over parsed objects without one):
 * - Event Grid schema: `eventType`, `topic`, `eventTime`, `dataVersion`; a delivery is a JSON array.
 * - CloudEvents 1.0: `specversion`, `type`, `source`, `time`; a single object, or an array when batched.
 * Dead-letter records are single objects of either schema with extra delivery attributes.
 */

import { InputError } from '../errors';
import { EventFieldError, JsonObject, isObject, jsonTypeOf, optionalString, requiredString, requiredTime, wrongType } from './fields';
import { DeadLetterFacts, EventSchema } from './types';

/** The envelope fields every publisher shares, under one set of names. */
export interface Envelope {
  schema: EventSchema;
  id: string;
  /** `topic` or `source`. */
  source: string;
  /** Name of the source field in this schema, for error paths. */
  sourceField: 'topic' | 'source';
  subject?: string;
  eventType: string;
  /** Always set for Event Grid; CloudEvents make it optional, so a change without one is rejected later. */
  time?: string;
  /** `data` as delivered: an object, a (double-encoded) JSON string, or absent. Read it with `readEventData`. */
  data: unknown;
  deadLetter?: DeadLetterFacts;
}

/**
 * The events of a delivery body: a JSON string (or UTF-8 bytes) or already-parsed JSON; an array is a batch, an
 * object is one event. Throws `InputError` (field `body`) when the body as a whole is unusable; problems inside an
 * event are left for `readEnvelope` so they cost only that event.
 */
export function readDelivery(body: unknown): unknown[] {
  const parsed = typeof body === 'string' || body instanceof Uint8Array ? parseJsonText(body) : body;
  if (Array.isArray(parsed)) return parsed;
  if (isObject(parsed)) return [parsed];
  throw new InputError('body', parsed, `must be a JSON array of events or one event object, not ${jsonTypeOf(parsed)}`);
}

function parseJsonText(body: string | Uint8Array): unknown {
  let text = typeof body === 'string' ? body : new TextDecoder('utf-8').decode(body);
  // A UTF-8 BOM is legal in a file or an HTTP body but not in JSON.parse input.
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (text.trim() === '') throw new InputError('body', `${text.length} characters`, 'is empty');
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    // The size, not the text, goes into the error: it ends up in logs and HTTP answers.
    throw new InputError('body', `${text.length} characters`, `is not valid JSON: ${(err as Error).message}`);
  }
}

/** The event id if the element has a readable one, for error reports. */
export function peekEventId(raw: unknown): string | undefined {
  if (!isObject(raw)) return undefined;
  const id = raw.id;
  return typeof id === 'string' && id.trim() !== '' ? id.trim() : undefined;
}

/** Detects the schema of one element and reads its envelope. Throws `EventFieldError`. */
export function readEnvelope(raw: unknown): Envelope {
  if (!isObject(raw)) throw new EventFieldError('', `expected an event object (got ${jsonTypeOf(raw)})`);
  const isEventGrid = raw.eventType !== undefined;
  const isCloudEvent = raw.specversion !== undefined;
  if (isEventGrid && isCloudEvent) {
    throw new EventFieldError('specversion', 'mixed envelope: has both eventType (Event Grid schema) and specversion (CloudEvents)');
  }
  if (isEventGrid) return readEventGridEnvelope(raw);
  if (isCloudEvent) return readCloudEventEnvelope(raw, true);
  // CloudEvents dead-letter records (as documented) drop `specversion`; their lower-case extension marks them.
  if (raw.deadletterreason !== undefined) return readCloudEventEnvelope(raw, false);
  if (raw.type !== undefined && raw.source !== undefined) {
    throw new EventFieldError('specversion', 'missing (the event has the CloudEvents attributes type and source)');
  }
  throw new EventFieldError('eventType', 'missing: neither an Event Grid event (eventType) nor a CloudEvent (specversion)');
}

function readEventGridEnvelope(raw: JsonObject): Envelope {
  const id = requiredString(raw.id, 'id');
  const eventType = requiredString(raw.eventType, 'eventType');
  const envelope: Envelope = {
    schema: 'eventGrid',
    id,
    source: requiredString(raw.topic, 'topic'),
    sourceField: 'topic',
    eventType,
    time: requiredTime(raw.eventTime, 'eventTime'),
    // Optional fields sit in the literal (possibly undefined): adding them later costs an allocation per event.
    subject: optionalString(raw.subject, 'subject'),
    data: raw.data,
    deadLetter: undefined,
  };
  if (raw.deadLetterReason !== undefined) {
    envelope.deadLetter = readDeadLetter(raw, {
      reason: 'deadLetterReason',
      deliveryAttempts: 'deliveryAttempts',
      lastDeliveryOutcome: 'lastDeliveryOutcome',
      publishTime: 'publishTime',
      lastDeliveryAttemptTime: 'lastDeliveryAttemptTime',
    });
  }
  return envelope;
}

function readCloudEventEnvelope(raw: JsonObject, hasSpecVersion: boolean): Envelope {
  const specversion = raw.specversion;
  if (hasSpecVersion && specversion !== '1.0') {
    throw new EventFieldError('specversion', typeof specversion === 'string' ? `unsupported version ${JSON.stringify(specversion)} (only 1.0)` : wrongType('"1.0"', specversion));
  }
  const id = requiredString(raw.id, 'id');
  const eventType = requiredString(raw.type, 'type');
  if (raw.data === undefined && raw.data_base64 !== undefined) {
    throw new EventFieldError('data_base64', 'binary event data is not supported; system events carry JSON data');
  }
  const envelope: Envelope = {
    schema: 'cloudEvents',
    id,
    source: requiredString(raw.source, 'source'),
    sourceField: 'source',
    eventType,
    time: raw.time === undefined || raw.time === null ? undefined : requiredTime(raw.time, 'time'),
    subject: optionalString(raw.subject, 'subject'),
    data: raw.data,
    deadLetter: undefined,
  };
  // CloudEvents extension attributes are lower-case by spec, hence the different names.
  if (raw.deadletterreason !== undefined) {
    envelope.deadLetter = readDeadLetter(raw, {
      reason: 'deadletterreason',
      deliveryAttempts: 'deliveryattempts',
      lastDeliveryOutcome: 'lastdeliveryoutcome',
      publishTime: 'publishtime',
    });
    // The documented CloudEvents dead-letter record has no `time`; when it was published is the closest fact.
    envelope.time ??= envelope.deadLetter.publishTime;
  }
  return envelope;
}

/** Where each dead-letter fact lives in one schema. */
interface DeadLetterKeys {
  reason: string;
  deliveryAttempts: string;
  lastDeliveryOutcome: string;
  publishTime: string;
  lastDeliveryAttemptTime?: string;
}

function readDeadLetter(raw: JsonObject, keys: DeadLetterKeys): DeadLetterFacts {
  const facts: DeadLetterFacts = { reason: requiredString(raw[keys.reason], keys.reason) };
  const attempts = raw[keys.deliveryAttempts];
  if (attempts !== undefined && attempts !== null) {
    const count = typeof attempts === 'string' && attempts.trim() !== '' ? Number(attempts) : attempts;
    if (typeof count !== 'number' || !Number.isInteger(count) || count < 0) {
      throw new EventFieldError(keys.deliveryAttempts, wrongType('a non-negative integer', attempts));
    }
    facts.deliveryAttempts = count;
  }
  for (const name of ['lastDeliveryOutcome', 'publishTime', 'lastDeliveryAttemptTime'] as const) {
    const key = keys[name];
    if (key === undefined) continue;
    const value = optionalString(raw[key], key);
    if (value !== undefined) facts[name] = value;
  }
  return facts;
}

/**
 * `data` as an object. CloudEvents delivered through the Functions extension can carry `data` double-encoded as a
 * JSON string, so a string is parsed once more.
 */
export function readEventData(envelope: Envelope): JsonObject {
  let data = envelope.data;
  if (typeof data === 'string') {
    try {
      data = JSON.parse(data) as unknown;
    } catch {
      throw new EventFieldError('data', 'a string that is not valid JSON (double-encoded data must be a JSON object)');
    }
  }
  if (data === undefined || data === null) throw new EventFieldError('data', 'missing');
  if (!isObject(data)) throw new EventFieldError('data', `expected an object (got ${jsonTypeOf(data)})`);
  return data;
}
