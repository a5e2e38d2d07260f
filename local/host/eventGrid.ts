/**
 * Event Grid triggers at `POST /runtime/webhooks/eventgrid?functionName=<name>`, as the Event Grid extension serves
 * them: the `SubscriptionValidation` handshake is answered by the host (`{"validationResponse": code}`), the CloudEvents
 * abuse-protection `OPTIONS` gets `WebHook-Allowed-Origin`, and a `Notification` invokes the function once per event
 * (an array, or a single CloudEvent object), in parallel. Any failed invocation answers 500 so the sender retries the
 * delivery; success is 202.
 */
import type { Invoker } from './invoke';
import { header, textResponse, type ParsedRequest, type SimpleResponse } from './httpUtil';
import { errorMessage, type HostLogger } from './logger';
import type { FunctionRegistry } from './registry';

export const EVENT_GRID_PATH = '/runtime/webhooks/eventgrid';

function validationCode(body: unknown): string | undefined {
  const first = Array.isArray(body) ? (body[0] as unknown) : body;
  if (typeof first !== 'object' || first === null) return undefined;
  let data = (first as { data?: unknown }).data;
  // A CloudEvent's validation data may arrive JSON-encoded in a string.
  if (typeof data === 'string') {
    try {
      data = JSON.parse(data) as unknown;
    } catch {
      return undefined;
    }
  }
  const code = typeof data === 'object' && data !== null ? (data as { validationCode?: unknown }).validationCode : undefined;
  return typeof code === 'string' ? code : undefined;
}

export async function handleEventGrid(req: ParsedRequest, registry: FunctionRegistry, invoker: Invoker, logger: HostLogger): Promise<SimpleResponse> {
  if (req.method === 'OPTIONS') {
    const origin = header(req, 'webhook-request-origin');
    if (!origin) return textResponse(400, 'CloudEvents validation request without a WebHook-Request-Origin header');
    return { status: 200, headers: { 'webhook-allowed-origin': origin, 'webhook-allowed-rate': '*' } };
  }
  if (req.method !== 'POST') return { status: 405, headers: { allow: 'POST, OPTIONS' } };

  const functionName = req.url.searchParams.get('functionName') ?? '';
  const fn = registry.get(functionName);
  if (!fn || fn.kind !== 'eventGrid') return textResponse(404, `cannot find function: '${functionName}'`);

  let body: unknown;
  try {
    body = JSON.parse(req.body.toString('utf8')) as unknown;
  } catch (err) {
    return textResponse(400, `The request content is not JSON: ${errorMessage(err)}`);
  }
  if (typeof body !== 'object' || body === null) {
    return textResponse(400, 'The request content should be parseable into a JSON object or array.');
  }

  const eventType = header(req, 'aeg-event-type')?.toLowerCase();
  if (eventType === 'subscriptionvalidation') {
    const code = validationCode(body);
    if (!code) return textResponse(400, 'SubscriptionValidation request without data.validationCode');
    logger({ level: 'information', category: 'system', functionName: fn.name, message: 'performed the Event Grid subscription validation handshake' });
    return { status: 200, json: { validationResponse: code } };
  }
  if (eventType === 'unsubscribe') return { status: 202 };
  if (eventType !== 'notification') {
    return textResponse(400, `missing or unknown aeg-event-type header (${eventType ?? 'none'}); Event Grid sends Notification or SubscriptionValidation`);
  }

  const events = Array.isArray(body) ? (body as unknown[]) : [body];
  const results = await Promise.allSettled(events.map((event) => invoker.invoke(fn, event)));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    const message = errorMessage(failed.reason);
    logger({ level: 'error', category: 'system', functionName: fn.name, message: `Event Grid delivery failed, answering 500 so it is retried: ${message}` });
    return textResponse(500, message);
  }
  return { status: 202 };
}
