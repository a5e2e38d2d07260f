/**
 * Every file under the shared corpus's arm/network/ folder is a case: a new file becomes a new test and must be
 * classified (an NSG, a LIST of NSGs, a rule, a LIST of rules, an ARM error, or a known non-body) before it passes.
 */
import { readdirSync, readFileSync } from 'fs';
import { join } from 'path';
import { InputError } from '../../src/errors';
import {
  classifyNetworkBody,
  effectiveExposure,
  normalizeNsg,
  normalizeSecurityRule,
  nsgsFromBody,
  nsgsFromListBody,
  securityRulesFromListBody,
  type NetworkBodyKind,
} from '../../src/network';
import type { AddressPrefix, NetworkSecurityGroup, SecurityRule } from '../../src/network/types';
import { CORPUS } from '../helpers/corpus';

const DIR = join(CORPUS, 'arm', 'network');
const files = readdirSync(DIR).filter((f) => f.endsWith('.json')).sort();
const load = (file: string): unknown => JSON.parse(readFileSync(join(DIR, file), 'utf8'));

/** Files that are recorded ARM responses but carry no NSG or rule body; each is here on purpose. */
const NOT_BODIES: Record<string, string> = {
  'async-operation-status.succeeded.xplat-recorded.json': 'Azure-AsyncOperation poll result',
  'security-rule-delete.response-202-headers.xplat-recorded.json': 'DELETE 202: empty body plus headers',
};

/** The kind a file's name promises. */
function expectedKind(file: string): NetworkBodyKind {
  if (file.startsWith('error.')) return 'error';
  if (file in NOT_BODIES) return 'other';
  if (file.startsWith('nsg-list')) return 'networkSecurityGroupList';
  if (file.startsWith('nsg-')) return 'networkSecurityGroup';
  if (file.startsWith('security-rules-list')) return 'securityRuleList';
  if (file.startsWith('security-rule-')) return 'securityRule';
  throw new Error(`${file}: no expectation for this kind of file; add one`);
}

const raws = (prefixes: readonly AddressPrefix[]): string[] => prefixes.map((p) => p.raw);
const ports = (rule: SecurityRule): string[] => rule.destinationPorts.map((r) => (r.from === r.to ? `${r.from}` : `${r.from}-${r.to}`));

function checkNsg(nsg: NetworkSecurityGroup): void {
  expect(nsg.defaultRules.map((r) => `${r.direction}:${r.priority}:${r.name}`)).toEqual([
    'Inbound:65000:AllowVnetInBound',
    'Inbound:65001:AllowAzureLoadBalancerInBound',
    'Inbound:65500:DenyAllInBound',
    'Outbound:65000:AllowVnetOutBound',
    'Outbound:65001:AllowInternetOutBound',
    'Outbound:65500:DenyAllOutBound',
  ]);
  for (const rule of nsg.rules) {
    expect(rule.isDefault).toBe(false);
    expect(rule.priority).toBeGreaterThanOrEqual(100);
    expect(rule.priority).toBeLessThanOrEqual(4096);
    expect(rule.sources.length).toBeGreaterThan(0);
    expect(rule.destinations.length).toBeGreaterThan(0);
  }
  // Exposure is computable for every corpus NSG, and the default outbound Internet rule shows unless shadowed.
  const exposure = effectiveExposure(nsg);
  expect(exposure.id).toBe(nsg.id);
  expect(exposure.outbound.length).toBeGreaterThan(0);
}

describe.each(files)('corpus arm/network/%s', (file) => {
  const body = load(file);
  const kind = expectedKind(file);

  test(`is recognized as ${kind}`, () => {
    expect(classifyNetworkBody(body)).toBe(kind);
  });

  switch (kind) {
    case 'networkSecurityGroup':
      test('normalizes as one NSG with its default rules', () => {
        const nsg = normalizeNsg(body);
        checkNsg(nsg);
        expect(nsgsFromBody(body)).toEqual([nsg]);
      });
      break;
    case 'networkSecurityGroupList':
      test('normalizes as a LIST of NSGs', () => {
        const nsgs = nsgsFromListBody(body);
        expect(nsgs.length).toBe((body as { value: unknown[] }).value.length);
        nsgs.forEach(checkNsg);
      });
      break;
    case 'securityRule':
      test('normalizes as a security rule', () => {
        const hasName = typeof (body as { name?: unknown }).name === 'string';
        if (!hasName) {
          // A PUT request body: the name is in the URL, so it must be given.
          expect(() => normalizeSecurityRule(body)).toThrow(InputError);
        }
        const rule = normalizeSecurityRule(body, '', { name: 'from-url' });
        expect(rule.sourcePorts.length).toBeGreaterThan(0);
        expect(rule.destinationPorts.length).toBeGreaterThan(0);
        expect(() => normalizeNsg(body)).toThrow('is a security rule, not a network security group');
      });
      break;
    case 'securityRuleList':
      test('normalizes as a LIST of rules', () => {
        const rules = securityRulesFromListBody(body);
        expect(rules.length).toBe((body as { value: unknown[] }).value.length);
        expect(() => nsgsFromListBody(body)).toThrow(InputError);
      });
      break;
    case 'error':
      test('is an ARM error envelope, not an NSG (deliberately not normalized)', () => {
        const code = (body as { error: { code: string } }).error.code;
        expect(() => normalizeNsg(body)).toThrow(`is an ARM error response (${code}`);
      });
      break;
    case 'other':
      test(`carries no body to normalize (${NOT_BODIES[file]})`, () => {
        expect(() => normalizeNsg(body)).toThrow('is not a network security group');
      });
      break;
  }
});

describe('concrete facts from the corpus', () => {
  test('spec example GET: one rule, the six defaults exactly as Azure returns them', () => {
    const nsg = normalizeNsg(load('nsg-get.default-rules.spec-example.api-2024-05-01.json'));
    expect(nsg.id).toBe('/subscriptions/subid/resourcegroups/rg1/providers/microsoft.network/networksecuritygroups/testnsg');
    expect(nsg.name).toBe('testnsg');
    expect(nsg.location).toBe('westus');
    expect(nsg.rules).toEqual([
      {
        name: 'rule1',
        id: `${nsg.id}/securityrules/rule1`,
        priority: 130,
        direction: 'Inbound',
        access: 'Allow',
        protocol: '*',
        sourcePorts: [{ from: 0, to: 65535 }],
        destinationPorts: [{ from: 80, to: 80 }],
        sources: [{ kind: 'any', raw: '*' }],
        destinations: [{ kind: 'any', raw: '*' }],
        isDefault: false,
      },
    ]);
    expect(nsg.defaultRules.find((r) => r.name === 'AllowInternetOutBound')).toMatchObject({
      priority: 65001,
      direction: 'Outbound',
      sources: [{ kind: 'any', raw: '*' }],
      destinations: [{ kind: 'internetTag', raw: 'Internet' }],
      description: 'Allow outbound traffic from all VMs to Internet',
      isDefault: true,
    });
  });

  test('implied default rules are the ones Azure returns', () => {
    const withDefaults = load('nsg-get.default-rules.spec-example.api-2024-05-01.json') as { properties: Record<string, unknown> };
    const without = { ...withDefaults, properties: { ...withDefaults.properties, defaultSecurityRules: undefined } };
    expect(normalizeNsg(without).defaultRules).toEqual(normalizeNsg(withDefaults).defaultRules);
  });

  test('SSH/RDP/MSSQL open to IP lists: rules, merged port lists, sorted sources', () => {
    const nsgs = nsgsFromListBody(load('nsg-list-all.ssh-rdp-open-to-ip-lists.service-tags.asg.c7n-recorded.subset.json'));
    expect(nsgs.map((n) => n.name)).toEqual([
      'nsg-dbm-agent-integration-sql-managed-instance-2',
      'alice-dbm-dev-windows-a-nsg',
      'parent11-k8s-parent11-cilium-etcd',
      'appgate',
      'erin-netbox-nsg',
      'nessus',
    ]);
    const alice = nsgs[1]!;
    expect(alice.rules.map((r) => `${r.priority} ${r.name} ${r.protocol} ${ports(r).join(',')}`)).toEqual([
      '100 SSH Tcp 22',
      '101 RDP Tcp 3389',
      '102 MSSQL Tcp 1433',
      '112 bob-allow Tcp 22,1433,3389',
      '142 carol-allow Tcp 22',
      '143 dave-allow * 22,1433,3389',
      '144 alice-allow * 22,1433,3389',
    ]);
    const ssh = alice.rules[0]!;
    expect(ssh.sources).toHaveLength(13);
    expect(ssh.sources.every((s) => s.kind === 'cidr' && s.scope === 'public' && s.cidr.endsWith('/32'))).toBe(true);
    // The body lists MSSQL's sources out of order (…18, 23, 20, 19, 22); normalized they are sorted numerically.
    expect(raws(alice.rules[2]!.sources)).toEqual([
      '203.0.113.10', '203.0.113.11', '203.0.113.12', '203.0.113.13', '203.0.113.14', '203.0.113.15', '203.0.113.16',
      '203.0.113.17', '203.0.113.18', '203.0.113.19', '203.0.113.20', '203.0.113.22', '203.0.113.23',
    ]);
    expect(raws(alice.rules[3]!.sources)).toEqual(['203.0.113.21', '203.0.113.23', '203.0.113.24']);

    const sqlMi = nsgs[0]!;
    const mssql = sqlMi.rules.find((r) => r.name === 'MSSQL')!;
    expect(mssql.sources).toEqual([{ kind: 'cidr', raw: '10.194.0.252', version: 4, cidr: '10.194.0.252/32', scope: 'private' }]);
    const mgmt = sqlMi.rules.find((r) => r.name.includes('sqlmgmt-in'))!;
    expect(ports(mgmt)).toEqual(['1438', '1440', '1452', '9000', '9003']);
    expect(mgmt.sources).toEqual([{ kind: 'serviceTag', raw: 'SqlManagement', tag: 'SqlManagement' }]);

    const etcd = nsgs[2]!;
    const tcp2380 = etcd.rules.find((r) => r.name.endsWith('tcp2380'))!;
    // The empty singular prefix beside the ASG list is ignored.
    expect(tcp2380.sources).toEqual([
      {
        kind: 'asg',
        raw: '/subscriptions/e914f257-0ea3-5c09-8a62-a6e31603987a/resourceGroups/parent11-k8s/providers/Microsoft.Network/applicationSecurityGroups/parent11-k8s-parent11-cilium-etcd',
        id: '/subscriptions/e914f257-0ea3-5c09-8a62-a6e31603987a/resourcegroups/parent11-k8s/providers/microsoft.network/applicationsecuritygroups/parent11-k8s-parent11-cilium-etcd',
      },
    ]);
    expect(tcp2380.destinations.map((d) => d.kind)).toEqual(['asg']);
    expect(etcd.rules.find((r) => r.direction === 'Outbound')!.destinations).toEqual([{ kind: 'any', raw: '*' }]);
  });

  test('protocol casing and port ranges from a subscription LIST', () => {
    const [nsg] = nsgsFromListBody(load('nsg-list-all.subscription.api-2020-08-01.c7n-recorded.json'));
    expect(nsg!.rules.map((r) => `${r.direction} ${r.priority} ${r.name} ${r.access} ${r.protocol} ${ports(r)}`)).toEqual([
      'Inbound 320 test4 Deny Tcp 22',
      'Inbound 330 test6 Allow * 88-90',
      'Outbound 300 test5 Allow Tcp 22',
    ]);
  });

  test('rule bodies: plural-only arrays, singular fields with empty arrays, ASG-only sources', () => {
    const plural = normalizeSecurityRule(load('security-rule-get.after-async-completion.xplat-recorded.json'));
    expect(plural).toMatchObject({ name: 'securityRuleName', priority: 1500, protocol: 'Tcp', description: 'createdesc' });
    expect(plural.sourcePorts).toEqual([{ from: 1024, to: 1024 }, { from: 1026, to: 1026 }]);
    expect(ports(plural)).toEqual(['4242', '65042']);
    expect(raws(plural.sources)).toEqual(['10.0.0.0/16']);
    expect(raws(plural.destinations)).toEqual(['11.0.0.0/24']);

    const singular = normalizeSecurityRule(load('security-rule-put.response-200.update.xplat-recorded.json'));
    expect(singular.sourcePorts).toEqual([{ from: 64000, to: 64000 }]);
    expect(ports(singular)).toEqual(['1200-1202']);

    const c7n = normalizeSecurityRule(load('security-rule-put.response-201.port-ranges-array.c7n-recorded.json'));
    expect(ports(c7n)).toEqual(['1000-1100']);

    const [listed] = securityRulesFromListBody(load('security-rules-list.xplat-recorded.json'));
    expect(listed).toMatchObject({ protocol: 'Udp', access: 'Deny', direction: 'Outbound', priority: 1542, description: 'setdesc' });
    expect(listed!.sources.map((s) => s.kind)).toEqual(['asg']);
    expect(listed!.destinations.map((s) => (s.kind === 'asg' ? s.id.split('/').pop() : s.raw))).toEqual(['destinationasgname']);
  });

  test('a PUT request body has no name: it is required, or taken from the caller', () => {
    const body = load('security-rule-put.request-body.spec-example.api-2024-05-01.json');
    expect(() => normalizeSecurityRule(body, 'request')).toThrow('request.name is required');
    expect(normalizeSecurityRule(body, 'request', { name: 'rule1' })).toMatchObject({ name: 'rule1', priority: 100, direction: 'Outbound', access: 'Deny' });
  });
});
