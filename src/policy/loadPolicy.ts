/**
 * Turns a policy file (JSON or YAML text, or parsed data) into a resolved `Policy`: defaults filled in, ports and
 * prefixes parsed. Errors name the field and the value (`network.sensitivePorts[2].ports[0]: ...`).
 */
import { parse as parseYaml } from 'yaml';
import { normalizeResourceId } from '../arm/resourceId';
import { InputError } from '../errors';
import { parseAddressPrefix, parsePortRange } from '../network';
import type { PortRange, Protocol } from '../network/types';
import { SchemaError, validateWith } from '../validation';
import { DEFAULT_POLICY_FILE } from './defaultPolicy';
import { parseIsoDuration } from './duration';
import { type PolicyFile, policyFileSchema } from './schema';
import type { AllowedServiceTag, Policy, SensitivePort } from './types';

const ALL_PROTOCOLS: Protocol[] = ['Tcp', 'Udp', 'Icmp', 'Esp', 'Ah'];

/** Parses policy text: JSON when it looks like JSON, YAML otherwise (YAML is a superset, but JSON errors read better). */
export function parsePolicyText(text: string, source: string): Policy {
  let data: unknown;
  const trimmed = text.trim();
  try {
    data = trimmed.startsWith('{') ? JSON.parse(trimmed) : parseYaml(text, { prettyErrors: true });
  } catch (err) {
    throw new InputError('(root)', trimmed.slice(0, 40), `is not valid ${trimmed.startsWith('{') ? 'JSON' : 'YAML'}: ${(err as Error).message}`, { source });
  }
  return resolvePolicy(data ?? {}, source);
}

/** The built-in default policy, resolved. */
export function defaultPolicy(): Policy {
  return resolvePolicy(DEFAULT_POLICY_FILE, 'default policy');
}

export function resolvePolicy(data: unknown, source: string): Policy {
  const file = validateWith(policyFileSchema, data, source);
  const issues: { field: string; message: string; value?: unknown }[] = [];
  const attempt = <T>(fn: () => T): T | undefined => {
    try {
      return fn();
    } catch (err) {
      if (err instanceof InputError) issues.push({ field: err.field, message: err.message, value: err.value });
      else throw err;
      return undefined;
    }
  };
  const defaults = DEFAULT_POLICY_FILE;
  const net = { ...defaults.network, ...stripUndefined(file.network ?? {}) };

  const allowedSourcePrefixes = (net.allowedSourcePrefixes ?? []).flatMap((text, i) => {
    const parsed = attempt(() => parseAddressPrefix(text, `network.allowedSourcePrefixes[${i}]`));
    return parsed ? [parsed] : [];
  });
  const allowedServiceTags = (net.allowedServiceTags ?? []).map((entry, i): AllowedServiceTag => {
    const field = `network.allowedServiceTags[${i}]`;
    return {
      tag: entry.tag,
      ...(entry.protocols ? { protocols: entry.protocols.map(toProtocol) } : {}),
      ...(entry.ports ? { ports: parsePorts(entry.ports, `${field}.ports`, attempt) } : {}),
    };
  });
  const sensitiveSource = [...(net.sensitivePorts ?? []), ...(file.network?.extraSensitivePorts ?? [])];
  const sensitivePorts = sensitiveSource.map((entry, i): SensitivePort => {
    const inExtra = i >= (net.sensitivePorts ?? []).length;
    const field = inExtra
      ? `network.extraSensitivePorts[${i - (net.sensitivePorts ?? []).length}]`
      : `network.sensitivePorts[${i}]`;
    return {
      name: entry.name,
      protocols: entry.protocols ? entry.protocols.map(toProtocol) : ['Tcp', 'Udp'],
      ports: parsePorts(entry.ports, `${field}.ports`, attempt),
      severity: entry.severity,
    };
  });
  const timeout = file.approval?.timeout ?? defaults.approval!.timeout!;
  const timeoutMs = parseIsoDuration(timeout);
  if (timeoutMs === undefined) {
    issues.push({ field: 'approval.timeout', message: 'must be an ISO 8601 duration such as PT30M, PT1H or P1D', value: timeout });
  }
  const exemptions = (file.exemptions ?? []).map((e, i) => ({
    resourceId: normalizeResourceId(e.resourceId),
    ...(e.rule ? { rule: e.rule } : {}),
    ...(e.ports ? { ports: parsePorts(e.ports, `exemptions[${i}].ports`, attempt) } : {}),
    ...(e.sources
      ? { sources: e.sources.flatMap((text, j) => attempt(() => parseAddressPrefix(text, `exemptions[${i}].sources[${j}]`)) ?? []) }
      : {}),
    expires: new Date(e.expires).toISOString(),
    reason: e.reason,
  }));
  if (issues.length > 0) throw new SchemaError(source, issues.map(stripSourcePrefix));

  return {
    source,
    network: {
      allowedSourcePrefixes,
      allowedServiceTags,
      allowedApplicationSecurityGroups: (net.allowedApplicationSecurityGroups ?? []).map(normalizeResourceId),
      sensitivePorts,
      severityBySourceClass: {
        ...defaults.network!.severityBySourceClass!,
        ...stripUndefined(file.network?.severityBySourceClass ?? {}),
      } as Policy['network']['severityBySourceClass'],
    },
    modes: { ...defaults.modes!, ...stripUndefined(file.modes ?? {}) } as Policy['modes'],
    approval: {
      timeout,
      timeoutMs: timeoutMs ?? 0,
      onTimeout: file.approval?.onTimeout ?? defaults.approval!.onTimeout!,
      approvers: (file.approval?.approvers ?? []).map((a) => ({
        scope: a.scope,
        ...(a.groups ? { groups: a.groups } : {}),
        ...(a.roles ? { roles: a.roles } : {}),
        ...(a.users ? { users: a.users } : {}),
      })),
    },
    exemptions,
  };
}

function parsePorts(
  ports: readonly (string | number)[],
  field: string,
  attempt: <T>(fn: () => T) => T | undefined,
): PortRange[] {
  return ports.flatMap((p, j) => {
    const parsed = attempt(() => parsePortRange(String(p), `${field}[${j}]`));
    return parsed ? [parsed] : [];
  });
}

function toProtocol(text: string): Protocol {
  const found = ALL_PROTOCOLS.find((p) => p.toLowerCase() === text.toLowerCase());
  // The schema already restricted the text to these names.
  return found ?? 'Tcp';
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** InputError messages repeat the field; the SchemaError listing already shows it. */
function stripSourcePrefix(issue: { field: string; message: string; value?: unknown }) {
  const prefix = `${issue.field} `;
  const message = issue.message.startsWith(prefix) ? issue.message.slice(prefix.length).replace(/ \(got .*\)$/, '') : issue.message;
  return { ...issue, message };
}

export type { PolicyFile };
