/**
 * ARM resource ids. ARM treats ids case-insensitively and Event Grid reports them with whatever casing the caller
 * used, so every comparison and every key in driftwarden goes through `normalizeResourceId`.
 */

/** Lower-cased, single leading slash, no trailing slash, no doubled slashes, no surrounding whitespace. */
export function normalizeResourceId(id: string): string {
  const trimmed = id.trim().replace(/\/{2,}/g, '/').replace(/\/+$/, '');
  const withSlash = trimmed.startsWith('/') ? trimmed : `/${trimmed}`;
  return withSlash.toLowerCase();
}

export interface ResourceIdParts {
  subscriptionId?: string;
  resourceGroup?: string;
  /** e.g. `Microsoft.Network`. */
  provider?: string;
  /** Type/name pairs after the provider: `[{type:'networkSecurityGroups',name:'nsg1'},{type:'securityRules',name:'r1'}]`. */
  resources: { type: string; name: string }[];
}

/** Splits an ARM id into its parts, keeping the original casing of names. Works on scope ids (no provider) too. */
export function parseResourceId(id: string): ResourceIdParts {
  const segments = id.trim().split('/').filter((s) => s.length > 0);
  const parts: ResourceIdParts = { resources: [] };
  let i = 0;
  while (i < segments.length) {
    const key = segments[i]!.toLowerCase();
    const value = segments[i + 1];
    if (key === 'subscriptions' && value !== undefined && parts.provider === undefined) {
      parts.subscriptionId = value;
      i += 2;
    } else if (key === 'resourcegroups' && value !== undefined && parts.provider === undefined) {
      parts.resourceGroup = value;
      i += 2;
    } else if (key === 'providers' && value !== undefined) {
      parts.provider = value;
      parts.resources = [];
      i += 2;
      while (i + 1 < segments.length && segments[i]!.toLowerCase() !== 'providers') {
        parts.resources.push({ type: segments[i]!, name: segments[i + 1]! });
        i += 2;
      }
    } else {
      i += 1;
    }
  }
  return parts;
}

/** The full resource type, e.g. `microsoft.network/networksecuritygroups/securityrules` (lower case), or undefined. */
export function resourceTypeOf(id: string): string | undefined {
  const parts = parseResourceId(id);
  if (!parts.provider || parts.resources.length === 0) return undefined;
  return [parts.provider, ...parts.resources.map((r) => r.type)].join('/').toLowerCase();
}

/** The id of the resource that contains `id` (one type/name pair shorter), or undefined at the top. */
export function parentResourceId(id: string): string | undefined {
  const segments = id.trim().replace(/\/+$/, '').split('/');
  const parts = parseResourceId(id);
  if (parts.resources.length < 2) return undefined;
  return segments.slice(0, -2).join('/');
}
