/**
 * `Microsoft.Resources.ResourceWriteSuccess` / `ResourceDeleteSuccess` as a subscription system topic publishes them
 * (corpus events/eventgrid-schema/arm-resource-*.json): topic `/subscriptions/<id>`, subject = resource id,
 * dataVersion "2", the caller's flattened claims, `authorization {scope, action, evidence}`, and `httpRequest` only
 * when an existing resource was updated or deleted (NOTES.md §2).
 */
import { azureTimestamp, newGuid } from '../identifiers';
import type { EventGridEvent } from './schema';

export type ArmEventType = 'Microsoft.Resources.ResourceWriteSuccess' | 'Microsoft.Resources.ResourceDeleteSuccess';

export interface ArmEventDraft {
  eventType: ArmEventType;
  operationName: string;
  resourceUri: string;
  resourceProvider: string;
  subscriptionId: string;
  tenantId: string;
  correlationId: string;
  claims: Record<string, string>;
  evidence: Record<string, string>;
  httpRequest?: { clientRequestId: string; clientIpAddress: string; method: string; url: string };
}

export function armEvent(draft: ArmEventDraft, nowMs: number): EventGridEvent {
  const data: Record<string, unknown> = {
    authorization: { scope: draft.resourceUri, action: draft.operationName, evidence: draft.evidence },
    claims: draft.claims,
    correlationId: draft.correlationId,
  };
  if (draft.httpRequest) data['httpRequest'] = draft.httpRequest;
  data['resourceProvider'] = draft.resourceProvider;
  data['resourceUri'] = draft.resourceUri;
  data['operationName'] = draft.operationName;
  data['status'] = 'Succeeded';
  data['subscriptionId'] = draft.subscriptionId;
  data['tenantId'] = draft.tenantId;
  return {
    subject: draft.resourceUri,
    eventType: draft.eventType,
    eventTime: azureTimestamp(nowMs),
    id: newGuid(),
    data,
    dataVersion: '2',
    metadataVersion: '1',
    topic: `/subscriptions/${draft.subscriptionId}`,
  };
}
