/**
 * What an ARM handler gets (the request, the caller, correlation ids, the services) and returns (status, body,
 * headers), plus the event drafting every write shares.
 */
import type { EmulatorRequest } from '../http';
import type { Caller } from '../identities';
import { flattenClaimsForEvent } from '../identities';
import type { RouteParams } from '../router';
import type { EmulatorState } from '../state';
import type { EventBus } from '../events/bus';
import { armEvent } from '../events/armEvents';
import type { ArmEventDraft, ArmEventType } from '../events/armEvents';
import type { FaultRegistry } from '../faults';
import type { OperationTracker } from './operations';
import { evidenceOf, findGrant } from './rbac';

export interface ArmSettings {
  /** `https://127.0.0.1:<port>`; known once the listener is up. */
  baseUrl: string;
  /** Items per page in ARM list responses before a `nextLink`. */
  pageSize: number;
  /** Answer 403 AuthorizationFailed when no role assignment grants the caller the action. */
  enforceRbac: boolean;
}

export interface ArmServices {
  state: EmulatorState;
  operations: OperationTracker;
  bus: EventBus;
  faults: FaultRegistry;
  settings: ArmSettings;
  now: () => number;
  /** Called after a request changed the state (a successful write or delete, a concurrent writer's write). */
  changed?: () => void;
}

export interface ArmContext {
  services: ArmServices;
  req: EmulatorRequest;
  params: RouteParams;
  caller: Caller;
  correlationId: string;
  clientRequestId: string;
  apiVersion: string;
}

export interface ArmResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export type ArmHandler = (ctx: ArmContext) => ArmResponse | Promise<ArmResponse>;

export interface ResourceEventFacts {
  kind: 'write' | 'delete';
  operationName: string;
  resourceUri: string;
  resourceProvider: string;
  subscriptionId: string;
  /** The write changed a resource that already existed (Azure adds `httpRequest` only then, and for deletes). */
  updatedExisting: boolean;
}

/** Drafts the ARM event for this request now (caller, evidence, request facts), to be published when the write completes. */
export function draftEvent(ctx: ArmContext, facts: ResourceEventFacts): ArmEventDraft {
  const { state } = ctx.services;
  const grant = findGrant(state, ctx.caller, facts.operationName, facts.resourceUri);
  const eventType: ArmEventType = facts.kind === 'write' ? 'Microsoft.Resources.ResourceWriteSuccess' : 'Microsoft.Resources.ResourceDeleteSuccess';
  const draft: ArmEventDraft = {
    eventType,
    operationName: facts.operationName,
    resourceUri: facts.resourceUri,
    resourceProvider: facts.resourceProvider,
    subscriptionId: facts.subscriptionId,
    tenantId: ctx.caller.tenantId ?? state.tenantId,
    correlationId: ctx.correlationId,
    claims: flattenClaimsForEvent(ctx.caller.claims),
    evidence: evidenceOf(grant),
  };
  if (facts.kind === 'delete' || facts.updatedExisting) {
    draft.httpRequest = {
      clientRequestId: ctx.clientRequestId,
      clientIpAddress: ctx.caller.ipAddress ?? ctx.req.remoteAddress,
      method: ctx.req.method,
      url: ctx.req.url.toString(),
    };
  }
  return draft;
}

export function publishArmEvent(services: ArmServices, draft: ArmEventDraft): void {
  services.bus.publish(armEvent(draft, services.now()));
}
