/**
 * Azure Resource Notifications (`Microsoft.ResourceNotifications.Resources.CreatedOrUpdated` / `Deleted`). Unlike
 * ARM events they carry the resource itself (`data.resourceInfo`, Resource Graph style) but no caller identity.
 */

import { canonicalGuidOrSelf } from './actor';
import { NormalizeOptions, PublisherResult, addNsgNames, newChange, resolveKind } from './change';
import { Envelope, readEventData } from './envelope';
import { KnownEventType } from './eventTypes';
import { EventFieldError, optionalObject, optionalString } from './fields';
import { kindOfResourceType, normalizeArmId, subscriptionOf } from './resourceKind';

const WATCHED = 'network security groups, security rules and role assignments';

export function normalizeResourceNotificationEvent(envelope: Envelope, known: KnownEventType, options: NormalizeOptions): PublisherResult {
  const data = readEventData(envelope);
  const info = optionalObject(data.resourceInfo, 'data.resourceInfo');

  let rawId = info === undefined ? undefined : optionalString(info.id, 'data.resourceInfo.id');
  let idField = 'data.resourceInfo.id';
  if (rawId === undefined && envelope.subject !== undefined && envelope.subject.startsWith('/')) {
    rawId = envelope.subject;
    idField = 'subject';
  }
  if (rawId === undefined) throw new EventFieldError('data.resourceInfo.id', 'missing (and the subject is not a resource id)');

  const type = info === undefined ? undefined : optionalString(info.type, 'data.resourceInfo.type');
  const expectedKind = type === undefined ? undefined : kindOfResourceType(type);
  if (expectedKind === 'other' && options.keepOther !== true) return `resource type ${type} is not watched (${WATCHED})`;
  const resourceId = normalizeArmId(rawId);
  const kind = resolveKind(resourceId, rawId, idField, expectedKind);
  if (kind === 'other' && options.keepOther !== true) return `resource ${resourceId} is not of a watched type (${WATCHED})`;

  // Resource Notifications carry no claims: who did it is only known from the matching ARM event.
  const change = newChange(envelope, kind, resourceId, known.operation, known.status, { type: 'unknown' });
  addNsgNames(change, rawId);
  const subscription = subscriptionOf(resourceId);
  if (subscription !== undefined) change.subscriptionId = canonicalGuidOrSelf(subscription);
  // A deleted resource comes with only its id, name and type: there is no body to carry.
  if (known.operation === 'write' && info !== undefined) {
    change.resourceBody = info;
    const apiVersion = optionalString(data.apiVersion, 'data.apiVersion');
    if (apiVersion !== undefined) change.resourceApiVersion = apiVersion;
  }
  return change;
}
