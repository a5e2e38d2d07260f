/** Small builders for NSG bodies in tests, and a brute-force reference for first-match exposure. */
import { normalizeNsg, prefixCovers, rangesContain, rangesCover, sourceClassOf } from '../../src/network';
import { PROTOCOLS, type AddressPrefix, type ExposureEntry, type NetworkSecurityGroup, type Protocol, type SecurityRule } from '../../src/network/types';
import { seededRandom } from '../../local/emulator/rng';

export const NSG_ID = '/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-ml/providers/Microsoft.Network/networkSecurityGroups/nsg-ws';

export interface RuleSpec {
  name: string;
  priority: number;
  access?: 'Allow' | 'Deny';
  direction?: 'Inbound' | 'Outbound';
  protocol?: string;
  ports?: string | string[];
  src?: string | (string | { id: string })[];
  dst?: string | (string | { id: string })[];
  srcPorts?: string | string[];
  description?: string;
}

/** An ARM rule body (properties form), singular fields for single values and plural ones for lists. */
export function ruleBody(spec: RuleSpec): Record<string, unknown> {
  const props: Record<string, unknown> = {
    protocol: spec.protocol ?? 'Tcp',
    access: spec.access ?? 'Allow',
    priority: spec.priority,
    direction: spec.direction ?? 'Inbound',
  };
  if (spec.description !== undefined) props.description = spec.description;
  const ports = (key: string, value: string | string[] | undefined, fallback: string): void => {
    const v = value ?? fallback;
    if (Array.isArray(v)) props[`${key}Ranges`] = v;
    else props[`${key}Range`] = v;
  };
  ports('destinationPort', spec.ports, '*');
  ports('sourcePort', spec.srcPorts, '*');
  const addresses = (dim: 'source' | 'destination', value: RuleSpec['src']): void => {
    const v = value ?? '*';
    const list = Array.isArray(v) ? v : [v];
    const asgs = list.filter((x): x is { id: string } => typeof x !== 'string');
    const texts = list.filter((x): x is string => typeof x === 'string');
    if (asgs.length > 0) props[`${dim}ApplicationSecurityGroups`] = asgs;
    if (texts.length === 1) props[`${dim}AddressPrefix`] = texts[0];
    else if (texts.length > 1) props[`${dim}AddressPrefixes`] = texts;
    else props[`${dim}AddressPrefix`] = '';
  };
  addresses('source', spec.src);
  addresses('destination', spec.dst);
  return { name: spec.name, properties: props };
}

export function nsgBodyOf(specs: RuleSpec[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { name: 'nsg-ws', id: NSG_ID, type: 'Microsoft.Network/networkSecurityGroups', properties: { securityRules: specs.map(ruleBody), ...extra } };
}

export function nsgOf(...specs: RuleSpec[]): NetworkSecurityGroup {
  return normalizeNsg(nsgBodyOf(specs));
}

/** `Tcp 22 internet [*] allow-ssh`, or `Tcp 1-19 …` for a range. */
export function show(e: ExposureEntry): string {
  const ports = e.fromPort === e.toPort ? `${e.fromPort}` : `${e.fromPort}-${e.toPort}`;
  return `${e.protocol} ${ports} ${e.sourceClass} [${e.sources.join(' ')}] ${e.rule}`;
}

const DEFAULT_RULES = new Set(['AllowVnetInBound', 'AllowAzureLoadBalancerInBound', 'DenyAllInBound', 'AllowVnetOutBound', 'AllowInternetOutBound', 'DenyAllOutBound']);

/** Entries admitted by user rules (the defaults left out), as `show` strings. */
export function userEntries(entries: readonly ExposureEntry[]): string[] {
  return entries.filter((e) => !DEFAULT_RULES.has(e.rule)).map(show);
}

// ---------------------------------------------------------------------------------------------------------------
// Reference: first match by brute force, one (rule, prefix, protocol, port) at a time.

const PORTLESS = new Set<Protocol>(['Icmp', 'Esp', 'Ah']);

function matchesProtocol(rule: SecurityRule, protocol: Protocol): boolean {
  return rule.protocol === '*' || rule.protocol === protocol;
}

function isVnet(p: AddressPrefix): boolean {
  return p.kind === 'serviceTag' && p.tag.toLowerCase() === 'virtualnetwork';
}

/** An earlier prefix covers a later one (or the Internet / VNet part of a later `*`). */
function covers(earlier: AddressPrefix, later: AddressPrefix, part: 'public' | 'private' | undefined): boolean {
  if (earlier.kind === 'any') return true;
  if (later.kind === 'any') return part === 'public' ? earlier.kind === 'internetTag' : part === 'private' ? isVnet(earlier) : false;
  return prefixCovers(earlier, later);
}

/** Outside the classified dimension an earlier rule decides only where it covers the later rule's whole set. */
function coversOther(earlier: SecurityRule, later: SecurityRule, inbound: boolean): boolean {
  if (!rangesCover(earlier.sourcePorts, later.sourcePorts)) return false;
  const outer = inbound ? earlier.destinations : earlier.sources;
  const inner = inbound ? later.destinations : later.sources;
  return inner.every((i) => outer.some((o) => o.kind === 'any' || (i.kind !== 'any' && prefixCovers(o, i))));
}

/** Sample ports: every boundary of every rule's destination ports (reachability is constant between them). */
export function samplePorts(nsg: NetworkSecurityGroup): number[] {
  const points = new Set<number>([0, 65535]);
  for (const r of [...nsg.rules, ...nsg.defaultRules]) {
    for (const p of r.destinationPorts) for (const x of [p.from - 1, p.from, p.to, p.to + 1]) if (x >= 0 && x <= 65535) points.add(x);
  }
  return [...points].sort((a, b) => a - b);
}

/** `rule|protocol|port|class|prefix` for every sampled reachable point, by brute force. */
export function referenceReach(nsg: NetworkSecurityGroup, direction: 'Inbound' | 'Outbound', samples: number[]): Set<string> {
  const inbound = direction === 'Inbound';
  const rules = [...nsg.rules, ...nsg.defaultRules]
    .filter((r) => r.direction === direction)
    .sort((a, b) => a.priority - b.priority || (a.name.toLowerCase() < b.name.toLowerCase() ? -1 : 1));
  const out = new Set<string>();
  rules.forEach((rule, i) => {
    if (rule.access !== 'Allow') return;
    const earlier = rules.slice(0, i).filter((e) => coversOther(e, rule, inbound));
    for (const protocol of PROTOCOLS) {
      if (!matchesProtocol(rule, protocol)) continue;
      const ports = PORTLESS.has(protocol) ? [0] : samples.filter((x) => rangesContain(rule.destinationPorts, x));
      for (const x of ports) {
        const candidates = earlier.filter((e) => matchesProtocol(e, protocol) && (PORTLESS.has(protocol) || rangesContain(e.destinationPorts, x)));
        for (const prefix of inbound ? rule.sources : rule.destinations) {
          const decided = (part: 'public' | 'private' | undefined): boolean =>
            candidates.some((e) => (inbound ? e.sources : e.destinations).some((c) => covers(c, prefix, part)));
          let cls: string | undefined;
          if (prefix.kind === 'any') {
            if (!decided('public')) cls = 'internet';
            else if (!decided('private')) cls = 'private';
          } else if (!decided(undefined)) cls = sourceClassOf(prefix);
          if (cls !== undefined) out.add(`${rule.name}|${protocol}|${x}|${cls}|${prefix.raw}`);
        }
      }
    }
  });
  return out;
}

/** The engine's entries expanded to the same points as `referenceReach`. */
export function expandEntries(entries: readonly ExposureEntry[], samples: number[]): Set<string> {
  const out = new Set<string>();
  for (const e of entries) {
    const ports = PORTLESS.has(e.protocol) ? (e.fromPort === 0 ? [0] : []) : samples.filter((x) => x >= e.fromPort && x <= e.toPort);
    for (const x of ports) for (const raw of e.sources) out.add(`${e.rule}|${e.protocol}|${x}|${e.sourceClass}|${raw}`);
  }
  return out;
}

export const seeded = seededRandom;
