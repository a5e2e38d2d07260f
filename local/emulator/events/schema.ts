/**
 * The two delivery schemas. Events are built once in the Event Grid schema (what system topics publish) and turned
 * into CloudEvents 1.0 for subscriptions that ask for them; dead-letter records keep each schema's own casing
 * (corpus events/eventgrid-schema/dead-letter.* and events/cloudevents-schema/dead-letter.*).
 */

export type DeliverySchema = 'EventGrid' | 'CloudEvents';

export interface EventGridEvent {
  id: string;
  topic: string;
  subject: string;
  eventType: string;
  eventTime: string;
  data: Record<string, unknown>;
  dataVersion: string;
  metadataVersion: string;
}

export interface CloudEvent {
  id: string;
  source: string;
  subject: string;
  type: string;
  time: string;
  data: Record<string, unknown>;
  specversion: '1.0';
}

export function toCloudEvent(event: EventGridEvent): CloudEvent {
  return { id: event.id, source: event.topic, subject: event.subject, type: event.eventType, time: event.eventTime, data: event.data, specversion: '1.0' };
}

export interface DeadLetterFacts {
  reason: string;
  deliveryAttempts: number;
  lastDeliveryOutcome: string;
  publishTime: string;
  lastDeliveryAttemptTime: string;
}

/** Event Grid schema: the event plus camelCase dead-letter fields. CloudEvents: lower-case extension attributes. */
export function deadLetterRecord(event: EventGridEvent, schema: DeliverySchema, facts: DeadLetterFacts): Record<string, unknown> {
  if (schema === 'CloudEvents') {
    return {
      ...toCloudEvent(event),
      deadletterreason: facts.reason,
      deliveryattempts: facts.deliveryAttempts,
      lastdeliveryoutcome: facts.lastDeliveryOutcome,
      publishtime: facts.publishTime,
    };
  }
  return {
    ...event,
    deadLetterReason: facts.reason,
    deliveryAttempts: facts.deliveryAttempts,
    lastDeliveryOutcome: facts.lastDeliveryOutcome,
    publishTime: facts.publishTime,
    lastDeliveryAttemptTime: facts.lastDeliveryAttemptTime,
  };
}
