import { effectiveExposure, normalizeNsg, nsgsFromListBody } from '../../src/network';
import type { NetworkSecurityGroup } from '../../src/network/types';
import { readFileSync } from 'fs';
import { join } from 'path';
import { expandEntries, nsgBodyOf, nsgOf, referenceReach, samplePorts, seeded, show, userEntries, type RuleSpec } from './helpers';
import { CORPUS } from '../helpers/corpus';

const inbound = (nsg: NetworkSecurityGroup): string[] => userEntries(effectiveExposure(nsg).inbound);
const outbound = (nsg: NetworkSecurityGroup): string[] => userEntries(effectiveExposure(nsg).outbound);

const ASG_WEB = { id: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/applicationSecurityGroups/web' };
const ASG_DB = { id: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/applicationSecurityGroups/db' };

describe('first match by priority', () => {
  test('a Deny shadows a later Allow', () => {
    const nsg = nsgOf({ name: 'deny-ssh', priority: 100, access: 'Deny', ports: '22' }, { name: 'allow-ssh', priority: 200, ports: '22' });
    expect(inbound(nsg)).toEqual([]);
  });

  test('an Allow shadows a later Deny, and is the rule that admits', () => {
    const nsg = nsgOf({ name: 'allow-ssh', priority: 100, ports: '22' }, { name: 'deny-ssh', priority: 200, access: 'Deny', ports: '22' });
    expect(inbound(nsg)).toEqual(['Tcp 22 internet [*] allow-ssh']);
  });

  test('the body order does not matter, only priority', () => {
    const a = nsgOf({ name: 'allow-ssh', priority: 200, ports: '22' }, { name: 'deny-ssh', priority: 100, access: 'Deny', ports: '22' });
    expect(inbound(a)).toEqual([]);
  });

  test('partial port overlap: deny 20-25, allow 1-1000', () => {
    const nsg = nsgOf({ name: 'deny', priority: 100, access: 'Deny', ports: '20-25' }, { name: 'allow', priority: 200, ports: '1-1000' });
    expect(inbound(nsg)).toEqual(['Tcp 1-19 internet [*] allow', 'Tcp 26-1000 internet [*] allow']);
  });

  test('an earlier Allow of part of the range takes that part; the later rule admits the rest', () => {
    const nsg = nsgOf({ name: 'first', priority: 100, ports: '22' }, { name: 'second', priority: 200, ports: '20-25' });
    expect(inbound(nsg)).toEqual(['Tcp 20-21 internet [*] second', 'Tcp 22 internet [*] first', 'Tcp 23-25 internet [*] second']);
  });

  test('protocol *: each concrete protocol, ICMP/ESP/AH as 0-65535', () => {
    const nsg = nsgOf({ name: 'any-80', priority: 100, protocol: '*', ports: '80' });
    expect(inbound(nsg)).toEqual([
      'Tcp 80 internet [*] any-80',
      'Udp 80 internet [*] any-80',
      'Icmp 0-65535 internet [*] any-80',
      'Esp 0-65535 internet [*] any-80',
      'Ah 0-65535 internet [*] any-80',
    ]);
  });

  test('a protocol-specific Deny leaves the other protocols of a * Allow', () => {
    const nsg = nsgOf({ name: 'deny-tcp', priority: 100, access: 'Deny', protocol: 'TCP', ports: '*' }, { name: 'allow-all', priority: 200, protocol: '*', ports: '53' });
    expect(inbound(nsg)).toEqual([
      'Udp 53 internet [*] allow-all',
      'Icmp 0-65535 internet [*] allow-all',
      'Esp 0-65535 internet [*] allow-all',
      'Ah 0-65535 internet [*] allow-all',
    ]);
  });

  test('ICMP has no ports: a * Deny with a port list still decides ICMP', () => {
    const nsg = nsgOf({ name: 'deny-22', priority: 100, access: 'Deny', protocol: '*', ports: '22' }, { name: 'icmp', priority: 200, protocol: 'Icmp', ports: '*' });
    expect(inbound(nsg)).toEqual([]);
  });

  test('port lists', () => {
    const nsg = nsgOf({ name: 'admin', priority: 100, ports: ['22', '3389', '1433', '5985-5986'], src: ['203.0.113.10', '203.0.113.11'] });
    expect(inbound(nsg)).toEqual([
      'Tcp 22 public [203.0.113.10 203.0.113.11] admin',
      'Tcp 1433 public [203.0.113.10 203.0.113.11] admin',
      'Tcp 3389 public [203.0.113.10 203.0.113.11] admin',
      'Tcp 5985-5986 public [203.0.113.10 203.0.113.11] admin',
    ]);
  });
});

describe('sources', () => {
  test('service tags are their own class and only a tag or * covers them', () => {
    const nsg = nsgOf(
      { name: 'deny-internet', priority: 100, access: 'Deny', ports: '*', src: 'Internet' },
      { name: 'aml', priority: 110, ports: '44224', src: 'AzureMachineLearning' },
      { name: 'batch', priority: 120, ports: '29876-29877', src: 'BatchNodeManagement' },
      { name: 'deny-batch', priority: 105, access: 'Deny', ports: '29877', src: 'BatchNodeManagement' },
    );
    expect(inbound(nsg)).toEqual(['Tcp 29876 serviceTag [BatchNodeManagement] batch', 'Tcp 44224 serviceTag [AzureMachineLearning] aml']);
  });

  test('ASGs: the same ASG decides, another does not', () => {
    const nsg = nsgOf(
      { name: 'deny-web', priority: 100, access: 'Deny', ports: '22', src: [ASG_WEB] },
      { name: 'allow-web-db', priority: 200, ports: '22', src: [ASG_WEB, ASG_DB] },
    );
    expect(inbound(nsg)).toEqual([`Tcp 22 asg [${ASG_DB.id}] allow-web-db`]);
  });

  test('Deny Internet then Allow *: reachable only from the private part, reported as private with sources *', () => {
    const nsg = nsgOf({ name: 'deny-internet', priority: 100, access: 'Deny', ports: '22', src: 'Internet' }, { name: 'allow-any', priority: 200, ports: '22', src: '*' });
    expect(inbound(nsg)).toEqual(['Tcp 22 private [*] allow-any']);
  });

  test('Deny VirtualNetwork then Allow Any: still the Internet', () => {
    const nsg = nsgOf({ name: 'deny-vnet', priority: 100, access: 'Deny', ports: '22', src: 'VirtualNetwork' }, { name: 'allow-any', priority: 200, ports: '22', src: 'Any' });
    expect(inbound(nsg)).toEqual(['Tcp 22 internet [Any] allow-any']);
  });

  test('* covers everything, 0.0.0.0/0 and ::/0 too', () => {
    for (const denied of ['*', 'Any', '0.0.0.0/0', '::/0']) {
      const nsg = nsgOf(
        { name: 'deny', priority: 100, access: 'Deny', ports: '*', src: denied },
        { name: 'allow', priority: 200, ports: '22', src: ['10.0.0.0/8', 'AzureLoadBalancer', 'Internet', '203.0.113.5', 'VirtualNetwork', '2001:db8::/32'] },
      );
      expect({ denied, entries: inbound(nsg) }).toEqual({ denied, entries: [] });
    }
  });

  test('a partial overlap never hides exposure: Deny 10.0.0.0/8 then Allow * is still the Internet', () => {
    const nsg = nsgOf({ name: 'deny-10', priority: 100, access: 'Deny', ports: '22', src: '10.0.0.0/8' }, { name: 'allow-any', priority: 200, ports: '22' });
    expect(inbound(nsg)).toEqual(['Tcp 22 internet [*] allow-any']);
    const pub = nsgOf({ name: 'deny-doc', priority: 100, access: 'Deny', ports: '22', src: '203.0.113.0/24' }, { name: 'allow-internet', priority: 200, ports: '22', src: 'Internet' });
    expect(inbound(pub)).toEqual(['Tcp 22 internet [Internet] allow-internet']);
  });

  test('a CIDR decides the blocks inside it (IPv4 and IPv6), Internet the public ones, VirtualNetwork the private ones', () => {
    const nsg = nsgOf(
      { name: 'deny-10', priority: 100, access: 'Deny', ports: '22', src: '10.0.0.0/8' },
      { name: 'deny-doc6', priority: 110, access: 'Deny', ports: '22', src: '2001:db8::/32' },
      { name: 'deny-internet', priority: 120, access: 'Deny', ports: '443', src: 'Internet' },
      { name: 'deny-vnet', priority: 130, access: 'Deny', ports: '3389', src: 'VirtualNetwork' },
      { name: 'allow', priority: 200, ports: ['22', '443', '3389'], src: ['10.1.2.0/24', '2001:db8:1::/48', '203.0.113.9', 'fd00::/8', '0.0.0.0/1'] },
    );
    expect(inbound(nsg)).toEqual([
      'Tcp 22 public [0.0.0.0/1 203.0.113.9] allow',
      'Tcp 22 private [fd00::/8] allow',
      // 0.0.0.0/1 straddles 10/8: the Internet tag does not cover it, VirtualNetwork neither.
      'Tcp 443 public [0.0.0.0/1] allow',
      'Tcp 443 private [10.1.2.0/24 fd00::/8] allow',
      'Tcp 3389 public [0.0.0.0/1 203.0.113.9 2001:db8:1::/48] allow',
    ]);
  });

  test('IPv6 prefixes are public or private by range', () => {
    const nsg = nsgOf({ name: 'v6', priority: 100, ports: '443', src: ['2001:db8::/32', 'fd12:3456::/32', '::1'] });
    expect(inbound(nsg)).toEqual(['Tcp 443 public [2001:db8::/32] v6', 'Tcp 443 private [::1 fd12:3456::/32] v6']);
  });

  test('sources of one rule with different reach: each range lists all the prefixes that reach it', () => {
    const nsg = nsgOf(
      { name: 'ssh-team', priority: 100, ports: '22', src: ['203.0.113.21'] },
      { name: 'mssql-team', priority: 101, ports: '1433', src: ['203.0.113.23'] },
      { name: 'bob', priority: 112, ports: ['22', '3389', '1433'], src: ['203.0.113.23', '203.0.113.24', '203.0.113.21'] },
    );
    expect(inbound(nsg)).toEqual([
      'Tcp 22 public [203.0.113.21] ssh-team',
      'Tcp 22 public [203.0.113.23 203.0.113.24] bob',
      'Tcp 1433 public [203.0.113.23] mssql-team',
      'Tcp 1433 public [203.0.113.21 203.0.113.24] bob',
      'Tcp 3389 public [203.0.113.21 203.0.113.23 203.0.113.24] bob',
    ]);
  });
});

describe('destinations and source ports', () => {
  test('an earlier rule decides only where it covers the later rule’s destinations', () => {
    const narrowDeny = nsgOf({ name: 'deny-host', priority: 100, access: 'Deny', ports: '22', dst: '10.0.0.4' }, { name: 'allow', priority: 200, ports: '22' });
    expect(inbound(narrowDeny)).toEqual(['Tcp 22 internet [*] allow']);
    const wideDeny = nsgOf({ name: 'deny-all-dst', priority: 100, access: 'Deny', ports: '22' }, { name: 'allow-host', priority: 200, ports: '22', dst: '10.0.0.4' });
    expect(inbound(wideDeny)).toEqual([]);
    const subnetDeny = nsgOf({ name: 'deny-subnet', priority: 100, access: 'Deny', ports: '22', dst: '10.0.0.0/24' }, { name: 'allow-host', priority: 200, ports: '22', dst: '10.0.0.4' });
    expect(inbound(subnetDeny)).toEqual([]);
  });

  test('source ports: a Deny on some source ports does not decide an Allow on all of them', () => {
    const partial = nsgOf({ name: 'deny-high', priority: 100, access: 'Deny', ports: '22', srcPorts: '1024-65535' }, { name: 'allow', priority: 200, ports: '22' });
    expect(inbound(partial)).toEqual(['Tcp 22 internet [*] allow']);
    const full = nsgOf({ name: 'deny', priority: 100, access: 'Deny', ports: '22' }, { name: 'allow-high', priority: 200, ports: '22', srcPorts: '1024-65535' });
    expect(inbound(full)).toEqual([]);
  });
});

describe('default rules', () => {
  test('implied or present, they admit VNet and load-balancer traffic and the Internet outbound, by name', () => {
    const body = JSON.parse(readFileSync(join(CORPUS, 'arm', 'network', 'nsg-get.default-rules.spec-example.api-2024-05-01.json'), 'utf8')) as {
      properties: Record<string, unknown>;
    };
    const present = effectiveExposure(normalizeNsg(body));
    const implied = effectiveExposure(normalizeNsg({ ...body, properties: { ...body.properties, defaultSecurityRules: undefined } }));
    expect(implied).toEqual(present);
    // rule1 (priority 130, * from *, port 80) decides port 80 before the defaults, and all of ICMP/ESP/AH (no ports).
    expect(present.inbound.map(show)).toEqual([
      'Tcp 0-79 private [VirtualNetwork] AllowVnetInBound',
      'Tcp 0-79 serviceTag [AzureLoadBalancer] AllowAzureLoadBalancerInBound',
      'Tcp 80 internet [*] rule1',
      'Tcp 81-65535 private [VirtualNetwork] AllowVnetInBound',
      'Tcp 81-65535 serviceTag [AzureLoadBalancer] AllowAzureLoadBalancerInBound',
      'Udp 0-79 private [VirtualNetwork] AllowVnetInBound',
      'Udp 0-79 serviceTag [AzureLoadBalancer] AllowAzureLoadBalancerInBound',
      'Udp 80 internet [*] rule1',
      'Udp 81-65535 private [VirtualNetwork] AllowVnetInBound',
      'Udp 81-65535 serviceTag [AzureLoadBalancer] AllowAzureLoadBalancerInBound',
      'Icmp 0-65535 internet [*] rule1',
      'Esp 0-65535 internet [*] rule1',
      'Ah 0-65535 internet [*] rule1',
    ]);
    expect(present.outbound.map(show)).toEqual([
      'Tcp 0-65535 internet [Internet] AllowInternetOutBound',
      'Tcp 0-65535 private [VirtualNetwork] AllowVnetOutBound',
      'Udp 0-65535 internet [Internet] AllowInternetOutBound',
      'Udp 0-65535 private [VirtualNetwork] AllowVnetOutBound',
      'Icmp 0-65535 internet [Internet] AllowInternetOutBound',
      'Icmp 0-65535 private [VirtualNetwork] AllowVnetOutBound',
      'Esp 0-65535 internet [Internet] AllowInternetOutBound',
      'Esp 0-65535 private [VirtualNetwork] AllowVnetOutBound',
      'Ah 0-65535 internet [Internet] AllowInternetOutBound',
      'Ah 0-65535 private [VirtualNetwork] AllowVnetOutBound',
    ]);
  });

  test('the defaults yield around what user rules decide', () => {
    const nsg = nsgOf({ name: 'deny-vnet-ssh', priority: 100, access: 'Deny', ports: '22', src: 'VirtualNetwork' });
    const tcp = effectiveExposure(nsg).inbound.filter((e) => e.protocol === 'Tcp').map(show);
    expect(tcp).toEqual([
      'Tcp 0-21 private [VirtualNetwork] AllowVnetInBound',
      'Tcp 0-65535 serviceTag [AzureLoadBalancer] AllowAzureLoadBalancerInBound',
      'Tcp 23-65535 private [VirtualNetwork] AllowVnetInBound',
    ]);
  });

  test('Deny all at 4096 shadows the defaults; outbound Deny Internet removes the default Internet route', () => {
    const nsg = nsgOf(
      { name: 'deny-all-in', priority: 4096, access: 'Deny', protocol: '*' },
      { name: 'deny-internet-out', priority: 100, direction: 'Outbound', access: 'Deny', protocol: '*', dst: 'Internet' },
    );
    const exposure = effectiveExposure(nsg);
    expect(exposure.inbound).toEqual([]);
    expect(exposure.outbound.every((e) => e.rule === 'AllowVnetOutBound')).toBe(true);
    expect(outbound(nsg)).toEqual([]);
  });
});

describe('output', () => {
  test('order: protocol, fromPort, class, priority; adjacent ranges of one rule merged', () => {
    const nsg = nsgOf(
      { name: 'b-web', priority: 200, ports: ['80', '81', '443'], src: '10.0.0.0/8' },
      { name: 'a-web', priority: 100, ports: '80-81', src: 'Internet' },
      { name: 'udp', priority: 150, protocol: 'Udp', ports: '53' },
    );
    expect(inbound(nsg)).toEqual([
      'Tcp 80-81 internet [Internet] a-web',
      'Tcp 80-81 private [10.0.0.0/8] b-web',
      'Tcp 443 private [10.0.0.0/8] b-web',
      'Udp 53 internet [*] udp',
    ]);
  });

  test('the result is the same for a normalized NSG and its deserialized copy (index built in the call)', () => {
    const nsgs = nsgsFromListBody(
      JSON.parse(readFileSync(join(CORPUS, 'arm', 'network', 'nsg-list-all.ssh-rdp-open-to-ip-lists.service-tags.asg.c7n-recorded.subset.json'), 'utf8')),
    );
    for (const nsg of nsgs) {
      const copy = JSON.parse(JSON.stringify(nsg)) as NetworkSecurityGroup;
      expect(effectiveExposure(copy)).toEqual(effectiveExposure(nsg));
    }
  });

  test('an NSG edited after normalization is evaluated as edited', () => {
    const nsg = nsgOf({ name: 'allow', priority: 200, ports: '22' });
    expect(inbound(nsg)).toEqual(['Tcp 22 internet [*] allow']);
    const denied = nsgOf({ name: 'deny', priority: 100, access: 'Deny', ports: '22' });
    nsg.rules = [...nsg.rules, denied.rules[0]!];
    expect(inbound(nsg)).toEqual([]);
    nsg.rules[1]!.priority = 300; // in place: the deny now comes after the allow
    expect(inbound(nsg)).toEqual(['Tcp 22 internet [*] allow']);
    nsg.rules[0]!.access = 'Deny';
    expect(inbound(nsg)).toEqual([]);
  });
});

describe('against a brute-force reference', () => {
  const pool = [
    '*', 'Any', 'Internet', 'VirtualNetwork', 'AzureLoadBalancer', 'Storage.WestEurope', '10.0.0.0/8', '10.1.0.0/16', '10.1.2.0/24', '10.1.2.3',
    '172.16.0.0/12', '203.0.113.0/24', '203.0.113.7', '198.51.100.0/24', '0.0.0.0/1', '2001:db8::/32', '2001:db8:1::/48', 'fd00::/8',
  ];
  const asgs = [ASG_WEB, ASG_DB];
  const portChoices = ['22', '80', '443', '1000-2000', '1500', '*', '20-25', '3389', '0-100', '65535', '1024-65535'];

  function randomNsg(seed: number): NetworkSecurityGroup {
    const rnd = seeded(seed);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
    const specs: RuleSpec[] = [];
    const count = 3 + Math.floor(rnd() * 22);
    const used = new Set<string>();
    for (let i = 0; i < count; i++) {
      const direction = rnd() < 0.75 ? 'Inbound' : 'Outbound';
      let priority = 100 + Math.floor(rnd() * 60);
      while (used.has(`${direction}${priority}`)) priority++;
      used.add(`${direction}${priority}`);
      const addresses = (): RuleSpec['src'] => {
        const n = 1 + Math.floor(rnd() * 3);
        const list: (string | { id: string })[] = [];
        for (let j = 0; j < n; j++) list.push(rnd() < 0.1 ? pick(asgs) : pick(pool));
        return list;
      };
      const nPorts = 1 + Math.floor(rnd() * 3);
      specs.push({
        name: `r${i}`,
        priority,
        direction,
        access: rnd() < 0.45 ? 'Deny' : 'Allow',
        protocol: pick(['Tcp', 'Udp', '*', '*', 'Icmp', 'TCP']),
        ports: Array.from({ length: nPorts }, () => pick(portChoices)),
        src: addresses(),
        dst: rnd() < 0.7 ? '*' : addresses(),
        srcPorts: rnd() < 0.85 ? '*' : pick(['1024-65535', '80', '*']),
      });
    }
    return nsgOf(...specs);
  }

  test.each(Array.from({ length: 150 }, (_, i) => i + 1))('random NSG #%i', (seed) => {
    const nsg = randomNsg(seed);
    const samples = samplePorts(nsg);
    const exposure = effectiveExposure(nsg);
    for (const direction of ['Inbound', 'Outbound'] as const) {
      const entries = direction === 'Inbound' ? exposure.inbound : exposure.outbound;
      const got = [...expandEntries(entries, samples)].sort();
      const want = [...referenceReach(nsg, direction, samples)].sort();
      expect({ direction, got }).toEqual({ direction, got: want });
      // Within one rule and class, ranges never overlap.
      const seen = new Set<string>();
      for (const e of entries) {
        for (const x of samples.filter((p) => p >= e.fromPort && p <= e.toPort)) {
          const key = `${e.rule}|${e.protocol}|${e.sourceClass}|${x}`;
          expect(seen.has(key)).toBe(false);
          seen.add(key);
        }
      }
    }
  });

  test('long histories: 60 rules naming the same prefixes (exercises materialized checkpoints)', () => {
    const rnd = seeded(7);
    const specs: RuleSpec[] = [];
    for (let i = 0; i < 60; i++) {
      specs.push({
        name: `r${i}`,
        priority: 100 + i,
        access: rnd() < 0.5 ? 'Deny' : 'Allow',
        protocol: rnd() < 0.5 ? 'Tcp' : '*',
        ports: [String(20 + Math.floor(rnd() * 40)), `${1000 + i * 10}-${1005 + i * 10}`],
        src: rnd() < 0.8 ? ['203.0.113.7', '10.1.2.3'] : ['203.0.113.0/24', '10.0.0.0/8'],
        dst: rnd() < 0.85 ? '*' : '10.0.0.4',
      });
    }
    const nsg = nsgOf(...specs);
    const samples = samplePorts(nsg);
    expect([...expandEntries(effectiveExposure(nsg).inbound, samples)].sort()).toEqual([...referenceReach(nsg, 'Inbound', samples)].sort());
  });

  test('the bench-shaped body evaluates the same through the JSON round trip', () => {
    const body = nsgBodyOf([
      { name: 'a', priority: 100, ports: ['22', '80'], src: ['203.0.113.0/24', '10.0.0.0/16'] },
      { name: 'b', priority: 110, access: 'Deny', ports: '80', src: '10.0.0.0/8' },
      { name: 'c', priority: 120, ports: '80', src: ['10.0.1.0/24', '203.0.113.9'] },
    ]);
    const nsg = normalizeNsg(body);
    expect(inbound(nsg)).toEqual([
      'Tcp 22 public [203.0.113.0/24] a',
      'Tcp 22 private [10.0.0.0/16] a',
      'Tcp 80 public [203.0.113.0/24] a',
      'Tcp 80 private [10.0.0.0/16] a',
    ]);
  });
});
