/**
 * What the intake produces: one normalized change per drift-relevant event, whatever envelope (Event Grid or
 * CloudEvents) and whatever publisher (ARM, Resource Notifications, Key Vault, dead-letter) it came in.
 */

export type EventSchema = 'eventGrid' | 'cloudEvents';

export type ChangeKind = 'networkSecurityGroup' | 'securityRule' | 'roleAssignment' | 'secret' | 'other';

export type ChangeOperation = 'write' | 'delete' | 'action';

export type ChangeStatus = 'succeeded' | 'failed' | 'canceled';

export type ActorType = 'user' | 'servicePrincipal' | 'managedIdentity' | 'unknown';

/** Who made a change, from the caller's token claims (never from `authorization.evidence`). */
export interface Actor {
  type: ActorType;
  /** Entra object id, canonical dashed lower-case GUID when it is a GUID. */
  objectId?: string;
  /** Application (client) id for service principals and managed identities. */
  appId?: string;
  upn?: string;
  /** Display name claim, when present. */
  name?: string;
  tenantId?: string;
  clientIp?: string;
  /** ARM id of a managed identity (`xms_mirid`), when the caller is one. */
  managedIdentityResourceId?: string;
}

/** Key Vault secret facts carried by a secret event. */
export interface SecretEventFacts {
  vaultName: string;
  /** `https://<vault>.vault.azure.net` (or the emulator's URL), when the event carries the secret id. */
  vaultUrl?: string;
  name: string;
  version?: string;
  /** ISO 8601. */
  notBefore?: string;
  /** ISO 8601. */
  expires?: string;
}

/** Dead-letter facts, when the event came out of an Event Grid dead-letter record. */
export interface DeadLetterFacts {
  reason: string;
  deliveryAttempts?: number;
  lastDeliveryOutcome?: string;
  publishTime?: string;
  /** Event Grid schema only; CloudEvents dead-letter records do not carry it. */
  lastDeliveryAttemptTime?: string;
}

export interface NormalizedChange {
  eventId: string;
  /** `topic` (Event Grid) or `source` (CloudEvents), as delivered. */
  source: string;
  schema: EventSchema;
  eventType: string;
  kind: ChangeKind;
  operation: ChangeOperation;
  status: ChangeStatus;
  /** Normalized (lower-case) ARM id of the changed resource; for secrets, the vault id when known. */
  resourceId: string;
  /** Normalized id of the NSG a rule belongs to (or the NSG itself for an NSG change). */
  nsgId?: string;
  /** Security rule name, for a rule change, with the casing the event used (ARM names compare case-insensitively). */
  ruleName?: string;
  subscriptionId?: string;
  /** ISO 8601 event time. */
  time: string;
  correlationId?: string;
  /** ARM operation name, e.g. `Microsoft.Network/networkSecurityGroups/securityRules/write`. */
  operationName?: string;
  actor: Actor;
  /** The resource body, when the event carries it (Resource Notifications). */
  resourceBody?: unknown;
  /** The api-version `resourceBody.properties` follows (Resource Notifications `data.apiVersion`). */
  resourceApiVersion?: string;
  secret?: SecretEventFacts;
  deadLetter?: DeadLetterFacts;
}

/** An event that parsed fine but is not drift-relevant. */
export interface IgnoredEvent {
  index: number;
  eventId?: string;
  eventType?: string;
  reason: string;
  /** Set when the ignored event came out of a dead-letter record. */
  deadLetter?: DeadLetterFacts;
}

/** An event that could not be parsed; the rest of its batch is still processed. */
export interface EventError {
  index: number;
  eventId?: string;
  /** Dotted path inside the event, e.g. `data.resourceUri`; `''` when the element itself is not an event object. */
  field: string;
  /** What is wrong with the field, e.g. `missing`; `formatEventError` renders `index 3, field data.resourceUri: missing`. */
  message: string;
}

export interface IntakeResult {
  changes: NormalizedChange[];
  ignored: IgnoredEvent[];
  errors: EventError[];
}
