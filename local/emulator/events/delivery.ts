/**
 * Event Grid-style delivery to webhook subscriptions: the validation handshake first (SubscriptionValidationEvent for
 * the Event Grid schema, the CloudEvents OPTIONS abuse-protection request otherwise), filtering, batching, at-least-
 * once delivery with retries and backoff on failures (400, 401, 403 and 413 are not retried, as for webhooks in Event
 * Grid), and a dead-letter file per event after the last attempt. Duplicate and out-of-order delivery can be injected.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { azureTimestamp, newGuid } from '../identifiers';
import type { FaultRegistry } from '../faults';
import { deadLetterRecord, toCloudEvent } from './schema';
import type { DeliverySchema, EventGridEvent } from './schema';
import { TimeoutError, WebhookClient } from './webhookClient';
import type { WebhookRequest, WebhookResponse } from './webhookClient';

export interface EventSubscriptionSpec {
  name: string;
  /** http(s) URL of the webhook. */
  endpoint: string;
  schema: DeliverySchema;
  /** Only these event types (case-insensitive); all when missing. */
  includedEventTypes?: string[];
  subjectBeginsWith?: string;
  subjectEndsWith?: string;
  /** 1..5000, default 1 (one event per request; still an array in the Event Grid schema). */
  maxEventsPerBatch?: number;
  /** How long to gather events into a batch before sending, default 0 (send at once). */
  batchWindowMs?: number;
  /** 1..30, default 30 as in Event Grid. */
  maxDeliveryAttempts?: number;
  /** Wait after the n-th failed attempt (the last value repeats); default exponential from 500 ms, capped at 60 s. */
  retryDelaysMs?: number[];
  /** Write dead-letter files (default true); without, undeliverable events are dropped as Event Grid does. */
  deadLetter?: boolean;
  /** Extra headers sent with every delivery (Event Grid allows up to 10 custom delivery headers). */
  deliveryHeaders?: Record<string, string>;
}

export type SubscriptionState = 'AwaitingValidation' | 'AwaitingManualAction' | 'Succeeded' | 'Failed';

export interface DeliveryAttemptLog {
  time: string;
  eventIds: string[];
  deliveryCount: number;
  /** HTTP status, or 0 when no response came back. */
  status: number;
  outcome: string;
  duplicate?: boolean;
  error?: string;
}

export interface DeadLetterEntry {
  eventId: string;
  reason: string;
  lastDeliveryOutcome: string;
  deliveryAttempts: number;
  /** Where the record was written; undefined when no dead-letter folder is configured. */
  file?: string;
}

export interface SubscriptionStatus {
  name: string;
  endpoint: string;
  schema: DeliverySchema;
  state: SubscriptionState;
  includedEventTypes?: string[];
  subjectBeginsWith?: string;
  subjectEndsWith?: string;
  maxEventsPerBatch: number;
  maxDeliveryAttempts: number;
  queued: number;
  inFlight: boolean;
  published: number;
  delivered: number;
  deliveryRequests: number;
  failedAttempts: number;
  duplicatesSent: number;
  heldForReordering: number;
  deadLettered: DeadLetterEntry[];
  lastError?: string;
  recentAttempts: DeliveryAttemptLog[];
}

interface QueuedEvent {
  event: EventGridEvent;
  attempts: number;
  publishTime: string;
  nextAttemptAt: number;
  lastOutcome?: string;
  lastAttemptTime?: string;
}

interface Subscription {
  spec: EventSubscriptionSpec;
  state: SubscriptionState;
  validationCode: string;
  queue: QueuedEvent[];
  inFlight: boolean;
  held?: QueuedEvent[];
  timer?: NodeJS.Timeout;
  holdTimer?: NodeJS.Timeout;
  stats: { published: number; delivered: number; deliveryRequests: number; failedAttempts: number; duplicatesSent: number };
  deadLettered: DeadLetterEntry[];
  lastError?: string;
  recentAttempts: DeliveryAttemptLog[];
}

export interface DeliveryOptions {
  /** Folder for dead-letter records; `<folder>/<SUBSCRIPTION>/YYYY/M/D/H/<guid>.json`. */
  deadLetterDir?: string;
  /** Response timeout per delivery request (Event Grid waits 30 s). */
  timeoutMs: number;
  /** Base of the validation URL handed out in SubscriptionValidationEvent (the emulator's admin API). */
  validationUrlBase: string;
  /** Held batches of an out-of-order fault are released after this long if nothing else is sent. */
  reorderHoldMs: number;
  faults: FaultRegistry;
  log: (message: string) => void;
}

const SUCCESS = new Set([200, 201, 202, 203, 204]);
/** Webhook statuses Event Grid does not retry (delivery-and-retry: 400, 413, 401, and 403 on the current page). */
const NOT_RETRIED = new Set([400, 401, 403, 413]);
const MAX_LOG = 50;
const MAX_DEAD_LETTER_ENTRIES = 200;

export function defaultRetryDelays(): number[] {
  const delays: number[] = [];
  for (let i = 0; i < 30; i += 1) delays.push(Math.min(500 * 2 ** i, 60_000));
  return delays;
}

export class DeliveryService {
  private readonly subscriptions = new Map<string, Subscription>();
  private readonly client = new WebhookClient();
  private readonly idleWaiters = new Set<() => void>();
  /** Dead-letter files still being written; delivery is not idle until they are on disk. */
  private pendingWrites = 0;
  private closed = false;

  constructor(private readonly options: DeliveryOptions) {}

  /** Registers a subscription. With `validateNow`, the handshake runs before this resolves and a failure throws. */
  async add(spec: EventSubscriptionSpec, validateNow: boolean): Promise<SubscriptionStatus> {
    const id = spec.name.toLowerCase();
    if (this.subscriptions.has(id)) throw new Error(`an event subscription named "${spec.name}" already exists`);
    const sub: Subscription = {
      spec,
      state: 'AwaitingValidation',
      validationCode: newGuid(),
      queue: [],
      inFlight: false,
      stats: { published: 0, delivered: 0, deliveryRequests: 0, failedAttempts: 0, duplicatesSent: 0 },
      deadLettered: [],
      recentAttempts: [],
    };
    if (validateNow) {
      const result = await this.handshake(sub);
      if (!result.ok) throw new Error(`webhook validation handshake with ${spec.endpoint} failed: ${result.reason}`);
    }
    this.subscriptions.set(id, sub);
    return this.status(sub);
  }

  remove(name: string): boolean {
    const sub = this.subscriptions.get(name.toLowerCase());
    if (!sub) return false;
    this.clearTimers(sub);
    this.subscriptions.delete(name.toLowerCase());
    this.notifyIfIdle();
    return true;
  }

  /** The manual validation link (`validationUrl`) of an Event Grid-schema subscription. */
  validateManually(name: string, code: string): boolean {
    const sub = this.subscriptions.get(name.toLowerCase());
    if (!sub || sub.validationCode !== code) return false;
    sub.state = 'Succeeded';
    this.schedule(sub, 0);
    return true;
  }

  list(): SubscriptionStatus[] {
    return [...this.subscriptions.values()].map((s) => this.status(s));
  }

  get(name: string): SubscriptionStatus | undefined {
    const sub = this.subscriptions.get(name.toLowerCase());
    return sub ? this.status(sub) : undefined;
  }

  publish(event: EventGridEvent): void {
    if (this.closed) return;
    for (const sub of this.subscriptions.values()) {
      if (!matches(sub.spec, event)) continue;
      sub.stats.published += 1;
      sub.queue.push({ event, attempts: 0, publishTime: azureTimestamp(Date.now()), nextAttemptAt: Date.now() + (sub.spec.batchWindowMs ?? 0) });
      this.schedule(sub, sub.spec.batchWindowMs ?? 0);
    }
  }

  /** Resolves once no subscription has queued, held or in-flight events (or after `timeoutMs`, rejecting). */
  idle(timeoutMs = 10_000): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.idleWaiters.delete(done);
        reject(new Error(`event delivery still busy after ${timeoutMs} ms: ${JSON.stringify(this.list().map((s) => ({ name: s.name, queued: s.queued, inFlight: s.inFlight })))}`));
      }, timeoutMs);
      timer.unref();
      const done = (): void => {
        clearTimeout(timer);
        resolve();
      };
      this.idleWaiters.add(done);
    });
  }

  close(): void {
    this.closed = true;
    for (const sub of this.subscriptions.values()) this.clearTimers(sub);
    this.client.close();
    for (const waiter of this.idleWaiters) waiter();
    this.idleWaiters.clear();
  }

  private isIdle(): boolean {
    if (this.pendingWrites > 0) return false;
    for (const sub of this.subscriptions.values()) {
      if (sub.inFlight || sub.queue.length > 0 || (sub.held?.length ?? 0) > 0) return false;
    }
    return true;
  }

  private notifyIfIdle(): void {
    if (this.idleWaiters.size === 0 || !this.isIdle()) return;
    for (const waiter of [...this.idleWaiters]) waiter();
    this.idleWaiters.clear();
  }

  private clearTimers(sub: Subscription): void {
    if (sub.timer) clearTimeout(sub.timer);
    if (sub.holdTimer) clearTimeout(sub.holdTimer);
    sub.timer = undefined;
    sub.holdTimer = undefined;
  }

  private schedule(sub: Subscription, delayMs: number): void {
    if (this.closed || sub.inFlight) return;
    if (sub.timer) clearTimeout(sub.timer);
    sub.timer = setTimeout(() => {
      sub.timer = undefined;
      this.dispatch(sub).catch((err: unknown) => this.options.log(`event subscription ${sub.spec.name}: dispatch failed: ${(err as Error).stack ?? String(err)}`));
    }, Math.max(0, delayMs));
    sub.timer.unref();
  }

  private async dispatch(sub: Subscription): Promise<void> {
    if (this.closed || sub.inFlight) return;
    if (sub.queue.length === 0) {
      this.notifyIfIdle();
      return;
    }
    const now = Date.now();
    const ready = sub.queue.filter((q) => q.nextAttemptAt <= now);
    if (ready.length === 0) {
      this.schedule(sub, Math.min(...sub.queue.map((q) => q.nextAttemptAt)) - now);
      return;
    }
    const batch = ready.slice(0, Math.max(1, sub.spec.maxEventsPerBatch ?? 1));
    sub.queue = sub.queue.filter((q) => !batch.includes(q));

    // Out-of-order: hold this batch back until the next one went out (or the hold times out).
    if (!sub.held && this.options.faults.deliveryFault('outOfOrderDelivery', sub.spec.name, batch.map((b) => b.event.eventType))) {
      sub.held = batch;
      sub.holdTimer = setTimeout(() => this.releaseHeld(sub), this.options.reorderHoldMs);
      sub.holdTimer.unref();
      this.schedule(sub, 0);
      return;
    }

    sub.inFlight = true;
    try {
      if (sub.state === 'AwaitingValidation') {
        const result = await this.handshake(sub);
        if (!result.ok) {
          this.failed(sub, batch, 0, 'ValidationFailed', result.reason, false);
          return;
        }
      }
      if (sub.state !== 'Succeeded') {
        // Awaiting manual validation: keep the events and look again in a second.
        for (const q of batch) q.nextAttemptAt = Date.now() + 1000;
        sub.queue.unshift(...batch);
        return;
      }
      await this.deliver(sub, batch);
    } finally {
      sub.inFlight = false;
      if (!this.closed) {
        if (sub.queue.length > 0) this.schedule(sub, Math.max(0, Math.min(...sub.queue.map((q) => q.nextAttemptAt)) - Date.now()));
        this.notifyIfIdle();
      }
    }
  }

  private releaseHeld(sub: Subscription): void {
    if (sub.holdTimer) clearTimeout(sub.holdTimer);
    sub.holdTimer = undefined;
    const held = sub.held;
    sub.held = undefined;
    if (!held || this.closed) return;
    for (const q of held) q.nextAttemptAt = Date.now();
    sub.queue.unshift(...held);
    this.schedule(sub, 0);
  }

  private async deliver(sub: Subscription, batch: QueuedEvent[]): Promise<void> {
    const deliveryCount = Math.max(...batch.map((q) => q.attempts));
    const request = this.buildRequest(sub, batch, deliveryCount);
    let response: WebhookResponse | undefined;
    let error: string | undefined;
    try {
      response = await this.client.send(request);
    } catch (err) {
      error = err instanceof TimeoutError ? `TimedOut: ${err.message}` : (err as Error).message;
    }
    if (this.closed) return;
    const status = response?.status ?? 0;
    const attemptTime = azureTimestamp(Date.now());
    const outcome = response ? outcomeOf(status) : error?.startsWith('TimedOut') ? 'TimedOut' : 'GenericError';
    sub.stats.deliveryRequests += 1;
    this.logAttempt(sub, { time: attemptTime, eventIds: batch.map((q) => q.event.id), deliveryCount, status, outcome, ...(error ? { error } : {}) });
    for (const q of batch) {
      q.attempts += 1;
      q.lastOutcome = outcome;
      q.lastAttemptTime = attemptTime;
    }
    if (response && SUCCESS.has(status)) {
      sub.stats.delivered += batch.length;
      if (this.options.faults.deliveryFault('duplicateDelivery', sub.spec.name, batch.map((b) => b.event.eventType))) {
        // At-least-once: the same events (same ids) arrive a second time.
        try {
          const again = await this.client.send(request);
          sub.stats.duplicatesSent += 1;
          this.logAttempt(sub, { time: azureTimestamp(Date.now()), eventIds: batch.map((q) => q.event.id), deliveryCount, status: again.status, outcome: outcomeOf(again.status), duplicate: true });
        } catch (err) {
          this.logAttempt(sub, { time: azureTimestamp(Date.now()), eventIds: batch.map((q) => q.event.id), deliveryCount, status: 0, outcome: 'GenericError', duplicate: true, error: (err as Error).message });
        }
      }
      if (sub.held) this.releaseHeld(sub);
      return;
    }
    const reason = error ?? `HTTP ${status}${response?.body ? `: ${response.body.slice(0, 200)}` : ''}`;
    this.failed(sub, batch, status, outcome, reason, response !== undefined && NOT_RETRIED.has(status));
  }

  private failed(sub: Subscription, batch: QueuedEvent[], status: number, outcome: string, reason: string, notRetried: boolean): void {
    sub.stats.failedAttempts += 1;
    sub.lastError = reason;
    if (status === 0 && outcome === 'ValidationFailed') {
      for (const q of batch) {
        q.attempts += 1;
        q.lastOutcome = outcome;
        q.lastAttemptTime = azureTimestamp(Date.now());
      }
    }
    const maxAttempts = sub.spec.maxDeliveryAttempts ?? 30;
    const delays = sub.spec.retryDelaysMs ?? defaultRetryDelays();
    const retry: QueuedEvent[] = [];
    for (const q of batch) {
      if (notRetried || q.attempts >= maxAttempts) {
        this.pendingWrites += 1;
        void this.deadLetter(sub, q, notRetried ? 'NonRetriableError' : 'MaxDeliveryAttemptsExceeded').finally(() => {
          this.pendingWrites -= 1;
          this.notifyIfIdle();
        });
      } else {
        q.nextAttemptAt = Date.now() + (delays[Math.min(q.attempts - 1, delays.length - 1)] ?? 1000);
        retry.push(q);
      }
    }
    sub.queue.push(...retry);
    this.options.log(`event subscription ${sub.spec.name}: delivery failed (${outcome}): ${reason}`);
  }

  private async deadLetter(sub: Subscription, q: QueuedEvent, reason: string): Promise<void> {
    const entry: DeadLetterEntry = { eventId: q.event.id, reason, lastDeliveryOutcome: q.lastOutcome ?? 'GenericError', deliveryAttempts: q.attempts };
    sub.deadLettered.push(entry);
    if (sub.deadLettered.length > MAX_DEAD_LETTER_ENTRIES) sub.deadLettered.shift();
    if (sub.spec.deadLetter === false || this.options.deadLetterDir === undefined) return;
    const record = deadLetterRecord(q.event, sub.spec.schema, {
      reason,
      deliveryAttempts: q.attempts,
      lastDeliveryOutcome: entry.lastDeliveryOutcome,
      publishTime: q.publishTime,
      lastDeliveryAttemptTime: q.lastAttemptTime ?? azureTimestamp(Date.now()),
    });
    // Event Grid's blob path: <container>/<SUBSCRIPTION>/YYYY/M/D/H/<guid>.json with unpadded UTC date parts.
    const d = new Date();
    const folder = path.join(this.options.deadLetterDir, sub.spec.name.toUpperCase(), String(d.getUTCFullYear()), String(d.getUTCMonth() + 1), String(d.getUTCDate()), String(d.getUTCHours()));
    const file = path.join(folder, `${newGuid()}.json`);
    entry.file = file;
    try {
      await mkdir(folder, { recursive: true });
      await writeFile(file, `${JSON.stringify(record, null, 2)}\n`, 'utf8');
    } catch (err) {
      entry.file = undefined;
      this.options.log(`event subscription ${sub.spec.name}: could not write dead-letter record ${file}: ${(err as Error).message}`);
    }
  }

  private buildRequest(sub: Subscription, batch: QueuedEvent[], deliveryCount: number): WebhookRequest {
    const events = batch.map((q) => q.event);
    const first = events[0]!;
    const headers: Record<string, string> = {
      ...(sub.spec.deliveryHeaders ?? {}),
      'aeg-event-type': 'Notification',
      'aeg-subscription-name': sub.spec.name.toUpperCase(),
      'aeg-delivery-count': String(deliveryCount),
    };
    let body: string;
    if (sub.spec.schema === 'CloudEvents') {
      headers['aeg-metadata-version'] = '1.0';
      if (events.length === 1 && (sub.spec.maxEventsPerBatch ?? 1) === 1) {
        headers['content-type'] = 'application/cloudevents+json; charset=utf-8';
        body = JSON.stringify(toCloudEvent(first));
      } else {
        headers['content-type'] = 'application/cloudevents-batch+json; charset=utf-8';
        body = JSON.stringify(events.map(toCloudEvent));
      }
    } else {
      headers['content-type'] = 'application/json; charset=utf-8';
      headers['aeg-metadata-version'] = '1';
      headers['aeg-data-version'] = first.dataVersion;
      body = JSON.stringify(events);
    }
    if (events.length === 1) headers['aeg-output-event-id'] = first.id;
    return { method: 'POST', url: sub.spec.endpoint, headers, body, timeoutMs: this.options.timeoutMs };
  }

  private async handshake(sub: Subscription): Promise<{ ok: true } | { ok: false; reason: string }> {
    try {
      if (sub.spec.schema === 'CloudEvents') {
        const origin = 'eventgrid.azure.net';
        const res = await this.client.send({ method: 'OPTIONS', url: sub.spec.endpoint, headers: { 'webhook-request-origin': origin, 'webhook-request-rate': '120' }, timeoutMs: this.options.timeoutMs });
        const allowed = res.headers['webhook-allowed-origin'];
        const allowedValue = Array.isArray(allowed) ? allowed[0] : allowed;
        if (res.status === 200 && (allowedValue === origin || allowedValue === '*')) {
          sub.state = 'Succeeded';
          return { ok: true };
        }
        return { ok: false, reason: `OPTIONS answered ${res.status} with WebHook-Allowed-Origin ${allowedValue === undefined ? '(missing)' : `"${allowedValue}"`}; expected 200 and "${origin}" or "*"` };
      }
      const event = {
        id: newGuid(),
        topic: '/subscriptions/emulator/providers/Microsoft.EventGrid/eventSubscriptions/' + sub.spec.name,
        subject: '',
        data: {
          validationCode: sub.validationCode,
          validationUrl: `${this.options.validationUrlBase}/admin/subscriptions/${encodeURIComponent(sub.spec.name)}/validate?code=${sub.validationCode}`,
        },
        eventType: 'Microsoft.EventGrid.SubscriptionValidationEvent',
        eventTime: azureTimestamp(Date.now()),
        metadataVersion: '1',
        dataVersion: '2',
      };
      const res = await this.client.send({
        method: 'POST',
        url: sub.spec.endpoint,
        headers: { 'content-type': 'application/json; charset=utf-8', 'aeg-event-type': 'SubscriptionValidation', 'aeg-subscription-name': sub.spec.name.toUpperCase(), 'aeg-delivery-count': '0', 'aeg-metadata-version': '1', 'aeg-data-version': '2' },
        body: JSON.stringify([event]),
        timeoutMs: this.options.timeoutMs,
      });
      if (res.status !== 200) return { ok: false, reason: `the validation request was answered with HTTP ${res.status} (Event Grid needs 200; 202 is not recognized)` };
      let code: unknown;
      try {
        code = (JSON.parse(res.body) as Record<string, unknown>)['validationResponse'];
      } catch {
        code = undefined;
      }
      if (code === sub.validationCode) {
        sub.state = 'Succeeded';
        return { ok: true };
      }
      if (code === undefined) {
        // 200 without the code: the endpoint may validate later by calling validationUrl (asynchronous validation).
        sub.state = 'AwaitingManualAction';
        return { ok: true };
      }
      return { ok: false, reason: `validationResponse ${JSON.stringify(code)} does not match the validation code` };
    } catch (err) {
      return { ok: false, reason: (err as Error).message };
    }
  }

  private logAttempt(sub: Subscription, entry: DeliveryAttemptLog): void {
    sub.recentAttempts.push(entry);
    if (sub.recentAttempts.length > MAX_LOG) sub.recentAttempts.shift();
  }

  private status(sub: Subscription): SubscriptionStatus {
    const s = sub.spec;
    return {
      name: s.name,
      endpoint: s.endpoint,
      schema: s.schema,
      state: sub.state,
      ...(s.includedEventTypes ? { includedEventTypes: [...s.includedEventTypes] } : {}),
      ...(s.subjectBeginsWith !== undefined ? { subjectBeginsWith: s.subjectBeginsWith } : {}),
      ...(s.subjectEndsWith !== undefined ? { subjectEndsWith: s.subjectEndsWith } : {}),
      maxEventsPerBatch: s.maxEventsPerBatch ?? 1,
      maxDeliveryAttempts: s.maxDeliveryAttempts ?? 30,
      queued: sub.queue.length,
      inFlight: sub.inFlight,
      ...sub.stats,
      heldForReordering: sub.held?.length ?? 0,
      deadLettered: sub.deadLettered.map((d) => ({ ...d })),
      ...(sub.lastError !== undefined ? { lastError: sub.lastError } : {}),
      recentAttempts: sub.recentAttempts.map((a) => ({ ...a })),
    };
  }
}

function matches(spec: EventSubscriptionSpec, event: EventGridEvent): boolean {
  if (spec.includedEventTypes && spec.includedEventTypes.length > 0) {
    const type = event.eventType.toLowerCase();
    if (!spec.includedEventTypes.some((t) => t.toLowerCase() === type)) return false;
  }
  const subject = event.subject.toLowerCase();
  if (spec.subjectBeginsWith && !subject.startsWith(spec.subjectBeginsWith.toLowerCase())) return false;
  if (spec.subjectEndsWith && !subject.endsWith(spec.subjectEndsWith.toLowerCase())) return false;
  return true;
}

/** Event Grid's `lastDeliveryOutcome` names for a webhook's answer. */
function outcomeOf(status: number): string {
  if (SUCCESS.has(status)) return 'Delivered';
  switch (status) {
    case 400:
      return 'BadRequest';
    case 401:
      return 'Unauthorized';
    case 403:
      return 'Forbidden';
    case 404:
      return 'NotFound';
    case 408:
      return 'TimedOut';
    case 413:
      return 'PayloadTooLarge';
    case 429:
    case 503:
      return 'Busy';
    default:
      return 'GenericError';
  }
}
