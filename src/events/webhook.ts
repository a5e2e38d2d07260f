/**
 * The HTTP webhook as data in, data out, so the Functions handler and a plain local HTTP server answer alike.
 *
 * Status codes follow Event Grid's delivery semantics: 200-204 is success, 400 is never retried (the delivery goes
 * to dead-letter when configured, else it is dropped), other failures are retried for up to 24 h, and delivery is
 * all-or-none per batch. Hence:
 * - a body that is not JSON, or not an event or array of events: 400 (retrying cannot fix it);
 * - a batch with at least one usable event: 200, with bad events reported in the body and logged; failing it would
 *   make Event Grid redeliver or dead-letter the good events too;
 * - a batch where every event is malformed: 400, so the events land in the dead-letter container where an operator
 *   can inspect and replay them, instead of vanishing into a log (with the default batch size of 1, every malformed
 *   event takes this path). Repeats of events already taken in count as usable.
 */

import { InputError } from '../errors';
import { readDelivery } from './envelope';
import { answerAbuseProtection, findSubscriptionValidation } from './handshake';
import { ChangeSummary, IntakeOptions, runIntake, summarizeChange } from './intake';
import { EventError, IgnoredEvent, IntakeResult } from './types';

/** Request headers as a `Headers`-like object (Functions, fetch) or a plain record (Node's `IncomingMessage`). */
export type HeaderSource = { get(name: string): string | null | undefined } | Record<string, string | string[] | undefined>;

export interface WebhookRequest {
  method: string;
  headers: HeaderSource;
  /** Raw text (or bytes), or already-parsed JSON. */
  body?: unknown;
}

export interface WebhookResponse {
  status: number;
  headers: Record<string, string>;
  jsonBody?: WebhookJsonBody;
  /** The full intake result for the caller (not for the wire: it carries actors). */
  result?: IntakeResult;
}

export type WebhookJsonBody = ValidationResponseBody | DeliveryResponseBody | AcknowledgementBody | WebhookErrorBody;

export interface ValidationResponseBody {
  validationResponse: string;
}

export interface DeliveryResponseBody {
  counts: { changes: number; ignored: number; errors: number };
  changes: ChangeSummary[];
  ignored: IgnoredEvent[];
  errors: EventError[];
}

export interface AcknowledgementBody {
  acknowledged: 'SubscriptionDeletion' | 'Unsubscribe';
}

export interface WebhookErrorBody {
  error: { code: string; message: string };
}

const JSON_HEADERS = { 'Content-Type': 'application/json; charset=utf-8' } as const;

export function readHeader(headers: HeaderSource, name: string): string | undefined {
  if (typeof headers.get === 'function') {
    const value = (headers as { get(name: string): string | null | undefined }).get(name);
    return value ?? undefined;
  }
  const wanted = name.toLowerCase();
  const record = headers as Record<string, string | string[] | undefined>;
  for (const key of Object.keys(record)) {
    if (key.toLowerCase() !== wanted) continue;
    const value = record[key];
    return Array.isArray(value) ? value.join(', ') : value;
  }
  return undefined;
}

function json(status: number, body: WebhookJsonBody, extra?: Partial<WebhookResponse>): WebhookResponse {
  return { status, headers: { ...JSON_HEADERS }, jsonBody: body, ...extra };
}

function failure(status: number, code: string, message: string): WebhookResponse {
  return json(status, { error: { code, message } });
}

/**
 * Answers one webhook request: the CloudEvents OPTIONS handshake, the Event Grid validation event, subscription
 * deletion notices (`aeg-event-type`), and deliveries, which go through `runIntake`.
 */
export function handleWebhookRequest(request: WebhookRequest, options: IntakeOptions = {}): WebhookResponse {
  const method = request.method.toUpperCase();
  if (method === 'OPTIONS') {
    const answer = answerAbuseProtection(readHeader(request.headers, 'WebHook-Request-Origin'));
    if (answer.problem !== undefined) return failure(answer.status, 'MissingWebHookRequestOrigin', answer.problem);
    return { status: answer.status, headers: answer.headers };
  }
  if (method !== 'POST') {
    return { ...failure(405, 'MethodNotAllowed', `${method} is not supported; Event Grid delivers with POST and validates with OPTIONS`), headers: { ...JSON_HEADERS, Allow: 'POST, OPTIONS' } };
  }

  // Event Grid names the kind of request in `aeg-event-type`; without it (local tools) the body decides.
  const aegEventType = readHeader(request.headers, 'aeg-event-type')?.trim();
  const kind = aegEventType?.toLowerCase();
  if (kind === 'subscriptiondeletion') return json(200, { acknowledged: 'SubscriptionDeletion' });
  if (kind === 'unsubscribe') return json(202, { acknowledged: 'Unsubscribe' });
  if (kind !== undefined && kind !== 'notification' && kind !== 'subscriptionvalidation') {
    return failure(400, 'UnknownAegEventType', `aeg-event-type ${JSON.stringify(aegEventType)} is not one of SubscriptionValidation, Notification, SubscriptionDeletion, Unsubscribe`);
  }

  let events: unknown[];
  try {
    events = readDelivery(request.body);
  } catch (err) {
    if (err instanceof InputError) return failure(400, 'InvalidBody', err.message);
    throw err;
  }

  const validation = findSubscriptionValidation(events);
  if (validation !== undefined) {
    if ('problem' in validation) return failure(400, 'InvalidValidationEvent', validation.problem);
    return json(200, { validationResponse: validation.code });
  }
  if (kind === 'subscriptionvalidation') {
    return failure(400, 'InvalidValidationEvent', 'aeg-event-type is SubscriptionValidation but the body has no Microsoft.EventGrid.SubscriptionValidationEvent');
  }

  const result = runIntake(events, options);
  const allBad = result.errors.length > 0 && result.changes.length === 0 && result.ignored.length === 0;
  const body: DeliveryResponseBody = {
    counts: { changes: result.changes.length, ignored: result.ignored.length, errors: result.errors.length },
    changes: result.changes.map(summarizeChange),
    ignored: result.ignored,
    errors: result.errors,
  };
  return json(allBad ? 400 : 200, body, { result });
}
