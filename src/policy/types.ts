/**
 * A driftwarden policy, resolved: every default filled in, every port range and prefix parsed. The file format a user
 * writes is in `schema.ts`; `loadPolicy` turns one into the other.
 */
import type { ApproverRule } from '../approval/approverPolicy';
import type { AddressPrefix, PortRange, Protocol, SourceClass } from '../network/types';

export const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** What driftwarden does about an unsafe finding: record it, ask a human, or put it back straight away. */
export const MODES = ['alert', 'approve', 'auto'] as const;
export type Mode = (typeof MODES)[number];

/** What happens when nobody decides before the approval times out. */
export const TIMEOUT_ACTIONS = ['revert', 'keep', 'escalate'] as const;
export type TimeoutAction = (typeof TIMEOUT_ACTIONS)[number];

export interface SensitivePort {
  name: string;
  /** Concrete protocols the service listens on. */
  protocols: Protocol[];
  ports: PortRange[];
  severity: Severity;
}

export interface AllowedServiceTag {
  /** As written in rules, compared case-insensitively. */
  tag: string;
  /** Undefined = every protocol. */
  protocols?: Protocol[];
  /** Undefined = every port. */
  ports?: PortRange[];
}

export interface Exemption {
  /** Normalized NSG id. */
  resourceId: string;
  /** Rule name, compared case-insensitively; undefined = the whole NSG. */
  rule?: string;
  /** When given, only exposure on these ports is exempted. */
  ports?: PortRange[];
  /** When given, only exposure from these sources (or inside them) is exempted. */
  sources?: AddressPrefix[];
  /** ISO 8601; after it the exemption no longer applies. */
  expires: string;
  reason: string;
}

export interface NetworkPolicy {
  /** Sources allowed to reach anything (the workspace subnets); `VirtualNetwork` may be listed as a tag here. */
  allowedSourcePrefixes: AddressPrefix[];
  allowedServiceTags: AllowedServiceTag[];
  /** Normalized ASG ids allowed as sources. */
  allowedApplicationSecurityGroups: string[];
  sensitivePorts: SensitivePort[];
  /** Severity of an unsafe exposure on a port that is not sensitive, by where it is reachable from. */
  severityBySourceClass: Record<SourceClass, Severity>;
}

export interface ApprovalPolicy {
  /** ISO 8601 duration, e.g. `PT1H`. */
  timeout: string;
  timeoutMs: number;
  onTimeout: TimeoutAction;
  approvers: ApproverRule[];
}

export interface Policy {
  /** Where the policy came from (a file path, or `default`), for messages. */
  source: string;
  network: NetworkPolicy;
  modes: Record<Severity, Mode>;
  approval: ApprovalPolicy;
  exemptions: Exemption[];
}

export function severityRank(severity: Severity): number {
  return SEVERITIES.indexOf(severity);
}

export function maxSeverity(a: Severity, b: Severity): Severity {
  return severityRank(a) >= severityRank(b) ? a : b;
}
