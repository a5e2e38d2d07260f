import { defaultPolicy, parsePolicyText } from '../../src/policy/loadPolicy';
import { parseIsoDuration } from '../../src/policy/duration';
import { SchemaError } from '../../src/validation';
import { thrown } from '../helpers/thrown';

const errorOf = (fn: () => unknown): SchemaError => thrown(fn, SchemaError);

describe('policy loading', () => {
  test('the default policy resolves with ML service tags and sensitive ports', () => {
    const p = defaultPolicy();
    expect(p.network.allowedServiceTags.map((t) => t.tag)).toEqual(['AzureLoadBalancer', 'AzureMachineLearning', 'BatchNodeManagement']);
    expect(p.network.allowedServiceTags[1]).toEqual({ tag: 'AzureMachineLearning', protocols: ['Tcp'], ports: [{ from: 44224, to: 44224 }] });
    expect(p.network.allowedServiceTags[2]!.ports).toEqual([{ from: 29876, to: 29877 }]);
    const ssh = p.network.sensitivePorts.find((s) => s.name === 'SSH')!;
    expect(ssh).toEqual({ name: 'SSH', protocols: ['Tcp'], ports: [{ from: 22, to: 22 }], severity: 'critical' });
    expect(p.modes).toEqual({ critical: 'approve', high: 'approve', medium: 'approve', low: 'alert' });
    expect(p.approval).toEqual({ timeout: 'PT1H', timeoutMs: 3_600_000, onTimeout: 'keep', approvers: [] });
  });

  test('a YAML file overrides defaults field by field', () => {
    const p = parsePolicyText(
      [
        'network:',
        '  allowedSourcePrefixes: [10.20.1.0/24, 10.20.2.0/24]',
        '  extraSensitivePorts:',
        '    - { name: MLflow, protocols: [tcp], ports: ["5000"], severity: medium }',
        'modes: { critical: auto }',
        'approval: { timeout: PT30M, onTimeout: revert }',
      ].join('\n'),
      'team.yaml',
    );
    expect(p.network.allowedSourcePrefixes.map((a) => a.raw)).toEqual(['10.20.1.0/24', '10.20.2.0/24']);
    expect(p.network.sensitivePorts.at(-1)).toEqual({ name: 'MLflow', protocols: ['Tcp'], ports: [{ from: 5000, to: 5000 }], severity: 'medium' });
    expect(p.network.sensitivePorts.length).toBe(defaultPolicy().network.sensitivePorts.length + 1);
    expect(p.modes.critical).toBe('auto');
    expect(p.modes.high).toBe('approve');
    expect(p.approval).toEqual({ timeout: 'PT30M', timeoutMs: 1_800_000, onTimeout: 'revert', approvers: [] });
  });

  test('JSON policies are accepted too', () => {
    const p = parsePolicyText('{"modes":{"low":"approve"}}', 'p.json');
    expect(p.modes.low).toBe('approve');
  });

  test('errors name every bad field and its value', () => {
    const err = errorOf(() =>
      parsePolicyText(
        [
          'network:',
          '  allowedSourcePrefixes: ["10.0.0.0/33"]',
          '  sensitivePorts:',
          '    - { name: SSH, ports: ["22"], severity: severe }',
          '    - { name: Weird, ports: ["70000"], severity: high }',
          'modes: { critical: revert }',
          'approval: { timeout: "1 hour" }',
          'exemptions: [{ resourceId: x, expires: tomorrow, reason: r }]',
          'netwrok: {}',
        ].join('\n'),
        'bad.yaml',
      ),
    );
    const fields = err.issues.map((i) => i.field);
    expect(fields).toEqual(
      expect.arrayContaining([
        'network.sensitivePorts[0].severity',
        'modes.critical',
        'exemptions[0].expires',
        'netwrok',
      ]),
    );
    expect(err.message).toContain('bad.yaml is not valid');
    expect(err.message).toContain('network.sensitivePorts[0].severity');
    expect(err.message).toContain('"severe"');
    expect(err.message).toContain('netwrok: is not a known field');
  });

  test('port, prefix and duration errors are reported after the schema passes', () => {
    const err = errorOf(() =>
      parsePolicyText(
        [
          'network:',
          '  allowedSourcePrefixes: ["10.0.0.0/33"]',
          '  sensitivePorts: [{ name: Weird, ports: ["70000"], severity: high }]',
          'approval: { timeout: "1 hour" }',
        ].join('\n'),
        'bad.yaml',
      ),
    );
    expect(err.issues.map((i) => i.field)).toEqual([
      'network.allowedSourcePrefixes[0]',
      'network.sensitivePorts[0].ports[0]',
      'approval.timeout',
    ]);
    expect(err.message).toContain('"10.0.0.0/33"');
    expect(err.message).toContain('"70000"');
    expect(err.message).toContain('"1 hour"');
  });

  test('broken YAML names the file', () => {
    expect(() => parsePolicyText('network: [unclosed', 'broken.yaml')).toThrow(/broken.yaml: \(root\) is not valid YAML/);
    expect(() => parsePolicyText('{"modes": ', 'broken.json')).toThrow(/broken.json: \(root\) is not valid JSON/);
  });
});

describe('ISO 8601 durations', () => {
  test.each([
    ['PT30M', 1_800_000],
    ['PT1H', 3_600_000],
    ['P1D', 86_400_000],
    ['P1DT12H', 129_600_000],
    ['PT90S', 90_000],
    ['pt5m', 300_000],
  ])('%s', (text, ms) => expect(parseIsoDuration(text)).toBe(ms));
  test.each(['1h', 'P', 'PT', 'P1W', 'PT0S', ''])('%s is refused', (text) => expect(parseIsoDuration(text)).toBeUndefined());
});
