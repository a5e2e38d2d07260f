/**
 * Checks every ARM handler shares: the subscription and resource group exist, names are valid, bodies are JSON
 * objects, If-Match / If-None-Match hold.
 */
import { header, parseJsonBody } from '../http';
import type { ResourceGroupRecord } from '../state';
import type { ArmContext } from './context';
import { ArmError, invalidRequestContent, preconditionFailed, resourceGroupNotFound, subscriptionNotFound } from './errors';

export function requireSubscription(ctx: ArmContext, subscriptionId: string): void {
  if (!ctx.services.state.subscription(subscriptionId)) throw subscriptionNotFound(subscriptionId);
}

export function requireResourceGroup(ctx: ArmContext, subscriptionId: string, resourceGroup: string): ResourceGroupRecord {
  requireSubscription(ctx, subscriptionId);
  const rg = ctx.services.state.resourceGroup(subscriptionId, resourceGroup);
  if (!rg) throw resourceGroupNotFound(resourceGroup);
  return rg;
}

export function param(ctx: ArmContext, name: string): string {
  const value = ctx.params[name];
  if (value === undefined) throw new Error(`route parameter ${name} is missing`);
  return value;
}

/** The request body as a JSON object; ARM answers InvalidRequestContent for anything else. */
export function jsonObjectBody(ctx: ArmContext): Record<string, unknown> {
  const parsed = parseJsonBody(ctx.req);
  if (!parsed.ok) throw invalidRequestContent(parsed.message);
  const value = parsed.value;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw invalidRequestContent('the request body must be a JSON object');
  return value as Record<string, unknown>;
}

/**
 * Optimistic concurrency. `currentEtag` is undefined when the resource does not exist: `If-Match` then fails
 * (except nothing), `If-None-Match: *` passes; with a resource, `If-Match` must name its etag (or `*`).
 */
export function checkPreconditions(ctx: ArmContext, currentEtag: string | undefined, resourceId: string): void {
  const ifMatch = header(ctx.req, 'if-match');
  if (ifMatch !== undefined && ifMatch.trim() !== '') {
    const wanted = ifMatch.split(',').map((e) => e.trim());
    const ok = currentEtag !== undefined && (wanted.includes('*') || wanted.some((e) => sameEtag(e, currentEtag)));
    if (!ok) throw preconditionFailed(ifMatch.trim(), currentEtag, resourceId);
  }
  const ifNoneMatch = header(ctx.req, 'if-none-match');
  if (ifNoneMatch !== undefined && ifNoneMatch.trim() === '*' && currentEtag !== undefined) {
    throw new ArmError(412, 'PreconditionFailed', 'Precondition failed.', {
      details: [{ code: 'PreconditionFailedResourceExists', message: `If-None-Match: * was sent but resource ${resourceId} already exists.` }],
    });
  }
}

/** Weak and strong forms of the same etag compare equal (clients sometimes drop the `W/`). */
function sameEtag(a: string, b: string): boolean {
  const strip = (e: string): string => e.replace(/^W\//i, '').replace(/^"|"$/g, '');
  return strip(a) === strip(b);
}

export function optionalTags(value: unknown, field = 'tags'): Record<string, string> | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) throw invalidRequestContent(`${field} must be an object of string values`);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (typeof v !== 'string') throw invalidRequestContent(`${field}.${k} must be a string`);
    out[k] = v;
  }
  return out;
}
