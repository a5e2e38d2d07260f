import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../src/cli/main';
import { processIo, type CliIo } from '../../src/cli/io';
import { CORPUS, EXAMPLES } from '../helpers/examples';

function harness(now = '2026-12-03T10:00:00.000Z') {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = { ...processIo(), stdout: (t) => out.push(t), stderr: (t) => err.push(t), now: () => now };
  return { io, out, err, json: () => JSON.parse(out.join('\n')) };
}

const ex = (name: string) => join(EXAMPLES, name);
const tmp = mkdtempSync(join(tmpdir(), 'driftwarden-cli-'));
const baselineFile = join(tmp, 'baseline.json');

describe('driftwarden CLI', () => {
  beforeAll(async () => {
    const h = harness('2026-12-01T08:00:00.000Z');
    expect(await runCli(['baseline', 'capture', ex('nsg-ml-training.json'), '--out', baselineFile, '--by', 'alice@contoso.example'], h.io)).toBe(0);
  });

  test('events --format json follows the contract', async () => {
    const h = harness();
    const code = await runCli(['events', ex('events/open-ssh.securityRules-write.eventgrid.json'), '--format', 'json'], h.io);
    expect(code).toBe(0);
    const body = h.json();
    expect(Object.keys(body).sort()).toEqual(['changes', 'errors', 'ignored']);
    expect(body.changes[0]).toMatchObject({
      kind: 'securityRule',
      operation: 'write',
      eventId: JSON.parse(readFileSync(ex('events/open-ssh.securityRules-write.eventgrid.json'), 'utf8'))[0].id,
      resourceId: expect.stringMatching(/\/networksecuritygroups\/nsg-ml-training\/securityrules\/allow-ssh-anywhere$/),
      actor: { type: 'user', objectId: '3f6a9c2e-1d4b-4e7a-b5c8-0e9f2a7d6b13', upn: 'alice@contoso.example' },
    });
  });

  test('events exits 5 and still prints good events when some are malformed', async () => {
    const good = JSON.parse(readFileSync(ex('events/open-ssh.securityRules-write.eventgrid.json'), 'utf8'))[0];
    const file = join(tmp, 'mixed.json');
    writeFileSync(file, JSON.stringify([good, { ...good, id: 'bad-1', data: undefined }, { ...good, id: 'good-2' }]));
    const h = harness();
    expect(await runCli(['events', file, '--format', 'json'], h.io)).toBe(5);
    const body = h.json();
    expect(body.changes.map((c: { eventId: string }) => c.eventId)).toEqual([good.id, 'good-2']);
    expect(body.errors[0]).toMatchObject({ index: 1, eventId: 'bad-1', field: 'data' });
    expect(h.err.join('\n')).toContain('1 event(s)');
  });

  test('exposure --format json lists concrete protocols with source classes', async () => {
    const h = harness();
    expect(await runCli(['exposure', ex('nsg-ml-training.drifted.json'), '--format', 'json'], h.io)).toBe(0);
    const { nsgs } = h.json();
    expect(nsgs).toHaveLength(1);
    expect(nsgs[0].name).toBe('nsg-ml-training');
    expect(nsgs[0].inbound).toContainEqual({ protocol: 'Tcp', fromPort: 22, toPort: 22, sourceClass: 'internet', sources: ['*'], rule: 'allow-ssh-anywhere' });
    expect(nsgs[0].inbound).toContainEqual(
      expect.objectContaining({ protocol: 'Tcp', fromPort: 44224, toPort: 44224, sourceClass: 'serviceTag', sources: ['AzureMachineLearning'] }),
    );
    const protocols = new Set(nsgs[0].inbound.map((e: { protocol: string }) => e.protocol));
    expect([...protocols].sort()).toEqual(['Ah', 'Esp', 'Icmp', 'Tcp', 'Udp']);
  });

  test('exposure reads list bodies from the corpus', async () => {
    const h = harness();
    const file = join(CORPUS, 'arm', 'network', 'nsg-list-all.subscription.api-2020-08-01.c7n-recorded.json');
    expect(await runCli(['exposure', file, '--format', 'json'], h.io)).toBe(0);
    expect(h.json().nsgs.length).toBeGreaterThan(0);
  });

  test('evaluate --format json: contract and exit code 4 on unsafe drift', async () => {
    const h = harness();
    const code = await runCli(
      [
        'evaluate',
        '--event', ex('events/open-ssh.securityRules-write.eventgrid.json'),
        '--current', ex('nsg-ml-training.drifted.json'),
        '--baseline', baselineFile,
        '--policy', ex('ml-workspace.policy.yaml'),
        '--format', 'json',
      ],
      h.io,
    );
    expect(code).toBe(4);
    const body = h.json();
    expect(body.resourceId).toMatch(/nsg-ml-training$/);
    expect(body.unsafe).toBe(true);
    expect(body.drift).toEqual([
      {
        type: 'added',
        rule: 'allow-ssh-anywhere',
        after: {
          priority: 200, direction: 'Inbound', access: 'Allow', protocol: 'Tcp', sourcePorts: ['*'], destinationPorts: ['22'],
          sources: ['*'], destinations: ['*'], description: 'temporary, for debugging the training job',
        },
      },
    ]);
    expect(body.findings[0]).toMatchObject({ severity: 'critical', rule: 'allow-ssh-anywhere', title: expect.stringContaining('SSH') });
    expect(body.findings[0].exposure[0]).toMatchObject({ protocol: 'Tcp', fromPort: 22, toPort: 22, sourceClass: 'internet' });
    expect(body.plan).toMatchObject({ mode: 'approve', hash: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(body.plan.actions).toEqual([expect.objectContaining({ type: 'deleteSecurityRule', rule: 'allow-ssh-anywhere' })]);
    expect(body.change.actor.upn).toBe('alice@contoso.example');
  });

  test('evaluate text output shows the diff, the exposure and the plan; exit 0 when clean', async () => {
    const dirty = harness();
    expect(await runCli(['evaluate', '--current', ex('nsg-ml-training.drifted.json'), '--baseline', baselineFile], dirty.io)).toBe(4);
    const text = dirty.out.join('\n');
    expect(text).toContain('+ allow-ssh-anywhere: Allow Inbound Tcp from * to * port 22 (priority 200)');
    expect(text).toContain('[CRITICAL] SSH (22/Tcp) reachable from the Internet');
    expect(text).toContain("1. delete rule 'allow-ssh-anywhere'");
    const clean = harness();
    expect(await runCli(['evaluate', '--current', ex('nsg-ml-training.json'), '--baseline', ex('nsg-ml-training.json')], clean.io)).toBe(0);
    expect(clean.out.join('\n')).toContain('(none: the NSG matches its baseline)');
  });

  test('evaluate refuses an event for another NSG', async () => {
    const h = harness();
    const other = JSON.parse(readFileSync(ex('events/open-ssh.securityRules-write.eventgrid.json'), 'utf8'));
    other[0].data.resourceUri = other[0].subject = other[0].subject.replace('nsg-ml-training', 'nsg-other');
    const file = join(tmp, 'other-event.json');
    writeFileSync(file, JSON.stringify(other));
    expect(await runCli(['evaluate', '--event', file, '--current', ex('nsg-ml-training.drifted.json'), '--baseline', baselineFile], h.io)).toBe(3);
    expect(h.err.join('')).toContain('event.resourceId');
  });

  test('baseline capture never overwrites blindly', async () => {
    const h1 = harness();
    expect(await runCli(['baseline', 'capture', ex('nsg-ml-training.json'), '--out', baselineFile], h1.io)).toBe(3);
    expect(h1.err.join('')).toContain('pass --expect-version 1 to replace it with version 2');
    const h2 = harness();
    expect(await runCli(['baseline', 'capture', ex('nsg-ml-training.json'), '--out', baselineFile, '--expect-version', '7'], h2.io)).toBe(3);
    expect(h2.err.join('')).toContain('stored baseline, which is at version 1');
    const copy = join(tmp, 'baseline-copy.json');
    writeFileSync(copy, readFileSync(baselineFile));
    const h3 = harness();
    expect(await runCli(['baseline', 'capture', ex('nsg-ml-training.drifted.json'), '--out', copy, '--expect-version', '1'], h3.io)).toBe(0);
    const doc = JSON.parse(readFileSync(copy, 'utf8'));
    expect(doc.version).toBe(2);
    expect(doc.capturedAt).toBe('2026-12-03T10:00:00.000Z');
  });

  test('usage and input errors have their own exit codes and plain messages', async () => {
    const cases: [string[], number, RegExp][] = [
      [['frobnicate'], 2, /unknown command "frobnicate"/],
      [['events'], 2, /missing the delivery file/],
      [['events', 'x.json', '--colour'], 2, /unknown option --colour/],
      [['events', ex('nsg-ml-training.json'), '--format', 'yaml'], 2, /--format must be "text" or "json"/],
      [['exposure', join(tmp, 'missing.json')], 3, /missing.json.*does not exist/],
      [['evaluate', '--current', ex('nsg-ml-training.json')], 2, /missing --baseline/],
      [['policy', 'check', ex('nsg-ml-training.json')], 3, /is not valid:\n {2}name: is not a known field/],
      [['baseline', 'capture', ex('nsg-ml-training.json'), '--expect-version', '1'], 2, /--expect-version only makes sense with --out/],
      [['baseline', 'capture', ex('nsg-ml-training.json'), '--out', join(tmp, 'nope.json'), '--expect-version', '3'], 3, /does not exist, so there is no version 3 to replace/],
      [['audit', '--type', 'bogus', '--data-dir', tmp], 2, /--type must be one of driftDetected, /],
      [['audit', '--data-dir', join(tmp, 'no-such-dir')], 3, /holds no driftwarden state/],
      [['undo', 'x', '--data-dir', join(tmp, 'no-such-dir')], 3, /DRIFTWARDEN_AZURE_TARGET is not set/],
    ];
    for (const [argv, code, pattern] of cases) {
      const h = harness();
      expect([argv, await runCli(argv, h.io)]).toEqual([argv, code]);
      expect(h.err.join('\n')).toMatch(pattern);
    }
  });

  test('--help after any command prints the usage', async () => {
    const h = harness();
    expect(await runCli(['evaluate', '--help'], h.io)).toBe(0);
    expect(h.out.join('')).toContain('driftwarden evaluate --current');
  });

  test('policy check and policy default', async () => {
    const h = harness();
    expect(await runCli(['policy', 'check', ex('ml-workspace.policy.yaml')], h.io)).toBe(0);
    expect(h.out.join('')).toContain('valid. 2 allowed prefix(es)');
    const d = harness();
    expect(await runCli(['policy', 'default', '--format', 'json'], d.io)).toBe(0);
    expect(d.json().modes.critical).toBe('approve');
  });
});
