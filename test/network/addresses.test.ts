import { InputError } from '../../src/errors';
import { thrown } from '../helpers/thrown';
import { addressPrefixKey, parseAddressPrefix, prefixCovers, sameAddressPrefix, sourceClassOf, uniqueSortedPrefixes } from '../../src/network';

const p = (text: string) => parseAddressPrefix(text, 'f');

const inputError = (fn: () => unknown): InputError => thrown(fn, InputError);

describe('parseAddressPrefix', () => {
  test('"*" and "Any" in any case, 0.0.0.0/0 and ::/0 mean every address', () => {
    for (const text of ['*', 'Any', 'any', 'ANY', '0.0.0.0/0', '::/0']) {
      expect(p(text)).toEqual({ kind: 'any', raw: text });
      expect(sourceClassOf(p(text))).toBe('internet');
      expect(addressPrefixKey(p(text))).toBe('*');
    }
    expect(sameAddressPrefix(p('Any'), p('0.0.0.0/0'))).toBe(true);
  });

  test('Internet (any case) is the Internet tag', () => {
    expect(p('Internet')).toEqual({ kind: 'internetTag', raw: 'Internet' });
    expect(p('internet').kind).toBe('internetTag');
    expect(sourceClassOf(p('Internet'))).toBe('internet');
  });

  test('CIDRs are canonical, bare IPs get /32 or /128, host bits are cleared', () => {
    expect(p('10.0.0.4')).toEqual({ kind: 'cidr', raw: '10.0.0.4', version: 4, cidr: '10.0.0.4/32', scope: 'private' });
    expect(p('10.1.2.3/8')).toMatchObject({ cidr: '10.0.0.0/8', raw: '10.1.2.3/8' });
    expect(p(' 203.0.113.10 ')).toMatchObject({ cidr: '203.0.113.10/32', raw: '203.0.113.10', scope: 'public' });
    expect(p('2001:DB8:0:0::1')).toMatchObject({ version: 6, cidr: '2001:db8::1/128', scope: 'public' });
    expect(p('2001:db8:0:0:1:0:0:1/64')).toMatchObject({ cidr: '2001:db8::/64' });
    expect(p('::ffff:10.0.0.1')).toMatchObject({ version: 6, cidr: '::ffff:a00:1/128' });
    expect(p('2001:0:0:1::')).toMatchObject({ cidr: '2001:0:0:1::/128' });
  });

  test('private scope: RFC 1918, CGNAT, loopback, link-local, IPv6 ULA, link-local and loopback', () => {
    for (const text of ['10.0.0.0/8', '172.16.0.0/12', '172.31.255.1', '192.168.1.0/24', '100.64.0.0/10', '127.0.0.1', '169.254.169.254', 'fd00::/8', 'fc00::1', 'fe80::/10', '::1']) {
      expect({ text, scope: (p(text) as { scope: string }).scope }).toEqual({ text, scope: 'private' });
      expect(sourceClassOf(p(text))).toBe('private');
    }
    for (const text of ['8.8.8.8', '172.32.0.1', '100.128.0.1', '2001:db8::/32', '11.0.0.0/8', '0.0.0.0/1']) {
      expect({ text, scope: (p(text) as { scope: string }).scope }).toEqual({ text, scope: 'public' });
      expect(sourceClassOf(p(text))).toBe('public');
    }
  });

  test('service tags; VirtualNetwork is private', () => {
    for (const tag of ['AzureLoadBalancer', 'AzureMachineLearning', 'BatchNodeManagement', 'Storage.WestEurope', 'CorpNetSaw', 'SqlManagement']) {
      expect(p(tag)).toEqual({ kind: 'serviceTag', raw: tag, tag });
      expect(sourceClassOf(p(tag))).toBe('serviceTag');
    }
    expect(p('VirtualNetwork')).toEqual({ kind: 'serviceTag', raw: 'VirtualNetwork', tag: 'VirtualNetwork' });
    expect(sourceClassOf(p('VirtualNetwork'))).toBe('private');
    expect(sameAddressPrefix(p('virtualnetwork'), p('VirtualNetwork'))).toBe(true);
  });

  test('application security groups by normalized id', () => {
    const id = '/subscriptions/S/resourceGroups/RG/providers/Microsoft.Network/applicationSecurityGroups/Web';
    const asg = parseAddressPrefix({ id }, 'f');
    expect(asg).toEqual({ kind: 'asg', raw: id, id: id.toLowerCase() });
    expect(sourceClassOf(asg)).toBe('asg');
    expect(sameAddressPrefix(asg, parseAddressPrefix({ id: id.toUpperCase() + '/' }, 'g'))).toBe(true);
  });

  test.each([
    ['10.0.0.0/42', 'is not a valid IP address or CIDR'],
    ['300.1.1.1', 'is not a valid IP address or CIDR'],
    ['1.2.3', 'is not a valid IP address or CIDR'],
    ['2001:db8::1::2', 'is not a valid IP address or CIDR'],
    ['abc def', 'is not a CIDR, an IP address, a service tag or "*"'],
    ['', 'is empty'],
  ])('%j is rejected: %s', (text, problem) => {
    const err = inputError(() => parseAddressPrefix(text, 'properties.sourceAddressPrefixes[3]'));
    expect(err.field).toBe('properties.sourceAddressPrefixes[3]');
    expect(err.message).toContain(`properties.sourceAddressPrefixes[3] ${problem}`);
    expect(err.message).toContain(JSON.stringify(text));
  });

  test('an ASG object without an id is rejected at .id', () => {
    expect(inputError(() => parseAddressPrefix({ name: 'x' }, 'properties.sourceApplicationSecurityGroups[0]')).field).toBe(
      'properties.sourceApplicationSecurityGroups[0].id',
    );
  });
});

describe('prefixCovers', () => {
  test.each([
    ['*', '10.0.0.0/8', true],
    ['*', 'AzureLoadBalancer', true],
    ['Internet', '203.0.113.7', true],
    ['Internet', '10.0.0.1', false],
    ['Internet', '0.0.0.0/1', false], // straddles 10/8
    ['Internet', 'AzureLoadBalancer', false],
    ['Internet', '*', false],
    ['VirtualNetwork', '10.1.2.0/24', true],
    ['VirtualNetwork', '203.0.113.7', false],
    ['10.0.0.0/8', '10.1.2.3', true],
    ['10.1.0.0/16', '10.0.0.0/8', false],
    ['10.0.0.0/8', '10.0.0.0/8', true],
    ['2001:db8::/32', '2001:db8:1::/48', true],
    ['2001:db8::/32', '10.0.0.0/8', false],
    ['AzureLoadBalancer', 'AzureLoadBalancer', true],
    ['Storage', 'Storage.WestEurope', false],
  ])('%s covers %s: %s', (outer, inner, expected) => {
    expect(prefixCovers(p(outer), p(inner))).toBe(expected);
  });
});

describe('uniqueSortedPrefixes', () => {
  test('de-duplicates by meaning and sorts: *, Internet, tags, IPv4 numerically, IPv6, ASGs', () => {
    const asg = parseAddressPrefix({ id: '/subscriptions/s/resourceGroups/r/providers/Microsoft.Network/applicationSecurityGroups/a' }, 'x');
    const sorted = uniqueSortedPrefixes([p('9.0.0.1'), asg, p('2001:db8::1'), p('10.0.0.1'), p('AzureLoadBalancer'), p('10.0.0.1/32'), p('Internet'), p('Any'), p('0.0.0.0/0')]);
    expect(sorted.map((x) => x.raw)).toEqual(['Any', 'Internet', 'AzureLoadBalancer', '9.0.0.1', '10.0.0.1', '2001:db8::1', asg.raw]);
  });
});
