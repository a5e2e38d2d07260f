import { captureNsgBaseline, parseNsgBaseline } from '../../src/baseline/document';
import { evaluateNsg, hasUnsafeDrift } from '../../src/evaluate/evaluateNsg';
import { normalizeDelivery } from '../../src/events';
import { invertPlan } from '../../src/plan';
import { defaultPolicy, parsePolicyText } from '../../src/policy/loadPolicy';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { editedNsg, EXAMPLES, exampleJson, ruleBody } from '../helpers/examples';

const NOW = '2026-12-03T10:00:00.000Z';
const policy = parsePolicyText(readFileSync(join(EXAMPLES, 'ml-workspace.policy.yaml'), 'utf8'), 'ml-workspace.policy.yaml');
const baselineBody = exampleJson('nsg-ml-training.json');
const baseline = captureNsgBaseline(baselineBody, { capturedAt: '2026-12-01T08:00:00.000Z', source: { type: 'file' } });
const NSG_ID =
  '/subscriptions/9c2f4e1a-7b3d-4a6e-8f05-2d1c6b9e7a34/resourcegroups/rg-ml-workspace/providers/microsoft.network/networksecuritygroups/nsg-ml-training';

function evaluate(current: unknown, options: { policy?: typeof policy } = {}) {
  return evaluateNsg({ current, baseline, policy: options.policy ?? policy, now: NOW });
}

describe('evaluateNsg on the sample ML workspace NSG', () => {
  test('an unchanged NSG has no drift and an empty plan', () => {
    const e = evaluate(baselineBody);
    expect(e.resourceId).toBe(NSG_ID);
    expect(e.drift).toEqual([]);
    expect(e.exposureAdded).toEqual([]);
    expect(e.findings).toEqual([]);
    expect(e.plan.mode).toBe('none');
    expect(e.plan.actions).toEqual([]);
    expect(hasUnsafeDrift(e)).toBe(false);
  });

  test('SSH opened to the Internet: critical finding, delete the added rule', () => {
    const delivery = readFileSync(join(EXAMPLES, 'events', 'open-ssh.securityRules-write.eventgrid.json'), 'utf8');
    const change = normalizeDelivery(delivery).changes[0]!;
    const e = evaluateNsg({ current: exampleJson('nsg-ml-training.drifted.json'), baseline, policy, now: NOW, change });
    expect(e.change?.actor.upn).toBe('alice@contoso.example');
    expect(e.drift.map((d) => [d.type, d.type === 'modified' ? d.after.name : d.rule.name])).toEqual([['added', 'allow-ssh-anywhere']]);
    expect(e.exposureAdded).toEqual([
      { protocol: 'Tcp', fromPort: 22, toPort: 22, sourceClass: 'internet', sources: ['*'], rule: 'allow-ssh-anywhere' },
    ]);
    expect(e.findings).toHaveLength(1);
    expect(e.findings[0]).toMatchObject({
      severity: 'critical',
      rule: 'allow-ssh-anywhere',
      sensitivePorts: ['SSH'],
      sourceClasses: ['internet'],
      mode: 'approve',
      title: "SSH (22/Tcp) reachable from the Internet through rule 'allow-ssh-anywhere'",
    });
    expect(e.plan).toMatchObject({ mode: 'approve', severity: 'critical', baselineVersion: 1, findings: ['allow-ssh-anywhere'] });
    expect(e.plan.etag).toBe(exampleJson('nsg-ml-training.drifted.json').etag);
    expect(e.plan.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(e.plan.actions).toEqual([
      {
        type: 'deleteSecurityRule',
        rule: 'allow-ssh-anywhere',
        reason: "added rule: SSH (22/Tcp) reachable from the Internet through rule 'allow-ssh-anywhere'",
        before: {
          name: 'allow-ssh-anywhere',
          properties: expect.objectContaining({ protocol: 'TCP', destinationPortRange: '22', sourceAddressPrefix: '*', priority: 200 }),
        },
      },
    ]);
    expect(e.plan.actions[0]!.type === 'deleteSecurityRule' && e.plan.actions[0]!.before.properties).not.toHaveProperty('provisioningState');
    expect(hasUnsafeDrift(e)).toBe(true);
  });

  test('removing a baseline Deny opens ports: the plan re-creates the Deny', () => {
    const current = editedNsg((rules) => rules.splice(rules.findIndex((r) => r.name === 'DenyAllOtherInbound'), 1));
    const e = evaluate(current);
    expect(e.drift.map((d) => d.type)).toEqual(['removed']);
    // Without the Deny, the default AllowVnetInBound admits the whole virtual network.
    expect(e.exposureAdded.every((x) => x.rule === 'AllowVnetInBound' && x.sourceClass === 'private')).toBe(true);
    expect(e.exposureAdded.length).toBeGreaterThan(0);
    expect(e.findings.map((f) => [f.rule, f.severity])).toEqual([['AllowVnetInBound', 'high']]);
    expect(e.plan.actions.map((a) => [a.type, a.rule])).toEqual([['createSecurityRule', 'DenyAllOtherInbound']]);
    const create = e.plan.actions[0]!;
    expect(create.type === 'createSecurityRule' && create.after.properties).toMatchObject({ access: 'Deny', priority: 4096, sourceAddressPrefix: '*' });
  });

  test('widening an allowed rule to the Internet: restore it to its baseline', () => {
    const current = editedNsg((rules) => {
      rules.find((r) => r.name === 'AllowWorkspaceSubnetsInbound')!.properties.sourceAddressPrefixes.push('0.0.0.0/0');
    });
    const e = evaluate(current);
    expect(e.drift).toHaveLength(1);
    expect(e.drift[0]!.type).toBe('modified');
    expect(e.findings[0]).toMatchObject({ rule: 'AllowWorkspaceSubnetsInbound', severity: 'critical', sourceClasses: ['internet'] });
    expect(e.plan.actions).toHaveLength(1);
    const restore = e.plan.actions[0]!;
    expect(restore.type).toBe('restoreSecurityRule');
    if (restore.type !== 'restoreSecurityRule') throw new Error('unreachable');
    expect(restore.before.properties.sourceAddressPrefixes).toEqual(['10.20.1.0/24', '10.20.2.0/24', '0.0.0.0/0']);
    expect(restore.after.properties.sourceAddressPrefixes).toEqual(['10.20.1.0/24', '10.20.2.0/24']);
  });

  test('narrowing a rule is drift, not unsafe', () => {
    const current = editedNsg((rules) => {
      rules.find((r) => r.name === 'AllowWorkspaceSubnetsInbound')!.properties.sourceAddressPrefixes = ['10.20.1.0/24'];
    });
    const e = evaluate(current);
    expect(e.drift.map((d) => d.type)).toEqual(['modified']);
    expect(e.exposureAdded).toEqual([]);
    expect(e.findings).toEqual([]);
    expect(e.plan.mode).toBe('none');
    expect(e.plan.actions).toEqual([]);
  });

  test('a new rule from an allowed subnet is drift, not unsafe', () => {
    const current = editedNsg((rules) =>
      rules.push(ruleBody('allow-https-inference', { priority: 300, sourceAddressPrefix: '10.20.2.0/24', destinationPortRange: '443' })),
    );
    const e = evaluate(current);
    expect(e.drift.map((d) => d.type)).toEqual(['added']);
    expect(e.findings).toEqual([]);
    expect(e.plan.actions).toEqual([]);
  });

  test('meaning-preserving rewrites are not drift', () => {
    const current = editedNsg((rules) => {
      const ml = rules.find((r) => r.name === 'AllowAzureMachineLearningInbound')!;
      ml.properties.protocol = 'TCP';
      ml.properties.destinationPortRange = '44224-44224';
      const subnets = rules.find((r) => r.name === 'AllowWorkspaceSubnetsInbound')!;
      subnets.properties.sourceAddressPrefixes = ['10.20.2.0/24', '10.20.1.0/24'];
      const deny = rules.find((r) => r.name === 'DenyAllOtherInbound')!;
      deny.properties.sourceAddressPrefix = 'Any';
    });
    expect(evaluate(current).drift).toEqual([]);
  });

  test('a service tag outside its allowed ports is a finding', () => {
    const current = editedNsg((rules) =>
      rules.push(ruleBody('ml-extra', { priority: 150, sourceAddressPrefix: 'AzureMachineLearning', destinationPortRanges: ['44224', '8888'] })),
    );
    const e = evaluate(current);
    expect(e.findings).toHaveLength(1);
    expect(e.findings[0]!.exposure).toEqual([
      { protocol: 'Tcp', fromPort: 8888, toPort: 8888, sourceClass: 'serviceTag', sources: ['AzureMachineLearning'], rule: 'ml-extra' },
    ]);
    expect(e.findings[0]!.sensitivePorts).toEqual(['Jupyter']);
    expect(e.plan.actions.map((a) => [a.type, a.rule])).toEqual([['deleteSecurityRule', 'ml-extra']]);
  });

  test('an exemption records the finding without acting on it, until it expires', () => {
    const exempt = parsePolicyText(
      JSON.stringify({
        exemptions: [{ resourceId: NSG_ID.toUpperCase(), rule: 'ALLOW-SSH-ANYWHERE', expires: '2026-12-04T00:00:00Z', reason: 'incident INC-42' }],
      }),
      'exempt.json',
    );
    const drifted = exampleJson('nsg-ml-training.drifted.json');
    const e = evaluate(drifted, { policy: exempt });
    expect(e.findings[0]).toMatchObject({ mode: 'alert', exemption: { reason: 'incident INC-42', expires: '2026-12-04T00:00:00.000Z' } });
    expect(hasUnsafeDrift(e)).toBe(false);
    expect(e.plan.actions).toEqual([]);
    const later = evaluateNsg({ current: drifted, baseline, policy: exempt, now: '2026-12-05T00:00:00.000Z' });
    expect(hasUnsafeDrift(later)).toBe(true);
    expect(later.plan.actions).toHaveLength(1);
  });

  test('an exemption that names ports and sources does not cover a rule that later exposes more', () => {
    const exempt = parsePolicyText(
      JSON.stringify({
        exemptions: [{ resourceId: NSG_ID, rule: 'vendor-ssh', ports: ['22'], sources: ['203.0.113.7/32'], expires: '2027-01-01T00:00:00Z', reason: 'vendor support' }],
      }),
      'exempt.json',
    );
    const narrow = editedNsg((rules) => rules.push(ruleBody('vendor-ssh', { priority: 300, sourceAddressPrefix: '203.0.113.7', destinationPortRange: '22' })));
    expect(hasUnsafeDrift(evaluate(narrow, { policy: exempt }))).toBe(false);
    const wide = editedNsg((rules) => rules.push(ruleBody('vendor-ssh', { priority: 300, sourceAddressPrefix: '*', destinationPortRange: '22' })));
    const e = evaluate(wide, { policy: exempt });
    expect(e.findings[0]).toMatchObject({ rule: 'vendor-ssh', severity: 'critical' });
    expect(e.findings[0]!.exemption).toBeUndefined();
    expect(e.plan.actions.map((a) => [a.type, a.rule])).toEqual([['deleteSecurityRule', 'vendor-ssh']]);
  });

  test('plans are deterministic and bound to the state they were made against', () => {
    const a = evaluate(exampleJson('nsg-ml-training.drifted.json')).plan;
    const b = evaluate(exampleJson('nsg-ml-training.drifted.json')).plan;
    expect(a).toEqual(b);
    const moved = { ...exampleJson('nsg-ml-training.drifted.json'), etag: 'W/"other"' };
    expect(evaluate(moved).plan.hash).not.toBe(a.hash);
  });

  test('a re-created Deny whose priority another drifted rule now holds takes that rule into the plan, deletes first', () => {
    const current = editedNsg((rules) => {
      rules.splice(rules.findIndex((r) => r.name === 'DenyAllOtherInbound'), 1);
      rules.push(ruleBody('allow-inference-443', { priority: 4096, sourceAddressPrefix: '10.20.2.0/24', destinationPortRange: '443' }));
    });
    const e = evaluate(current);
    expect(e.plan.actions.map((a) => [a.type, a.rule])).toEqual([
      ['deleteSecurityRule', 'allow-inference-443'],
      ['createSecurityRule', 'DenyAllOtherInbound'],
    ]);
    expect(e.plan.warnings).toEqual([]);
  });

  test('the default policy flags the same SSH drift', () => {
    const e = evaluate(exampleJson('nsg-ml-training.drifted.json'), { policy: defaultPolicy() });
    expect(e.findings.map((f) => [f.rule, f.severity, f.mode])).toEqual([['allow-ssh-anywhere', 'critical', 'approve']]);
  });

  test('an inverted plan undoes the remediation', () => {
    const plan = evaluate(exampleJson('nsg-ml-training.drifted.json')).plan;
    const undo = invertPlan(plan, { etag: 'W/"after-remediation"' });
    expect(undo.actions).toEqual([
      { type: 'createSecurityRule', rule: 'allow-ssh-anywhere', reason: "undo: re-create 'allow-ssh-anywhere'", after: (plan.actions[0] as { before: unknown }).before },
    ]);
    expect(undo.etag).toBe('W/"after-remediation"');
    expect(undo.hash).not.toBe(plan.hash);
  });
});

describe('baselines', () => {
  test('capture keeps the body, strips volatile fields, and versions', () => {
    const b1 = captureNsgBaseline(baselineBody, { capturedAt: '2026-12-01T08:00:00.000Z', source: { type: 'file', detail: 'x.json' } });
    expect(b1).toMatchObject({ kind: 'driftwarden.baseline/networkSecurityGroup', schemaVersion: 1, resourceId: NSG_ID, version: 1 });
    expect(b1.etag).toBe(baselineBody.etag);
    const props = b1.nsg.properties as Record<string, any>;
    expect(props.provisioningState).toBeUndefined();
    expect(props.securityRules[0].etag).toBeUndefined();
    expect(props.securityRules[0].properties.provisioningState).toBeUndefined();
    const b2 = captureNsgBaseline(baselineBody, { capturedAt: NOW, source: { type: 'accepted' }, previousVersion: b1.version });
    expect(b2.version).toBe(2);
  });

  test('a raw ARM body is accepted wherever a baseline is read', () => {
    const b = parseNsgBaseline(baselineBody, 'nsg.json');
    expect(b).toMatchObject({ version: 0, resourceId: NSG_ID, source: { type: 'raw', detail: 'nsg.json' } });
  });

  test('bad baselines name the field', () => {
    expect(() => parseNsgBaseline({ kind: 'driftwarden.baseline/networkSecurityGroup', schemaVersion: 1, resourceId: 'x', version: -1, capturedAt: 'now', source: { type: 'file' }, nsg: {} }, 'b.json')).toThrow(
      /b.json is not valid:\n {2}version: .*\n {2}capturedAt: /,
    );
    expect(() => parseNsgBaseline({ name: 'x' }, 'b.json')).toThrow('b.json: id must be the NSG resource id (got undefined)');
    expect(() => parseNsgBaseline({ id: '/x', type: 'Microsoft.Network/virtualNetworks' }, 'b.json')).toThrow(
      'b.json: type must be Microsoft.Network/networkSecurityGroups (got "Microsoft.Network/virtualNetworks")',
    );
  });
});
