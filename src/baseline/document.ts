/**
 * Baseline documents: the approved state of one resource, captured from live state, versioned. The document keeps
 * the ARM body exactly as captured so a deleted or modified rule can be put back with its own properties.
 */
import { z } from 'zod';
import { normalizeResourceId } from '../arm/resourceId';
import { InputError } from '../errors';
import { validateWith } from '../validation';

export const NSG_BASELINE_KIND = 'driftwarden.baseline/networkSecurityGroup';

export interface BaselineSource {
  /** `file` (captured by the CLI from a body on disk), `azure` (read live), `accepted` (an approver accepted a change). */
  type: 'file' | 'azure' | 'accepted' | 'raw';
  /** File path, ARM endpoint, or approval reference. */
  detail?: string;
  /** Who captured or accepted it (UPN or object id), when known. */
  by?: string;
}

export interface NsgBaseline {
  kind: typeof NSG_BASELINE_KIND;
  schemaVersion: 1;
  /** Normalized NSG id. */
  resourceId: string;
  /** 1 for the first capture; each accepted change or re-capture adds one. 0 = a raw ARM body used as a baseline. */
  version: number;
  /** ISO 8601. */
  capturedAt: string;
  source: BaselineSource;
  /** The NSG's etag when captured, when known. */
  etag?: string;
  /** The ARM NSG body as captured. */
  nsg: Record<string, unknown>;
}

const baselineSchema = z
  .object({
    kind: z.literal(NSG_BASELINE_KIND),
    schemaVersion: z.literal(1),
    resourceId: z.string().min(1),
    version: z.number().int().min(0),
    capturedAt: z.iso.datetime({ offset: true }),
    source: z
      .object({
        type: z.enum(['file', 'azure', 'accepted', 'raw']),
        detail: z.string().optional(),
        by: z.string().optional(),
      })
      .strict(),
    etag: z.string().optional(),
    nsg: z.record(z.string(), z.unknown()),
  })
  .strict();

export interface CaptureOptions {
  /** ISO 8601 capture time (passed in: the core never reads the clock). */
  capturedAt: string;
  source: BaselineSource;
  /** The version of the baseline this one replaces; the new one is `previousVersion + 1`. */
  previousVersion?: number;
}

/** A baseline document for an NSG body (ARM GET JSON). */
export function captureNsgBaseline(nsgBody: unknown, options: CaptureOptions): NsgBaseline {
  const body = requireNsgBody(nsgBody, 'nsg');
  return {
    kind: NSG_BASELINE_KIND,
    schemaVersion: 1,
    resourceId: normalizeResourceId(body.id as string),
    version: (options.previousVersion ?? 0) + 1,
    capturedAt: options.capturedAt,
    source: options.source,
    ...(typeof body.etag === 'string' ? { etag: body.etag } : {}),
    nsg: stripVolatile(body),
  };
}

/**
 * Reads a baseline: a baseline document, or a raw ARM NSG body (accepted anywhere a baseline is read; it becomes
 * version 0 with source `raw`).
 */
export function parseNsgBaseline(data: unknown, source: string): NsgBaseline {
  if (isObject(data) && data.kind !== undefined) {
    const doc = validateWith(baselineSchema, data, source);
    requireNsgBody(doc.nsg, 'nsg', source);
    return { ...doc, resourceId: normalizeResourceId(doc.resourceId) } as NsgBaseline;
  }
  const body = requireNsgBody(data, '(root)', source);
  return {
    kind: NSG_BASELINE_KIND,
    schemaVersion: 1,
    resourceId: normalizeResourceId(body.id as string),
    version: 0,
    capturedAt: '1970-01-01T00:00:00.000Z',
    source: { type: 'raw', detail: source },
    ...(typeof body.etag === 'string' ? { etag: body.etag } : {}),
    nsg: body,
  };
}

function requireNsgBody(data: unknown, field: string, source?: string): Record<string, unknown> {
  const opts = source ? { source } : undefined;
  if (!isObject(data)) throw new InputError(field, data, 'must be an ARM network security group body (a JSON object)', opts);
  if (typeof data.id !== 'string' || data.id.length === 0) {
    throw new InputError(`${field === '(root)' ? '' : `${field}.`}id`, data.id, 'must be the NSG resource id', opts);
  }
  const type = typeof data.type === 'string' ? data.type.toLowerCase() : undefined;
  if (type !== undefined && type !== 'microsoft.network/networksecuritygroups') {
    throw new InputError(`${field === '(root)' ? '' : `${field}.`}type`, data.type, 'must be Microsoft.Network/networkSecurityGroups', opts);
  }
  return data;
}

/** Fields that change without any change of meaning: keeping them would make every comparison noisy. */
function stripVolatile(body: Record<string, unknown>): Record<string, unknown> {
  const clone = JSON.parse(JSON.stringify(body)) as Record<string, unknown>;
  const props = isObject(clone.properties) ? clone.properties : undefined;
  if (props) {
    delete props.provisioningState;
    delete props.resourceGuid;
    for (const key of ['securityRules', 'defaultSecurityRules']) {
      const rules = props[key];
      if (!Array.isArray(rules)) continue;
      for (const rule of rules) {
        if (!isObject(rule)) continue;
        delete rule.etag;
        if (isObject(rule.properties)) delete rule.properties.provisioningState;
      }
    }
  }
  return clone;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
