/**
 * The two ways an Event Grid subscription asks a webhook for consent before delivering:
 * - Event Grid schema: a `Microsoft.EventGrid.SubscriptionValidationEvent` POSTed like any event; the answer is
 *   `200 {"validationResponse": data.validationCode}` (202 is not recognized).
 * - CloudEvents: `OPTIONS` with `WebHook-Request-Origin`; the answer echoes it in `WebHook-Allowed-Origin`
 *   (echoed rather than hard-coded, so sovereign clouds work).
 * The Functions Event Grid trigger answers both itself; only the HTTP webhook needs this module.
 */

import { isSubscriptionValidationEvent } from './eventTypes';
import { isObject } from './fields';

export type ValidationLookup = { code: string } | { problem: string } | undefined;

/** The validation request among `events`, if any, with its code; `problem` when it is there but unusable. */
export function findSubscriptionValidation(events: readonly unknown[]): ValidationLookup {
  for (const event of events) {
    if (!isObject(event)) continue;
    const type = event.eventType ?? event.type;
    if (typeof type !== 'string' || !isSubscriptionValidationEvent(type)) continue;
    let data = event.data;
    // A CloudEvents-shaped validation event arrives with `data` double-encoded.
    if (typeof data === 'string') {
      try {
        data = JSON.parse(data) as unknown;
      } catch {
        return { problem: 'the subscription validation event has data that is not valid JSON' };
      }
    }
    const code = isObject(data) ? data.validationCode : undefined;
    if (typeof code !== 'string' || code === '') return { problem: 'the subscription validation event has no data.validationCode' };
    return { code };
  }
  return undefined;
}

export interface AbuseProtectionAnswer {
  status: number;
  headers: Record<string, string>;
  problem?: string;
}

/** The answer to a CloudEvents `OPTIONS` request, given its `WebHook-Request-Origin` header. */
export function answerAbuseProtection(origin: string | undefined): AbuseProtectionAnswer {
  const value = origin?.trim();
  if (value === undefined || value === '') {
    return { status: 400, headers: {}, problem: 'OPTIONS must carry a WebHook-Request-Origin header (CloudEvents webhook abuse protection)' };
  }
  return { status: 200, headers: { 'WebHook-Allowed-Origin': value, 'WebHook-Allowed-Rate': '*', Allow: 'POST' } };
}
