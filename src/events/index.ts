/** The events module: envelopes in, normalized changes out (pure; no I/O, clock or randomness). */

export * from './types';
export { normalizeDelivery, normalizeEvent, formatEventError } from './normalize';
export type { EventOutcome, NormalizeOptions } from './normalize';
export { runIntake, summarizeChange, describeChange } from './intake';
export type { IntakeOptions, ChangeSummary } from './intake';
export { dedupeKey, SeenSet } from './dedupe';
export { handleWebhookRequest, readHeader } from './webhook';
export type {
  WebhookRequest,
  WebhookResponse,
  WebhookJsonBody,
  ValidationResponseBody,
  DeliveryResponseBody,
  AcknowledgementBody,
  WebhookErrorBody,
  HeaderSource,
} from './webhook';
export { findSubscriptionValidation, answerAbuseProtection } from './handshake';
export { actorFromClaims } from './actor';
export { readDelivery } from './envelope';
