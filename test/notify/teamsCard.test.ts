import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { captureNsgBaseline } from '../../src/baseline/document';
import { describeDrift } from '../../src/evaluate/describe';
import { evaluateNsg } from '../../src/evaluate/evaluateNsg';
import { normalizeDelivery } from '../../src/events';
import { actorLine, teamsMessage } from '../../src/notify/teamsCard';
import { parsePolicyText } from '../../src/policy/loadPolicy';
import { EXAMPLES, exampleJson } from '../helpers/examples';

function sampleNotice() {
  const policy = parsePolicyText(readFileSync(join(EXAMPLES, 'ml-workspace.policy.yaml'), 'utf8'), 'p.yaml');
  const baseline = captureNsgBaseline(exampleJson('nsg-ml-training.json'), { capturedAt: '2026-12-01T00:00:00Z', source: { type: 'file' } });
  const change = normalizeDelivery(readFileSync(join(EXAMPLES, 'events', 'open-ssh.securityRules-write.eventgrid.json'), 'utf8')).changes[0]!;
  const e = evaluateNsg({ current: exampleJson('nsg-ml-training.drifted.json'), baseline, policy, now: '2026-12-03T10:00:00Z', change });
  return {
    stage: 'awaitingApproval' as const,
    resourceId: e.resourceId,
    resourceName: 'nsg-ml-training',
    actor: change.actor,
    changedAt: change.time,
    severity: e.plan.severity!,
    findings: e.findings.map((f) => ({ title: f.title, severity: f.severity })),
    drift: e.drift.map(describeDrift),
    exposureAdded: e.exposureAdded,
    plan: { hash: e.plan.hash, mode: e.plan.mode, actions: e.plan.actions },
    links: {
      review: 'https://dw.example/api/approvals/nsg-1?t=abc',
      approve: 'https://dw.example/api/approvals/nsg-1?t=abc&intent=approve',
      reject: 'https://dw.example/api/approvals/nsg-1?t=abc&intent=reject',
      accept: 'https://dw.example/api/approvals/nsg-1?t=abc&intent=accept',
    },
  };
}

describe('Teams card', () => {
  test('a Workflows message with an Adaptive Card 1.4 showing who, what, exposure and plan', () => {
    const message = teamsMessage(sampleNotice());
    expect(message.type).toBe('message');
    const [attachment] = message.attachments as Record<string, any>[];
    expect(attachment!.contentType).toBe('application/vnd.microsoft.card.adaptive');
    const card = attachment!.content;
    expect(card.type).toBe('AdaptiveCard');
    expect(card.version).toBe('1.4');
    const text = JSON.stringify(card);
    expect(card.body[0].text).toBe('Approval needed: drift will be reverted · CRITICAL');
    expect(card.body[2].facts).toEqual(
      expect.arrayContaining([
        { title: 'Changed by', value: 'alice@contoso.example (user, app 04b07795-8ddb-461a-bbee-02f9e1bf7b46, from 198.51.100.23)' },
        { title: 'When', value: sampleNotice().changedAt },
        { title: 'Mode', value: 'approve' },
      ]),
    );
    expect(text).toContain('+ allow-ssh-anywhere: Allow Inbound Tcp from \\\\* to \\\\* port 22 (priority 200)');
    expect(text).toContain('not reachable → **reachable**');
    expect(text).toContain("Delete rule 'allow-ssh-anywhere'");
    expect(card.actions.map((a: { type: string; title: string }) => [a.type, a.title])).toEqual([
      ['Action.OpenUrl', 'Review plan'],
      ['Action.OpenUrl', 'Approve revert…'],
      ['Action.OpenUrl', 'Reject…'],
      ['Action.OpenUrl', 'Accept as baseline…'],
    ]);
    expect(text.length).toBeLessThan(28_000);
  });

  test('cards never carry claims beyond the actor line', () => {
    const text = JSON.stringify(teamsMessage(sampleNotice()));
    for (const secretish of ['puid', 'aio', 'nameidentifier', '2BE1A99CBBE5529F', 'Bearer', 'sig=']) expect(text).not.toContain(secretish);
  });

  test('long lists are cut to keep the card small', () => {
    const notice = sampleNotice();
    const entry = notice.exposureAdded[0]!;
    notice.exposureAdded = Array.from({ length: 200 }, (_, i) => ({ ...entry, fromPort: 1000 + i, toPort: 1000 + i }));
    const text = JSON.stringify(teamsMessage(notice));
    expect(text).toContain('…and 190 more');
    expect(text.length).toBeLessThan(28_000);
  });

  test('actor lines for each kind of caller', () => {
    expect(actorLine({ type: 'servicePrincipal', appId: 'app-1', objectId: 'o' })).toBe('app app-1 (service principal)');
    expect(actorLine({ type: 'managedIdentity', appId: 'app-2', name: 'id-driftwarden' })).toBe('id-driftwarden (managed identity)');
    expect(actorLine({ type: 'unknown' })).toBe('unidentified (unknown caller)');
  });
});
