/**
 * Builds the plan that puts an NSG back within policy: the smallest set of reverts (tried in a fixed order) after
 * which the NSG, re-evaluated, exposes nothing unsafe beyond its baseline. Pure and deterministic: the same inputs
 * always give the same plan and the same hash.
 */
import { diffNsg } from '../network';
import type { NetworkSecurityGroup, RuleDrift, SecurityRule } from '../network/types';
import { evaluateNetworkFindings, type Finding } from '../policy/findings';
import { type Policy, severityRank } from '../policy/types';
import { canonicalJson, sha256Hex } from './hash';
import { ruleSnapshot } from './ruleSnapshot';
import type { PlanAction, RemediationPlan } from './types';

export interface NetworkRevertInput {
  baseline: { nsg: NetworkSecurityGroup; body: Record<string, unknown>; version: number };
  current: { nsg: NetworkSecurityGroup; body: Record<string, unknown>; etag?: string };
  drift: readonly RuleDrift[];
  findings: readonly Finding[];
  policy: Policy;
  /** ISO 8601, for exemption expiry during re-evaluation. */
  now: string;
}

export function planNetworkRevert(input: NetworkRevertInput): RemediationPlan {
  const unsafe = input.findings.filter((f) => f.exemption === undefined);
  const chosen = new Map<string, RuleDrift>();
  if (unsafe.length > 0) {
    const byName = new Map(input.drift.map((d) => [driftName(d).toLowerCase(), d]));
    // 1. The rules that admit the unsafe exposure, where they drifted (added or modified).
    for (const finding of unsafe) {
      const drift = byName.get(finding.rule.toLowerCase());
      if (drift && drift.type !== 'removed') chosen.set(finding.rule.toLowerCase(), drift);
    }
    // 2. Baseline Deny rules that were removed or changed: removing a Deny can open ports.
    // 3. Everything else that drifted (a full restore), only if still needed.
    const stages: RuleDrift[][] = [
      input.drift.filter((d) => d.type !== 'added' && baselineRule(d)?.access === 'Deny'),
      [...input.drift],
    ];
    let stage = 0;
    while (!safeAfter(input, chosen) && stage < stages.length) {
      for (const d of stages[stage]!) chosen.set(driftName(d).toLowerCase(), d);
      stage += 1;
    }
    takeOverBlockedPriorities(input, chosen);
  }
  const actions = orderActions([...chosen.values()].map((d) => actionFor(d, input, unsafe)));
  const worst = unsafe.reduce<Finding | undefined>(
    (acc, f) => (acc === undefined || severityRank(f.severity) > severityRank(acc.severity) ? f : acc),
    undefined,
  );
  const body = {
    kind: 'networkSecurityGroup' as const,
    resourceId: input.current.nsg.id || input.baseline.nsg.id,
    mode: actions.length === 0 || !worst ? ('none' as const) : worst.mode,
    ...(worst && actions.length > 0 ? { severity: worst.severity } : {}),
    baselineVersion: input.baseline.version,
    ...(input.current.etag ? { etag: input.current.etag } : {}),
    findings: unsafe.map((f) => f.id),
    actions,
    warnings: priorityWarnings(input, chosen),
  };
  return { ...body, hash: sha256Hex(canonicalJson(body)) };
}

/** The NSG as it would be after reverting the chosen drift (rules only; defaults unchanged). */
export function applyRevertsInMemory(
  current: NetworkSecurityGroup,
  reverts: Iterable<RuleDrift>,
): NetworkSecurityGroup {
  const rules = new Map(current.rules.map((r) => [r.name.toLowerCase(), r]));
  for (const d of reverts) {
    if (d.type === 'added') rules.delete(d.rule.name.toLowerCase());
    else if (d.type === 'modified') rules.set(d.after.name.toLowerCase(), d.before);
    else rules.set(d.rule.name.toLowerCase(), d.rule);
  }
  return { ...current, rules: [...rules.values()] };
}

function safeAfter(input: NetworkRevertInput, chosen: Map<string, RuleDrift>): boolean {
  const after = applyRevertsInMemory(input.current.nsg, chosen.values());
  const diff = diffNsg(input.baseline.nsg, after);
  const findings = evaluateNetworkFindings({
    nsgId: input.baseline.nsg.id,
    exposureAdded: diff.exposureAdded,
    policy: input.policy,
    now: input.now,
  });
  return findings.every((f) => f.exemption !== undefined);
}

function actionFor(d: RuleDrift, input: NetworkRevertInput, unsafe: readonly Finding[]): PlanAction {
  const name = driftName(d);
  const finding = unsafe.find((f) => f.rule.toLowerCase() === name.toLowerCase());
  switch (d.type) {
    case 'added':
      return {
        type: 'deleteSecurityRule',
        rule: d.rule.name,
        reason: finding ? `added rule: ${finding.title}` : 'added rule; part of restoring the baseline (it may hold a priority a baseline rule needs back)',
        before: requireSnapshot(input.current.body, d.rule.name, 'current'),
      };
    case 'modified':
      return {
        type: 'restoreSecurityRule',
        rule: d.after.name,
        reason: finding
          ? `modified rule: ${finding.title}`
          : `modified rule (${d.changes.map((c) => c.field).join(', ')}); part of restoring the baseline`,
        before: requireSnapshot(input.current.body, d.after.name, 'current'),
        after: requireSnapshot(input.baseline.body, d.before.name, 'baseline'),
      };
    case 'removed':
      return {
        type: 'createSecurityRule',
        rule: d.rule.name,
        reason:
          d.rule.access === 'Deny'
            ? `baseline Deny rule was removed, which opened traffic it used to block`
            : 'baseline rule was removed; part of restoring the baseline',
        after: requireSnapshot(input.baseline.body, d.rule.name, 'baseline'),
      };
  }
}

/** Deletes first (they free priorities), then restores, then re-creations; by rule name within each. */
function orderActions(actions: PlanAction[]): PlanAction[] {
  const rank = { deleteSecurityRule: 0, restoreSecurityRule: 1, createSecurityRule: 2 } as const;
  return actions.sort((a, b) => rank[a.type] - rank[b.type] || a.rule.toLowerCase().localeCompare(b.rule.toLowerCase()));
}

/**
 * A rule being put back at its baseline priority fails if another rule now holds that priority (Azure refuses two
 * rules with one priority in a direction). When the holder drifted too, reverting it frees the priority, so it joins
 * the plan — deletes run first. Repeats until nothing more can be freed; what is left becomes a warning.
 */
function takeOverBlockedPriorities(input: NetworkRevertInput, chosen: Map<string, RuleDrift>): void {
  const byName = new Map(input.drift.map((d) => [driftName(d).toLowerCase(), d]));
  for (let changed = true; changed; ) {
    changed = false;
    const after = applyRevertsInMemory(input.current.nsg, chosen.values());
    const holders = new Map<string, string[]>();
    for (const rule of after.rules) {
      const key = `${rule.direction}:${rule.priority}`;
      holders.set(key, [...(holders.get(key) ?? []), rule.name.toLowerCase()]);
    }
    for (const names of holders.values()) {
      if (names.length < 2) continue;
      for (const name of names) {
        const drift = byName.get(name);
        if (drift && !chosen.has(name)) {
          chosen.set(name, drift);
          changed = true;
        }
      }
    }
  }
}

function priorityWarnings(input: NetworkRevertInput, chosen: Map<string, RuleDrift>): string[] {
  const after = applyRevertsInMemory(input.current.nsg, chosen.values());
  const warnings: string[] = [];
  const seen = new Map<string, SecurityRule>();
  for (const rule of [...after.rules].sort((a, b) => a.name.localeCompare(b.name))) {
    const key = `${rule.direction}:${rule.priority}`;
    const other = seen.get(key);
    if (other) {
      warnings.push(
        `rules '${other.name}' and '${rule.name}' would both have ${rule.direction.toLowerCase()} priority ${rule.priority}; ` +
          `Azure will refuse the second one until one of them moves`,
      );
    } else {
      seen.set(key, rule);
    }
  }
  return warnings;
}

function requireSnapshot(body: Record<string, unknown>, name: string, which: string) {
  const snapshot = ruleSnapshot(body, name);
  // The normalized NSG was built from this same body, so a missing rule means the two inputs disagree.
  if (!snapshot) throw new Error(`rule '${name}' is missing from the ${which} NSG body`);
  return snapshot;
}

function driftName(d: RuleDrift): string {
  return d.type === 'modified' ? d.after.name : d.rule.name;
}

function baselineRule(d: RuleDrift): SecurityRule | undefined {
  return d.type === 'modified' ? d.before : d.type === 'removed' ? d.rule : undefined;
}
