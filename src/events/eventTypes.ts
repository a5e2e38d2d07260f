/**
 * The event types the intake knows, keyed by lower-cased type so that lookups are one map access per event.
 */

import { ChangeOperation, ChangeStatus } from './types';

export type Publisher = 'arm' | 'resourceNotifications' | 'keyVaultSecret' | 'eventGridSystem';

export interface KnownEventType {
  publisher: Publisher;
  operation: ChangeOperation;
  status: ChangeStatus;
}

export const SUBSCRIPTION_VALIDATION_EVENT = 'Microsoft.EventGrid.SubscriptionValidationEvent';
export const SUBSCRIPTION_DELETED_EVENT = 'Microsoft.EventGrid.SubscriptionDeletedEvent';

const KNOWN = new Map<string, KnownEventType>();
/** Exact spellings first: a hit costs no lower-casing copy. */
const KNOWN_EXACT = new Map<string, KnownEventType>();

function add(type: string, publisher: Publisher, operation: ChangeOperation, status: ChangeStatus): void {
  const known = { publisher, operation, status };
  KNOWN.set(type.toLowerCase(), known);
  KNOWN_EXACT.set(type, known);
}

for (const [verb, operation] of [['Write', 'write'], ['Delete', 'delete'], ['Action', 'action']] as const) {
  for (const [outcome, status] of [['Success', 'succeeded'], ['Failure', 'failed'], ['Cancel', 'canceled']] as const) {
    add(`Microsoft.Resources.Resource${verb}${outcome}`, 'arm', operation, status);
  }
}
add('Microsoft.ResourceNotifications.Resources.CreatedOrUpdated', 'resourceNotifications', 'write', 'succeeded');
add('Microsoft.ResourceNotifications.Resources.Deleted', 'resourceNotifications', 'delete', 'succeeded');
// A new version is a write by someone; near-expiry and expiry are the vault's own notices about the secret.
add('Microsoft.KeyVault.SecretNewVersionCreated', 'keyVaultSecret', 'write', 'succeeded');
add('Microsoft.KeyVault.SecretNearExpiry', 'keyVaultSecret', 'action', 'succeeded');
add('Microsoft.KeyVault.SecretExpired', 'keyVaultSecret', 'action', 'succeeded');
add(SUBSCRIPTION_VALIDATION_EVENT, 'eventGridSystem', 'action', 'succeeded');
add(SUBSCRIPTION_DELETED_EVENT, 'eventGridSystem', 'action', 'succeeded');

export function lookupEventType(eventType: string): KnownEventType | undefined {
  return KNOWN_EXACT.get(eventType) ?? KNOWN.get(eventType.toLowerCase());
}

export function isSubscriptionValidationEvent(eventType: string): boolean {
  return eventType.toLowerCase() === SUBSCRIPTION_VALIDATION_EVENT.toLowerCase();
}
