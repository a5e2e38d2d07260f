/**
 * Network security groups as driftwarden reasons about them: ARM's JSON shapes (singular and plural fields, casing,
 * inline or child rules) normalized into one form in which two rules that mean the same thing compare equal.
 */

/** Concrete IP protocols an NSG rule can name. A `*` rule applies to each of them. */
export const PROTOCOLS = ['Tcp', 'Udp', 'Icmp', 'Esp', 'Ah'] as const;
export type Protocol = (typeof PROTOCOLS)[number];
export type RuleProtocol = Protocol | '*';

export type Access = 'Allow' | 'Deny';
export type Direction = 'Inbound' | 'Outbound';

/** An inclusive port range within 0..65535. A single port has `from === to`. */
export interface PortRange {
  from: number;
  to: number;
}

/**
 * What a source or destination entry names. `internet` covers `*`, `Any`, `Internet`, `0.0.0.0/0` and `::/0`;
 * `raw` keeps the text as written in the rule (for display and for restoring a rule exactly).
 */
export type AddressPrefix =
  | { kind: 'any'; raw: string }
  | { kind: 'internetTag'; raw: string }
  | { kind: 'cidr'; raw: string; version: 4 | 6; /** canonical `a.b.c.d/n` or compressed IPv6 `x::/n` */ cidr: string; scope: 'public' | 'private' }
  | { kind: 'serviceTag'; raw: string; /** tag as written, e.g. `AzureLoadBalancer` or `Storage.WestEurope` */ tag: string }
  | { kind: 'asg'; raw: string; /** normalized ARM id of the application security group */ id: string };

/** The class of source (for inbound) or destination (for outbound) a port is reachable from/to. */
export type SourceClass = 'internet' | 'public' | 'private' | 'serviceTag' | 'asg';

export interface SecurityRule {
  name: string;
  /** Normalized ARM id, when the body carried one. */
  id?: string;
  priority: number;
  direction: Direction;
  access: Access;
  protocol: RuleProtocol;
  /** Merged from the singular and plural fields, sorted, overlapping and adjacent ranges coalesced. */
  sourcePorts: PortRange[];
  destinationPorts: PortRange[];
  /** Merged from `*AddressPrefix`, `*AddressPrefixes` and `*ApplicationSecurityGroups`; de-duplicated, sorted. */
  sources: AddressPrefix[];
  destinations: AddressPrefix[];
  description?: string;
  /** One of the six rules Azure puts in every NSG (priorities 65000/65001/65500). */
  isDefault: boolean;
}

export interface NetworkSecurityGroup {
  /** Normalized ARM id ('' when the body had none). */
  id: string;
  name: string;
  location?: string;
  etag?: string;
  /** User rules, inline (`properties.securityRules`) or gathered from child rule bodies. */
  rules: SecurityRule[];
  /** The default rules, from the body or implied when the body lacks them. */
  defaultRules: SecurityRule[];
}

/** One reachable (protocol, port range) and where it is reachable from, and the rule that admits it. */
export interface ExposureEntry {
  protocol: Protocol;
  fromPort: number;
  toPort: number;
  sourceClass: SourceClass;
  /** The prefixes (as written) through which this range is reachable. */
  sources: string[];
  /** Name of the rule that admits it (first match by priority). */
  rule: string;
}

export interface NsgExposure {
  id: string;
  name: string;
  inbound: ExposureEntry[];
  outbound: ExposureEntry[];
}

/** A rule field that differs between the baseline and the current state (compared by meaning, not by text). */
export interface RuleFieldChange {
  field: 'priority' | 'direction' | 'access' | 'protocol' | 'sourcePorts' | 'destinationPorts' | 'sources' | 'destinations' | 'description';
  before: unknown;
  after: unknown;
}

/** Rule-level drift of an NSG against its baseline. Rules are matched by name, case-insensitively. */
export type RuleDrift =
  | { type: 'added'; rule: SecurityRule }
  | { type: 'removed'; rule: SecurityRule }
  | { type: 'modified'; before: SecurityRule; after: SecurityRule; changes: RuleFieldChange[] };

/** The semantic difference between a baseline NSG and its current state. */
export interface NsgDiff {
  nsgId: string;
  drift: RuleDrift[];
  /** Inbound: what is reachable now that was not reachable in the baseline (attributed to the rule that now admits it). */
  exposureAdded: ExposureEntry[];
  /** Inbound: what was reachable in the baseline and is no longer (attributed to the baseline rule that admitted it). */
  exposureRemoved: ExposureEntry[];
  /**
   * The same for outbound traffic (`sourceClass` then describes the destination). Kept apart because the entries
   * carry no direction and everything that judges `exposureAdded` reads it as inbound. Always set by `diffNsg`.
   */
  outboundExposureAdded?: ExposureEntry[];
  outboundExposureRemoved?: ExposureEntry[];
}
