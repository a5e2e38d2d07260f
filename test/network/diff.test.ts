import { diffNsg, effectiveExposure, isSecurityRelevant, normalizeNsg } from '../../src/network';
import type { NetworkSecurityGroup, RuleDrift } from '../../src/network/types';
import { expandEntries, nsgBodyOf, nsgOf, samplePorts, seeded, show, type RuleSpec } from './helpers';

const ssh: RuleSpec = { name: 'ssh', priority: 100, ports: '22', src: '10.0.0.0/8' };

function driftSummary(drift: readonly RuleDrift[]): string[] {
  return drift.map((d) => (d.type === 'modified' ? `modified ${d.after.name}: ${d.changes.map((c) => c.field).join(',')}` : `${d.type} ${d.rule.name}`));
}

describe('rule drift', () => {
  test('the same NSG has no drift and no exposure delta', () => {
    const nsg = nsgOf(ssh, { name: 'web', priority: 200, ports: ['80', '443'] });
    expect(diffNsg(nsg, nsg)).toEqual({ nsgId: nsg.id, drift: [], exposureAdded: [], exposureRemoved: [], outboundExposureAdded: [], outboundExposureRemoved: [] });
  });

  test('compared by meaning: port spelling, prefix order and spelling, protocol casing, name casing', () => {
    const baseline = nsgOf({ name: 'SSH', priority: 100, protocol: 'Tcp', ports: ['22', '3389'], src: ['10.0.0.0/8', '*'] });
    const current = nsgOf({ name: 'ssh', priority: 100, protocol: 'TCP', ports: ['3389-3389', '22-22'], src: ['0.0.0.0/0', '10.1.2.3/8'] });
    const diff = diffNsg(baseline, current);
    expect(diff.drift).toEqual([]);
    expect(diff.exposureAdded).toEqual([]);
  });

  test('default rules are not rule drift: present in the baseline body, implied in the current one', () => {
    const withDefaults = normalizeNsg(nsgBodyOf([ssh]));
    const body = nsgBodyOf([ssh]);
    const defaults = normalizeNsg(body).defaultRules;
    expect(defaults).toHaveLength(6);
    expect(diffNsg(withDefaults, normalizeNsg(body)).drift).toEqual([]);
  });

  test('field-level changes, with readable before/after', () => {
    const baseline = nsgOf({ ...ssh, description: 'admins' }, { name: 'web', priority: 200, ports: '443' });
    const current = nsgOf(
      { ...ssh, priority: 110, ports: ['22', '2222'], src: ['10.0.0.0/8', '203.0.113.7'], description: 'admins and a vendor' },
      { name: 'web', priority: 200, ports: '443', access: 'Deny', protocol: '*' },
    );
    const diff = diffNsg(baseline, current);
    expect(driftSummary(diff.drift)).toEqual(['modified ssh: priority,destinationPorts,sources,description', 'modified web: access,protocol']);
    const changes = (diff.drift[0] as Extract<RuleDrift, { type: 'modified' }>).changes;
    expect(changes).toEqual([
      { field: 'priority', before: 100, after: 110 },
      { field: 'destinationPorts', before: ['22'], after: ['22', '2222'] },
      { field: 'sources', before: ['10.0.0.0/8'], after: ['10.0.0.0/8', '203.0.113.7'] },
      { field: 'description', before: 'admins', after: 'admins and a vendor' },
    ]);
    expect(changes.filter(isSecurityRelevant).map((c) => c.field)).toEqual(['priority', 'destinationPorts', 'sources']);
  });

  test('a description-only change is drift but exposes nothing', () => {
    const diff = diffNsg(nsgOf({ ...ssh, description: 'a' }), nsgOf({ ...ssh, description: 'b' }));
    expect(driftSummary(diff.drift)).toEqual(['modified ssh: description']);
    expect(diff.exposureAdded).toEqual([]);
    expect(diff.exposureRemoved).toEqual([]);
  });
});

describe('exposure delta', () => {
  test('opening 22 to the Internet', () => {
    const baseline = nsgOf(ssh);
    const current = nsgOf(ssh, { name: 'temp-ssh', priority: 150, ports: '22', src: 'Internet' });
    const diff = diffNsg(baseline, current);
    expect(driftSummary(diff.drift)).toEqual(['added temp-ssh']);
    expect(diff.exposureAdded.map(show)).toEqual(['Tcp 22 internet [Internet] temp-ssh']);
    expect(diff.exposureRemoved).toEqual([]);
  });

  test('removing a Deny that shadowed an Allow opens the Allow’s ports', () => {
    const baseline = nsgOf({ name: 'deny-ssh', priority: 100, access: 'Deny', ports: '22' }, { name: 'allow-admin', priority: 200, ports: ['22', '3389'] });
    const current = nsgOf({ name: 'allow-admin', priority: 200, ports: ['22', '3389'] });
    const diff = diffNsg(baseline, current);
    expect(driftSummary(diff.drift)).toEqual(['removed deny-ssh']);
    expect(diff.exposureAdded.map(show)).toEqual(['Tcp 22 internet [*] allow-admin']);
    expect(diff.exposureRemoved).toEqual([]);
  });

  test('narrowing a rule adds nothing and removes what it no longer admits', () => {
    const baseline = nsgOf({ name: 'ssh', priority: 100, ports: '20-25', src: '*' });
    const current = nsgOf({ name: 'ssh', priority: 100, ports: '22', src: '10.0.0.0/8' });
    const diff = diffNsg(baseline, current);
    expect(driftSummary(diff.drift)).toEqual(['modified ssh: destinationPorts,sources']);
    expect(diff.exposureAdded).toEqual([]);
    expect(diff.exposureRemoved.map(show)).toEqual(['Tcp 20-25 internet [*] ssh']);
  });

  test('a renamed rule is removed + added with no exposure delta', () => {
    const diff = diffNsg(nsgOf(ssh), nsgOf({ ...ssh, name: 'ssh-admins' }));
    expect(driftSummary(diff.drift)).toEqual(['removed ssh', 'added ssh-admins']);
    expect(diff.exposureAdded).toEqual([]);
    expect(diff.exposureRemoved).toEqual([]);
  });

  test('splitting a rule in two exposes nothing new', () => {
    const baseline = nsgOf({ name: 'admin', priority: 100, ports: ['22', '3389'], src: ['203.0.113.0/24'] });
    const current = nsgOf({ name: 'admin-ssh', priority: 100, ports: '22', src: '203.0.113.0/24' }, { name: 'admin-rdp', priority: 110, ports: '3389', src: '203.0.113.7' });
    const diff = diffNsg(baseline, current);
    expect(diff.exposureAdded).toEqual([]);
    expect(diff.exposureRemoved.map(show)).toEqual(['Tcp 3389 public [203.0.113.0/24] admin']);
  });

  test('wider ports and new sources are reported per port range and per prefix', () => {
    const baseline = nsgOf({ name: 'db', priority: 100, ports: '1433', src: ['203.0.113.0/24'] });
    const current = nsgOf({ name: 'db', priority: 100, ports: '1433-1435', src: ['203.0.113.0/24', '203.0.113.7', '198.51.100.7', 'AzureMachineLearning', '10.1.2.0/24'] });
    expect(diffNsg(baseline, current).exposureAdded.map(show)).toEqual([
      'Tcp 1433 public [198.51.100.7] db',
      'Tcp 1433-1435 serviceTag [AzureMachineLearning] db',
      'Tcp 1434-1435 public [198.51.100.7 203.0.113.0/24 203.0.113.7] db',
      // 10.1.2.0/24 is inside VirtualNetwork, which AllowVnetInBound already lets in on every port: nothing new.
    ]);
  });

  test('a block inside a baseline block, or the VNet part of * when the VNet was reachable, is not new', () => {
    const baseline = nsgOf({ name: 'vnet', priority: 100, ports: '22', src: 'VirtualNetwork' }, { name: 'office', priority: 110, ports: '22', src: '203.0.113.0/24' });
    const current = nsgOf({ name: 'vnet', priority: 100, ports: '22', src: '10.1.2.3' }, { name: 'office', priority: 110, ports: '22', src: '203.0.113.7' });
    expect(diffNsg(baseline, current).exposureAdded).toEqual([]);

    // Internet → *: the Internet part was reachable, the VNet part too (AllowVnetInBound): nothing new.
    expect(diffNsg(nsgOf({ name: 'x', priority: 100, ports: '22', src: 'Internet' }), nsgOf({ name: 'x', priority: 100, ports: '22', src: '*' })).exposureAdded).toEqual([]);

    // VNet denied, Internet allowed → now *: only the VNet part is new.
    const before = nsgOf({ name: 'no-vnet', priority: 100, access: 'Deny', ports: '22', src: 'VirtualNetwork' }, { name: 'x', priority: 110, ports: '22', src: 'Internet' });
    const after = nsgOf({ name: 'no-vnet', priority: 100, access: 'Deny', ports: '22', src: 'VirtualNetwork' }, { name: 'x', priority: 110, ports: '22', src: '*' });
    expect(diffNsg(before, after).exposureAdded).toEqual([]); // the Deny still decides the VNet part
    const opened = nsgOf({ name: 'x', priority: 110, ports: '22', src: '*' });
    // The Internet part was reachable before; the VNet part of * is what is new.
    expect(diffNsg(before, opened).exposureAdded.map(show)).toEqual(['Tcp 22 private [*] x']);
  });

  test('Deny Internet then Allow *: removing the Deny exposes 22 to the Internet', () => {
    const baseline = nsgOf({ name: 'deny-internet', priority: 100, access: 'Deny', ports: '22', src: 'Internet' }, { name: 'allow-any', priority: 200, ports: '22' });
    const current = nsgOf({ name: 'allow-any', priority: 200, ports: '22' });
    const diff = diffNsg(baseline, current);
    expect(diff.exposureAdded.map(show)).toEqual(['Tcp 22 internet [*] allow-any']);
    expect(diff.exposureRemoved).toEqual([]);
  });

  test('outbound changes are reported apart, with the destination class', () => {
    const baseline = nsgOf({ name: 'no-internet', priority: 200, direction: 'Outbound', access: 'Deny', protocol: '*', dst: 'Internet' });
    const current = nsgOf(
      { name: 'no-internet', priority: 200, direction: 'Outbound', access: 'Deny', protocol: '*', dst: 'Internet' },
      { name: 'to-partner', priority: 100, direction: 'Outbound', ports: '443', dst: '198.51.100.0/24' },
    );
    const diff = diffNsg(baseline, current);
    expect(diff.exposureAdded).toEqual([]);
    expect(diff.outboundExposureAdded!.map(show)).toEqual(['Tcp 443 public [198.51.100.0/24] to-partner']);
  });
});

describe('exposure delta, random pairs', () => {
  const pool = ['*', 'Internet', 'VirtualNetwork', 'AzureLoadBalancer', '10.0.0.0/8', '10.1.2.0/24', '203.0.113.0/24', '203.0.113.7', '2001:db8::/32'];
  const portChoices = ['22', '80', '443', '20-25', '*', '1000-2000'];

  function randomSpecs(rnd: () => number, count: number): RuleSpec[] {
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
    return Array.from({ length: count }, (_, i) => ({
      name: `r${i}`,
      priority: 100 + i * 10,
      access: rnd() < 0.4 ? 'Deny' : 'Allow',
      protocol: pick(['Tcp', '*', 'Udp']),
      ports: [pick(portChoices), pick(portChoices)],
      src: [pick(pool), pick(pool)],
    }));
  }

  /** `protocol|port|key` points where anything is reachable, and the classes there, by prefix text. */
  function pointsOf(nsg: NetworkSecurityGroup, samples: number[]): Set<string> {
    const out = new Set<string>();
    for (const p of expandEntries(effectiveExposure(nsg).inbound, samples)) {
      const [, protocol, port, cls, raw] = p.split('|');
      out.add(`${protocol}|${port}|${cls}|${raw}`);
    }
    return out;
  }

  test.each(Array.from({ length: 60 }, (_, i) => i + 1))('pair #%i', (seed) => {
    const rnd = seeded(1000 + seed);
    const baseSpecs = randomSpecs(rnd, 6 + Math.floor(rnd() * 6));
    // The current state: some rules changed, removed or added.
    const curSpecs = baseSpecs.filter(() => rnd() > 0.2).map((s) => (rnd() < 0.3 ? { ...s, access: s.access === 'Allow' ? ('Deny' as const) : ('Allow' as const) } : s));
    curSpecs.push(...randomSpecs(rnd, 3).map((s, i) => ({ ...s, name: `new${i}`, priority: 105 + i * 20 })));
    const baseline = nsgOf(...baseSpecs);
    const current = nsgOf(...curSpecs);
    const samples = [...new Set([...samplePorts(baseline), ...samplePorts(current)])].sort((a, b) => a - b);
    const diff = diffNsg(baseline, current);

    const added = expandEntries(diff.exposureAdded, samples);
    const removed = expandEntries(diff.exposureRemoved, samples);
    const now = expandEntries(effectiveExposure(current).inbound, samples);
    const before = expandEntries(effectiveExposure(baseline).inbound, samples);
    // `*` is reported as internet where its Internet part reaches; the delta can name its VNet part (private) there.
    const classless = (points: Set<string>): Set<string> => new Set([...points].map((p) => (p.endsWith('|*') ? p.replace(/\|(internet|private)\|\*$/, '|*') : p)));
    const nowAny = classless(now);
    const beforeAny = classless(before);
    for (const p of classless(added)) expect(nowAny.has(p)).toBe(true);
    for (const p of classless(removed)) expect(beforeAny.has(p)).toBe(true);

    // A point reachable before from the same prefix and class is never new; one with nothing reachable before is.
    const basePoints = pointsOf(baseline, samples);
    const anythingBefore = new Set([...basePoints].map((p) => p.split('|').slice(0, 2).join('|')));
    for (const p of now) {
      const [, protocol, port, cls, raw] = p.split('|');
      if (basePoints.has(`${protocol}|${port}|${cls}|${raw}`)) expect(added.has(p)).toBe(false);
      if (!anythingBefore.has(`${protocol}|${port}`)) expect(added.has(p)).toBe(true);
    }
    // Symmetric: comparing the other way round swaps added and removed (attributions follow their side).
    const back = diffNsg(current, baseline);
    expect(expandEntries(back.exposureAdded, samples)).toEqual(removed);
    expect(expandEntries(back.exposureRemoved, samples)).toEqual(added);
  });
});
