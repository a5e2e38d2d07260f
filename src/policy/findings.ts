/**
 * Judges newly reachable exposure against the policy. Each unsafe part becomes part of a finding, one finding per
 * rule that admits it, with a severity, a title a human can act on, and the mode the policy sets for it.
 */
import type { AddressPrefix, ExposureEntry, PortRange, SourceClass } from '../network/types';
import { formatRange, intersectRanges, parseAddressPrefix, prefixCovers, subtractRanges } from '../network';
import { type Exemption, maxSeverity, type Mode, type Policy, type Severity, severityRank } from './types';

export interface Finding {
  /** Stable within a resource: the admitting rule's name, lower-cased. */
  id: string;
  severity: Severity;
  /** The rule that admits the exposure. */
  rule: string;
  title: string;
  /** Names of the sensitive services among the exposed ports, most severe first. */
  sensitivePorts: string[];
  sourceClasses: SourceClass[];
  /** The unsafe part of the new exposure (allowed parts removed). */
  exposure: ExposureEntry[];
  mode: Mode;
  /** Present when an exemption in the policy covers this finding; an exempted finding is recorded, not acted on. */
  exemption?: { reason: string; expires: string };
}

export interface NetworkFindingsInput {
  nsgId: string;
  exposureAdded: readonly ExposureEntry[];
  policy: Policy;
  /** ISO 8601 instant used to decide whether exemptions have expired. */
  now: string;
}

const CLASS_WORDS: Record<SourceClass, string> = {
  internet: 'the Internet',
  public: 'public addresses',
  private: 'private addresses outside the allowed prefixes',
  serviceTag: 'service tags the policy does not allow',
  asg: 'application security groups the policy does not allow',
};

export function evaluateNetworkFindings(input: NetworkFindingsInput): Finding[] {
  const { policy } = input;
  const byRule = new Map<string, { rule: string; entries: ExposureEntry[] }>();
  for (const entry of input.exposureAdded) {
    for (const unsafe of unsafeParts(entry, policy)) {
      const key = unsafe.rule.toLowerCase();
      const group = byRule.get(key) ?? { rule: unsafe.rule, entries: [] };
      group.entries.push(unsafe);
      byRule.set(key, group);
    }
  }
  const findings: Finding[] = [];
  for (const [key, group] of [...byRule.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    let severity: Severity = 'low';
    const sensitive = new Map<string, Severity>();
    for (const entry of group.entries) {
      const classSeverity = policy.network.severityBySourceClass[entry.sourceClass];
      severity = maxSeverity(severity, classSeverity);
      for (const port of policy.network.sensitivePorts) {
        if (!port.protocols.includes(entry.protocol)) continue;
        if (intersectRanges([{ from: entry.fromPort, to: entry.toPort }], port.ports).length === 0) continue;
        // A sensitive port open to the whole Internet or to public addresses takes the port's own severity; from
        // inside the network it is one step less severe, never below the class's own severity.
        const portSeverity =
          entry.sourceClass === 'internet' || entry.sourceClass === 'public' ? port.severity : stepDown(port.severity);
        severity = maxSeverity(severity, portSeverity);
        sensitive.set(port.name, maxSeverity(sensitive.get(port.name) ?? 'low', port.severity));
      }
    }
    const sensitivePorts = [...sensitive.entries()]
      .sort(([na, a], [nb, b]) => severityRank(b) - severityRank(a) || na.localeCompare(nb))
      .map(([name]) => name);
    const sourceClasses = [...new Set(group.entries.map((e) => e.sourceClass))].sort(
      (a, b) => classOrder(a) - classOrder(b),
    );
    const exemption = policy.exemptions.find(
      (e) =>
        e.resourceId === input.nsgId &&
        (e.rule === undefined || e.rule.toLowerCase() === key) &&
        Date.parse(e.expires) > Date.parse(input.now) &&
        group.entries.every((entry) => withinExemption(entry, e)),
    );
    findings.push({
      id: key,
      severity,
      rule: group.rule,
      title: titleFor(group.rule, group.entries, sensitivePorts, sourceClasses),
      sensitivePorts,
      sourceClasses,
      exposure: group.entries,
      mode: exemption ? 'alert' : policy.modes[severity],
      ...(exemption ? { exemption: { reason: exemption.reason, expires: exemption.expires } } : {}),
    });
  }
  return findings.sort((a, b) => severityRank(b.severity) - severityRank(a.severity) || a.id.localeCompare(b.id));
}

/** Whether an exemption's ports and sources (when it names them) cover this exposure entirely. */
function withinExemption(entry: ExposureEntry, exemption: Exemption): boolean {
  if (exemption.ports && subtractRanges([{ from: entry.fromPort, to: entry.toPort }], exemption.ports).length > 0) return false;
  if (exemption.sources) {
    const allowed = exemption.sources;
    return entry.sources.every((text) => {
      const prefix = safeParse(text);
      return prefix !== undefined && allowed.some((a) => prefixCovers(a, prefix));
    });
  }
  return true;
}

/** The parts of an exposure entry the policy does not allow (possibly none, possibly split by port or source). */
export function unsafeParts(entry: ExposureEntry, policy: Policy): ExposureEntry[] {
  const range: PortRange[] = [{ from: entry.fromPort, to: entry.toPort }];
  const out: ExposureEntry[] = [];
  const disallowedSources: string[] = [];
  for (const text of entry.sources) {
    const prefix = safeParse(text);
    if (prefix === undefined) {
      disallowedSources.push(text);
      continue;
    }
    if (prefix.kind === 'serviceTag' && entry.sourceClass === 'serviceTag') {
      // A service tag may be allowed on some ports only: split the range.
      let remaining = range;
      for (const allowed of policy.network.allowedServiceTags) {
        if (allowed.tag.toLowerCase() !== prefix.tag.toLowerCase()) continue;
        if (allowed.protocols && !allowed.protocols.includes(entry.protocol)) continue;
        remaining = allowed.ports ? subtractRanges(remaining, allowed.ports) : [];
      }
      for (const r of remaining) out.push({ ...entry, fromPort: r.from, toPort: r.to, sources: [text] });
      continue;
    }
    if (!sourceAllowed(prefix, policy)) disallowedSources.push(text);
  }
  if (disallowedSources.length > 0) out.push({ ...entry, sources: disallowedSources });
  return out;
}

function sourceAllowed(prefix: AddressPrefix, policy: Policy): boolean {
  if (prefix.kind === 'asg') return policy.network.allowedApplicationSecurityGroups.includes(prefix.id);
  return policy.network.allowedSourcePrefixes.some((allowed) => prefixCovers(allowed, prefix));
}

function safeParse(text: string): AddressPrefix | undefined {
  try {
    return parseAddressPrefix(text, 'source');
  } catch {
    return undefined;
  }
}

function stepDown(severity: Severity): Severity {
  return severity === 'critical' ? 'high' : severity === 'high' ? 'medium' : 'low';
}

function classOrder(c: SourceClass): number {
  return ['internet', 'public', 'serviceTag', 'asg', 'private'].indexOf(c);
}

function titleFor(rule: string, entries: ExposureEntry[], sensitive: string[], classes: SourceClass[]): string {
  const ports = [...new Set(entries.map((e) => `${formatRange({ from: e.fromPort, to: e.toPort })}/${e.protocol}`))];
  const what =
    sensitive.length > 0
      ? `${listWords(sensitive, 3)} (${listWords(ports, 3)})`
      : `${ports.length === 1 ? 'port' : 'ports'} ${listWords(ports, 3)}`;
  return `${what} reachable from ${listWords(classes.map((c) => CLASS_WORDS[c]), 2)} through rule '${rule}'`;
}

function listWords(items: string[], max: number): string {
  if (items.length <= max) {
    return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]!}`;
  }
  return `${items.slice(0, max).join(', ')} and ${items.length - max} more`;
}
