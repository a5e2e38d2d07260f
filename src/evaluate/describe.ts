/**
 * Plain, display-ready views of rules and drift: ports as `"22"`/`"8080-8084"`/`"*"`, prefixes as written. Used by
 * the CLI's JSON and text output and by alert cards, so a rule reads the same everywhere.
 */
import { formatRange } from '../network';
import type { AddressPrefix, PortRange, RuleDrift, RuleFieldChange, SecurityRule } from '../network/types';

export interface RuleView {
  priority: number;
  direction: string;
  access: string;
  protocol: string;
  sourcePorts: string[];
  destinationPorts: string[];
  sources: string[];
  destinations: string[];
  description?: string;
}

export type DriftView =
  | { type: 'added'; rule: string; after: RuleView }
  | { type: 'removed'; rule: string; before: RuleView }
  | { type: 'modified'; rule: string; changes: { field: string; before: unknown; after: unknown }[]; before: RuleView; after: RuleView };

export function describeRule(rule: SecurityRule): RuleView {
  return {
    priority: rule.priority,
    direction: rule.direction,
    access: rule.access,
    protocol: rule.protocol,
    sourcePorts: describePorts(rule.sourcePorts),
    destinationPorts: describePorts(rule.destinationPorts),
    sources: describePrefixes(rule.sources),
    destinations: describePrefixes(rule.destinations),
    ...(rule.description ? { description: rule.description } : {}),
  };
}

export function describeDrift(drift: RuleDrift): DriftView {
  switch (drift.type) {
    case 'added':
      return { type: 'added', rule: drift.rule.name, after: describeRule(drift.rule) };
    case 'removed':
      return { type: 'removed', rule: drift.rule.name, before: describeRule(drift.rule) };
    case 'modified': {
      const before = describeRule(drift.before);
      const after = describeRule(drift.after);
      return {
        type: 'modified',
        rule: drift.after.name,
        changes: drift.changes.map((c) => describeFieldChange(c, before, after)),
        before,
        after,
      };
    }
  }
}

function describeFieldChange(change: RuleFieldChange, before: RuleView, after: RuleView) {
  const field = change.field;
  return { field, before: before[field as keyof RuleView] ?? null, after: after[field as keyof RuleView] ?? null };
}

export function describePorts(ranges: readonly PortRange[]): string[] {
  return ranges.map((r) => formatRange(r));
}

export function describePrefixes(prefixes: readonly AddressPrefix[]): string[] {
  return prefixes.map((p) => (p.kind === 'asg' ? `asg:${p.id.split('/').pop() ?? p.id}` : p.raw));
}

/** One line for a rule: `Allow Inbound Tcp from * to * port 22 (priority 200)`. */
export function ruleSummary(r: RuleView): string {
  const sourcePorts = r.sourcePorts.join(',') === '*' ? '' : ` port ${r.sourcePorts.join(',')}`;
  return `${r.access} ${r.direction} ${r.protocol} from ${r.sources.join(',')}${sourcePorts} to ${r.destinations.join(',')} port ${r.destinationPorts.join(',')} (priority ${r.priority})`;
}

/** One line for a drift: `+ name: <rule>`, `- name: <rule>`, `~ name: field: before → after; …`. */
export function driftSummary(d: DriftView): string {
  if (d.type === 'added') return `+ ${d.rule}: ${ruleSummary(d.after)}`;
  if (d.type === 'removed') return `- ${d.rule}: ${ruleSummary(d.before)}`;
  return `~ ${d.rule}: ${d.changes.map((c) => `${c.field}: ${showValue(c.before)} → ${showValue(c.after)}`).join('; ')}`;
}

function showValue(v: unknown): string {
  return Array.isArray(v) ? v.join(',') : String(v);
}
