/**
 * Reads one security rule out of an ARM NSG body in the shape ARM accepts back on a PUT: the wire shape
 * (`properties.securityRules[].properties`) or the SDK's flattened shape (`securityRules[]` with fields at the top).
 */
import { normalizeSecurityRule, ruleDrift } from '../network';
import type { RuleSnapshot } from './types';

const READ_ONLY = new Set(['provisioningState', 'etag', 'id', 'name', 'type']);
const RULE_FIELDS = [
  'description', 'protocol', 'sourcePortRange', 'destinationPortRange', 'sourceAddressPrefix', 'sourceAddressPrefixes',
  'sourceApplicationSecurityGroups', 'destinationAddressPrefix', 'destinationAddressPrefixes',
  'destinationApplicationSecurityGroups', 'sourcePortRanges', 'destinationPortRanges', 'access', 'priority', 'direction',
];

export function ruleSnapshot(nsgBody: Record<string, unknown>, ruleName: string): RuleSnapshot | undefined {
  const props = (nsgBody.properties as Record<string, unknown> | undefined) ?? nsgBody;
  const rules = props.securityRules;
  if (!Array.isArray(rules)) return undefined;
  const wanted = ruleName.toLowerCase();
  for (const rule of rules as Record<string, unknown>[]) {
    if (typeof rule?.name !== 'string' || rule.name.toLowerCase() !== wanted) continue;
    const source = (rule.properties as Record<string, unknown> | undefined) ?? pick(rule, RULE_FIELDS);
    const properties: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(source)) {
      if (!READ_ONLY.has(key) && value !== undefined) properties[key] = value;
    }
    return { name: rule.name, properties: JSON.parse(JSON.stringify(properties)) as Record<string, unknown> };
  }
  return undefined;
}

function pick(obj: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  return Object.fromEntries(keys.filter((k) => obj[k] !== undefined).map((k) => [k, obj[k]]));
}

/** Whether two rule snapshots mean the same rule (ports, prefixes, protocol compared by meaning, not text). */
export function sameRule(a: RuleSnapshot, b: RuleSnapshot): boolean {
  const left = normalizeSecurityRule({ name: a.name, properties: a.properties }, 'a');
  const right = normalizeSecurityRule({ name: b.name, properties: b.properties }, 'b');
  return ruleDrift([left], [right]).length === 0;
}

/** Each rule's etag by lower-cased name, from an NSG body (wire or SDK shape); rules without an etag are left out. */
export function ruleEtags(nsgBody: Record<string, unknown>): Map<string, string> {
  const props = (nsgBody.properties as Record<string, unknown> | undefined) ?? nsgBody;
  const rules = Array.isArray(props.securityRules) ? (props.securityRules as Record<string, unknown>[]) : [];
  return new Map(
    rules.filter((r) => typeof r.name === 'string' && typeof r.etag === 'string').map((r) => [(r.name as string).toLowerCase(), r.etag as string]),
  );
}
