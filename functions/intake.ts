/**
 * Registrations of the intake (names are public: Event Grid subscriptions point at them). Handlers bind the trigger
 * to `src/events` (normalize) and `src/remediation/dispatch` (start or signal one orchestration per NSG) and log
 * what `src/events` says is safe to log — never claims, UPNs or addresses.
 */
import type { EventGridEvent, HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import type { DurableClient } from 'durable-functions';
import { services } from '../src/app/services';
import { InputError } from '../src/errors';
import { dedupeKey, describeChange, formatEventError, handleWebhookRequest, type IntakeResult, runIntake, SeenSet } from '../src/events';
import { type DispatchResult, dispatchChanges } from '../src/remediation/dispatch';
import { FunctionNames } from '../src/remediation/names';

/** Per worker: catches Event Grid's retries and double subscriptions that reach the same instance. */
const seen = new SeenSet(10_000);

function logResult(result: IntakeResult, context: InvocationContext): void {
  for (const change of result.changes) context.log(describeChange(change));
  for (const ignored of result.ignored) context.log(`ignored event ${ignored.eventId ?? `#${ignored.index}`}: ${ignored.reason}`);
  for (const error of result.errors) context.warn(`rejected event ${formatEventError(error)}`);
}

function logDispatch(d: DispatchResult, context: InvocationContext): void {
  for (const s of d.started) context.log(`started ${s.instanceId} for ${s.nsgId} (event ${s.eventId})`);
  for (const s of d.signaled) context.log(`signaled running ${s.instanceId} for ${s.nsgId} (event ${s.eventId})`);
  for (const s of d.selfWrites) context.log(`own write ignored: event ${s.eventId} on ${s.resourceId}`);
  for (const s of d.skipped) context.log(`not remediated: event ${s.eventId}: ${s.reason}`);
}

/**
 * Starts or signals orchestrations for the changes. If that fails, the events are forgotten by the duplicate
 * filter and the error propagates, so Event Grid's retry is taken in again rather than dropped as a repeat.
 */
async function dispatch(result: IntakeResult, client: DurableClient, context: InvocationContext): Promise<DispatchResult> {
  const s = services();
  try {
    const dispatched = await dispatchChanges(result.changes, client, { self: s.config.self, audit: s.audit, now: s.now });
    logDispatch(dispatched, context);
    return dispatched;
  } catch (err) {
    for (const change of result.changes) seen.forget(dedupeKey(change));
    throw err;
  }
}

/**
 * Event Grid trigger: one event per invocation, already parsed, in either schema; the host has done the validation
 * handshake. A malformed event is logged and not thrown: a retry would fail the same way.
 */
export async function driftIntakeHandler(event: EventGridEvent, client: DurableClient, context: InvocationContext): Promise<IntakeResult> {
  let result: IntakeResult;
  try {
    result = runIntake(event, { seen });
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    result = { changes: [], ignored: [], errors: [{ index: 0, field: '', message: err.message }] };
  }
  logResult(result, context);
  await dispatch(result, client, context);
  return result;
}

/** HTTP webhook for either schema, with both handshakes; see `src/events/webhook.ts` for the status codes. */
export async function driftWebhookHandler(request: HttpRequest, client: DurableClient, context: InvocationContext): Promise<HttpResponseInit> {
  const body = request.method.toUpperCase() === 'POST' ? await request.text() : undefined;
  const response = handleWebhookRequest({ method: request.method, headers: request.headers, body }, { seen });
  if (response.result !== undefined) {
    logResult(response.result, context);
    try {
      await dispatch(response.result, client, context);
    } catch (err) {
      context.error(`could not start remediation: ${(err as Error).message}`);
      // 503: Event Grid retries the delivery (a 4xx would dead-letter or drop it).
      return { status: 503, jsonBody: { error: { code: 'DispatchFailed', message: 'could not start remediation; retry later' } } };
    }
  } else if (response.status >= 400 && response.jsonBody !== undefined && 'error' in response.jsonBody) {
    context.warn(`webhook ${request.method} answered ${response.status}: ${response.jsonBody.error.message}`);
  }
  const init: HttpResponseInit = { status: response.status, headers: response.headers };
  if (response.jsonBody !== undefined) init.jsonBody = response.jsonBody;
  return init;
}

df.app.client.eventGrid(FunctionNames.intake, { handler: driftIntakeHandler });
df.app.client.http(FunctionNames.webhook, { methods: ['POST', 'OPTIONS'], authLevel: 'function', route: 'events', handler: driftWebhookHandler });
