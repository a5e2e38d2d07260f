/**
 * ARM resource events (`Microsoft.Resources.Resource{Write,Delete,Action}{Success,Failure,Cancel}`). They carry no
 * resource state, only what was done, to which id, and by whom. Routed on `data.operationName` as the docs advise,
 * falling back to the type in the resource id when the operation name is missing or does not end in
 * write, delete or action.
 */

import { canonicalGuidOrSelf, actorFromClaims } from './actor';
import { NormalizeOptions, PublisherResult, addNsgNames, newChange, resolveKind } from './change';
import { Envelope, readEventData } from './envelope';
import { KnownEventType } from './eventTypes';
import { EventFieldError, optionalObject, optionalString } from './fields';
import { kindOfOperation, normalizeArmId, subscriptionOf } from './resourceKind';

const WATCHED = 'network security groups, security rules and role assignments';

export function normalizeArmEvent(envelope: Envelope, known: KnownEventType, options: NormalizeOptions): PublisherResult {
  const data = readEventData(envelope);
  const operationName = optionalString(data.operationName, 'data.operationName');

  let rawId = optionalString(data.resourceUri, 'data.resourceUri');
  let idField = 'data.resourceUri';
  if (rawId === undefined && envelope.subject !== undefined && envelope.subject.startsWith('/')) {
    rawId = envelope.subject;
    idField = 'subject';
  }
  if (rawId === undefined) throw new EventFieldError('data.resourceUri', 'missing (and the subject is not a resource id)');

  const expectedKind = operationName === undefined ? undefined : kindOfOperation(operationName);
  // Decided before any id work: most of a subscription's events are on types nobody here watches.
  if (expectedKind === 'other' && options.keepOther !== true) {
    return `operation ${operationName} is not on a watched resource type (${WATCHED})`;
  }
  const resourceId = normalizeArmId(rawId);
  const kind = resolveKind(resourceId, rawId, idField, expectedKind);
  if (kind === 'other' && options.keepOther !== true) return `resource ${resourceId} is not of a watched type (${WATCHED})`;

  const actor = actorFromClaims(data.claims, optionalObject(data.httpRequest, 'data.httpRequest'));
  const change = newChange(envelope, kind, resourceId, known.operation, known.status, actor);
  addNsgNames(change, rawId);
  const subscriptionId = optionalString(data.subscriptionId, 'data.subscriptionId');
  const subscription = subscriptionId ?? subscriptionOf(resourceId);
  if (subscription !== undefined) change.subscriptionId = canonicalGuidOrSelf(subscription);
  const correlationId = optionalString(data.correlationId, 'data.correlationId');
  if (correlationId !== undefined) change.correlationId = correlationId;
  if (operationName !== undefined) change.operationName = operationName;
  return change;
}
