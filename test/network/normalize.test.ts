import { InputError } from '../../src/errors';
import { thrown } from '../helpers/thrown';
import { defaultSecurityRules, normalizeNsg, normalizeSecurityRule, nsgsFromBody, nsgsFromListBody } from '../../src/network';

const NSG_ID = '/subscriptions/S1/resourceGroups/RG-ML/providers/Microsoft.Network/networkSecurityGroups/NSG-Train';

function ruleProps(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    protocol: 'Tcp',
    sourcePortRange: '*',
    destinationPortRange: '22',
    sourceAddressPrefix: '*',
    destinationAddressPrefix: '*',
    access: 'Allow',
    priority: 100,
    direction: 'Inbound',
    ...overrides,
  };
}

function nsgBody(rules: unknown[]): Record<string, unknown> {
  return { name: 'NSG-Train', id: NSG_ID, type: 'Microsoft.Network/networkSecurityGroups', location: 'westeurope', properties: { securityRules: rules } };
}

const inputError = (fn: () => unknown): InputError => thrown(fn, InputError);

describe('normalizeSecurityRule', () => {
  test('protocol, access and direction in any casing', () => {
    const cases: [string, string][] = [['TCP', 'Tcp'], ['tcp', 'Tcp'], ['Udp', 'Udp'], ['UDP', 'Udp'], ['icmp', 'Icmp'], ['ESP', 'Esp'], ['ah', 'Ah'], ['*', '*'], ['Any', '*']];
    for (const [text, expected] of cases) {
      expect(normalizeSecurityRule({ name: 'r', properties: ruleProps({ protocol: text }) }).protocol).toBe(expected);
    }
    const rule = normalizeSecurityRule({ name: 'r', properties: ruleProps({ access: 'DENY', direction: 'outbound' }) });
    expect(rule.access).toBe('Deny');
    expect(rule.direction).toBe('Outbound');
  });

  test('singular and plural fields are merged, de-duplicated and sorted', () => {
    const rule = normalizeSecurityRule({
      name: 'merged',
      properties: ruleProps({
        destinationPortRange: '3389',
        destinationPortRanges: ['22', '22-22', '80-81', '82'],
        sourceAddressPrefix: '10.0.0.5',
        sourceAddressPrefixes: ['203.0.113.0/24', '10.0.0.5/32', 'AzureLoadBalancer'],
      }),
    });
    expect(rule.destinationPorts).toEqual([{ from: 22, to: 22 }, { from: 80, to: 82 }, { from: 3389, to: 3389 }]);
    expect(rule.sources.map((s) => s.raw)).toEqual(['AzureLoadBalancer', '10.0.0.5', '203.0.113.0/24']);
  });

  test('fields flattened at the top level (newer SDK models) are read too', () => {
    const rule = normalizeSecurityRule({ name: 'flat', ...ruleProps({ destinationPortRanges: ['443', '8443'], destinationPortRange: undefined }) });
    expect(rule.destinationPorts).toEqual([{ from: 443, to: 443 }, { from: 8443, to: 8443 }]);
  });

  test('the name comes from the body, else the id, else the caller', () => {
    expect(normalizeSecurityRule({ id: `${NSG_ID}/securityRules/From-Id`, properties: ruleProps() }).name).toBe('From-Id');
    expect(normalizeSecurityRule({ properties: ruleProps() }, '', { name: 'given' }).name).toBe('given');
  });

  test('normalized lists are frozen (shared, read-only values)', () => {
    const rule = normalizeSecurityRule({ name: 'r', properties: ruleProps() });
    expect(Object.isFrozen(rule.sources)).toBe(true);
    expect(Object.isFrozen(rule.sources[0])).toBe(true);
    expect(Object.isFrozen(rule.destinationPorts)).toBe(true);
  });

  test.each([
    [{ priority: 99 }, 'properties.priority', 99, 'must be between 100 and 4096'],
    [{ priority: 4097 }, 'properties.priority', 4097, 'must be between 100 and 4096'],
    [{ priority: 100.5 }, 'properties.priority', 100.5, 'is required and must be an integer'],
    [{ priority: 'high' }, 'properties.priority', 'high', 'is required and must be an integer'],
    [{ priority: undefined }, 'properties.priority', undefined, 'is required and must be an integer'],
    [{ protocol: 'Gre' }, 'properties.protocol', 'Gre', 'must be one of "Tcp", "Udp", "Icmp", "Esp", "Ah", "*"'],
    [{ access: 'Permit' }, 'properties.access', 'Permit', 'must be one of "Allow", "Deny"'],
    [{ direction: 'In' }, 'properties.direction', 'In', 'must be one of "Inbound", "Outbound"'],
    [{ destinationPortRange: '70000' }, 'properties.destinationPortRange', '70000', 'must be within 0-65535'],
    [{ destinationPortRange: undefined, destinationPortRanges: ['22', '20-10'] }, 'properties.destinationPortRanges[1]', '20-10', 'is a reversed range'],
    [{ destinationPortRange: undefined }, 'properties.destinationPortRange', undefined, 'is required'],
    [{ sourceAddressPrefix: '10.0.0.0/42' }, 'properties.sourceAddressPrefix', '10.0.0.0/42', 'is not a valid IP address or CIDR'],
    [{ sourceAddressPrefix: '', sourceAddressPrefixes: [] }, 'properties.sourceAddressPrefix', '', 'is required'],
    [{ destinationAddressPrefixes: ['10.0.0.1', 'not a prefix'] }, 'properties.destinationAddressPrefixes[1]', 'not a prefix', 'is not a CIDR'],
  ])('%j → %s', (overrides, field, value, problem) => {
    const err = inputError(() => normalizeSecurityRule({ name: 'r', properties: ruleProps(overrides as Record<string, unknown>) }));
    expect(err.field).toBe(field);
    expect(err.value).toEqual(value);
    expect(err.message).toContain(`${field} ${problem}`);
  });

  test('a rule that is not an object', () => {
    expect(inputError(() => normalizeSecurityRule('rule', 'rules[0]')).field).toBe('rules[0]');
  });
});

describe('normalizeNsg', () => {
  test('errors carry the full path of the field, under properties or flattened', () => {
    const rules = [0, 1, 2, 3].map((i) => ({ name: `r${i}`, properties: ruleProps({ priority: 100 + i }) }));
    (rules[3]!.properties as Record<string, unknown>).priority = 5000;
    const err = inputError(() => normalizeNsg(nsgBody(rules)));
    expect(err.field).toBe('properties.securityRules[3].properties.priority');
    expect(err.message).toBe('properties.securityRules[3].properties.priority must be between 100 and 4096 (got 5000)');

    const flat = { name: 'flat', securityRules: [{ name: 'r', ...ruleProps({ protocol: 'gre' }) }] };
    expect(inputError(() => normalizeNsg(flat)).field).toBe('securityRules[0].protocol');

    expect(inputError(() => normalizeNsg(nsgBody([{ name: 'r', properties: ruleProps({ priority: 1 }) }]), 'current')).field).toBe(
      'current.properties.securityRules[0].properties.priority',
    );
  });

  test('LIST bodies name the item', () => {
    const good = nsgBody([{ name: 'ok', properties: ruleProps() }]);
    const bad = nsgBody([{ name: 'bad', properties: ruleProps({ protocol: 'xyz' }) }]);
    const err = inputError(() => nsgsFromListBody({ value: [good, bad] }));
    expect(err.field).toBe('value[1].properties.securityRules[0].properties.protocol');
    expect(err.value).toBe('xyz');
    expect(nsgsFromBody({ value: [good] })).toHaveLength(1);
    expect(nsgsFromBody(good)).toHaveLength(1);
  });

  test('rules are sorted inbound then outbound by priority; defaults implied with ids under the NSG', () => {
    const nsg = normalizeNsg(
      nsgBody([
        { name: 'out', properties: ruleProps({ direction: 'Outbound', priority: 100 }) },
        { name: 'b', properties: ruleProps({ priority: 300 }) },
        { name: 'a', properties: ruleProps({ priority: 200 }) },
      ]),
    );
    expect(nsg.rules.map((r) => r.name)).toEqual(['a', 'b', 'out']);
    expect(nsg.id).toBe(NSG_ID.toLowerCase());
    expect(nsg.defaultRules.map((r) => r.id)).toEqual(defaultSecurityRules(NSG_ID).map((r) => r.id));
    expect(nsg.defaultRules[0]!.id).toBe(`${NSG_ID.toLowerCase()}/defaultsecurityrules/allowvnetinbound`);
    expect(nsg.defaultRules.every((r) => r.isDefault)).toBe(true);
  });

  test('child rule bodies replace inline rules of the same name and add the others', () => {
    const inline = nsgBody([
      { name: 'SSH', properties: ruleProps({ sourceAddressPrefix: '10.0.0.0/8' }) },
      { name: 'web', properties: ruleProps({ priority: 110, destinationPortRange: '443' }) },
    ]);
    const child = { name: 'ssh', id: `${NSG_ID}/securityRules/ssh`, properties: ruleProps({ sourceAddressPrefix: 'Internet' }) };
    const added = { name: 'rdp', properties: ruleProps({ priority: 120, destinationPortRange: '3389' }) };
    const nsg = normalizeNsg(inline, { rules: [child, added] });
    expect(nsg.rules.map((r) => `${r.name}:${r.sources[0]!.raw}`)).toEqual(['ssh:Internet', 'web:*', 'rdp:*']);
    expect(inputError(() => normalizeNsg(inline, { rules: [{ name: 'x', properties: ruleProps({ access: 'maybe' }) }] })).field).toBe(
      'rules[0].properties.access',
    );
  });

  test('duplicate rule names are an error naming the second one', () => {
    const err = inputError(() => normalizeNsg(nsgBody([{ name: 'SSH', properties: ruleProps() }, { name: 'ssh', properties: ruleProps({ priority: 200 }) }])));
    expect(err.field).toBe('properties.securityRules[1].name');
    expect(err.message).toContain('duplicates the name of properties.securityRules[0]');
  });

  test('bodies that are not one NSG are refused with the reason', () => {
    expect(() => normalizeNsg({ error: { code: 'ResourceNotFound', message: 'gone' } })).toThrow('body is an ARM error response (ResourceNotFound: gone)');
    expect(() => normalizeNsg({ value: [] })).toThrow('is a LIST body');
    expect(() => normalizeNsg({ status: 'Succeeded' })).toThrow('is not a network security group');
    expect(() => normalizeNsg('nsg')).toThrow(InputError);
    expect(inputError(() => normalizeNsg({ status: 'Succeeded' }, { field: 'baseline.nsg' })).field).toBe('baseline.nsg');
  });

  test('a body with an empty defaultSecurityRules gets the six defaults', () => {
    const body = nsgBody([]);
    (body.properties as Record<string, unknown>).defaultSecurityRules = [];
    expect(normalizeNsg(body).defaultRules).toHaveLength(6);
  });
});
