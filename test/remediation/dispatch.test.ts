import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DurableClient } from 'durable-functions';
import type { NormalizedChange } from '../../src/events/types';
import { FileAuditLog } from '../../src/gateways/local/fileAuditLog';
import { dispatchChanges, isOwnWrite } from '../../src/remediation/dispatch';
import { nsgInstanceId } from '../../src/remediation/instanceId';
import { planCoveredBy } from '../../src/remediation/planCoverage';
import type { RemediationPlan } from '../../src/plan/types';

const NSG = '/subscriptions/s1/resourcegroups/rg/providers/microsoft.network/networksecuritygroups/nsg-a';
const SELF = { objectIds: ['B2E6C0A48F3D4B7EA1C96D5F3E8B2A70'], appIds: ['6c0a4e8b-3f7d-4a1c-9e5b-8f2d6a0c4e93'] };

function change(over: Partial<NormalizedChange> = {}): NormalizedChange {
  return {
    eventId: 'e1', source: '/subscriptions/s1', schema: 'eventGrid', eventType: 'Microsoft.Resources.ResourceWriteSuccess',
    kind: 'securityRule', operation: 'write', status: 'succeeded', resourceId: `${NSG}/securityrules/r1`, nsgId: NSG, ruleName: 'r1',
    time: '2026-12-03T10:00:00Z', actor: { type: 'user', objectId: '3f6a9c2e-1d4b-4e7a-b5c8-0e9f2a7d6b13', upn: 'alice@contoso.example' },
    ...over,
  };
}

function fakeClient(running: Set<string>) {
  const calls: string[] = [];
  const client = {
    getStatus: async (id: string) => {
      if (!running.has(id)) throw new Error('DurableClient error: Durable Functions extension replied with HTTP 404 response.');
      return { runtimeStatus: 'Running' };
    },
    startNew: async (name: string, o: { instanceId: string; input: unknown }) => {
      calls.push(`start ${name} ${o.instanceId} ${JSON.stringify((o.input as { change: { eventId: string } }).change.eventId)}`);
      return o.instanceId;
    },
    raiseEvent: async (id: string, name: string, data: { type: string; change: { eventId: string } }) => {
      calls.push(`raise ${id} ${name} ${data.type} ${data.change.eventId}`);
    },
  } as unknown as DurableClient;
  return { client, calls };
}

describe('dispatch from the intake', () => {
  const audit = () => new FileAuditLog(mkdtempSync(join(tmpdir(), 'dw-dispatch-')));
  const now = () => new Date('2026-12-03T10:00:01Z');

  test('starts one orchestration per NSG, for the newest change of a batch', async () => {
    const { client, calls } = fakeClient(new Set());
    const result = await dispatchChanges([change({ eventId: 'e1' }), change({ eventId: 'e2', time: '2026-12-03T10:00:05Z' }), change({ eventId: 'e0', time: '2026-12-03T09:59:00Z' })], client, { self: SELF, audit: audit(), now });
    expect(calls).toEqual([`start nsgRemediation ${nsgInstanceId(NSG)} "e2"`]);
    expect(result.started).toEqual([{ nsgId: NSG, instanceId: nsgInstanceId(NSG), eventId: 'e2' }]);
  });

  test('signals the running orchestration instead of starting a second one', async () => {
    const { client, calls } = fakeClient(new Set([nsgInstanceId(NSG)]));
    const result = await dispatchChanges([change()], client, { self: SELF, audit: audit(), now });
    expect(calls).toEqual([`raise ${nsgInstanceId(NSG)} RemediationEvent signal e1`]);
    expect(result.signaled).toHaveLength(1);
  });

  test("driftwarden's own writes are recorded and not dispatched (GUIDs compared with or without dashes)", async () => {
    const log = audit();
    const { client, calls } = fakeClient(new Set());
    const own = change({ actor: { type: 'managedIdentity', objectId: 'b2e6c0a4-8f3d-4b7e-a1c9-6d5f3e8b2a70', appId: '6c0a4e8b-3f7d-4a1c-9e5b-8f2d6a0c4e93' } });
    expect(isOwnWrite(own, SELF)).toBe(true);
    expect(isOwnWrite(change(), SELF)).toBe(false);
    const result = await dispatchChanges([own], client, { self: SELF, audit: log, now });
    expect(calls).toEqual([]);
    expect(result.selfWrites).toEqual([{ eventId: 'e1', resourceId: `${NSG}/securityrules/r1` }]);
    expect((await log.list()).map((r) => [r.type, r.resourceId])).toEqual([['selfWriteIgnored', NSG]]);
  });

  test('failed operations are skipped; kinds not evaluated yet are skipped and recorded with their actor', async () => {
    const log = audit();
    const { client, calls } = fakeClient(new Set());
    const grant = change({ kind: 'roleAssignment', eventId: 'ra', resourceId: '/subscriptions/s1/providers/microsoft.authorization/roleassignments/x', operationName: 'Microsoft.Authorization/roleAssignments/write' });
    const result = await dispatchChanges([change({ status: 'failed' }), grant], client, { self: SELF, audit: log, now });
    expect(calls).toEqual([]);
    expect(result.skipped.map((s) => s.reason)).toEqual([
      'the operation failed; nothing changed',
      'roleAssignment changes are recorded but not evaluated by this version (it remediates NSGs)',
    ]);
    const records = await log.list();
    expect(records.map((r) => [r.type, r.eventId, r.actor?.upn])).toEqual([['changeNotEvaluated', 'ra', 'alice@contoso.example']]);
    expect(records[0]!.detail).toBe('Microsoft.Authorization/roleAssignments/write: roleAssignment changes are recorded but not evaluated by this version (it remediates NSGs)');
  });

  test('instance ids are stable, case-insensitive and legal for Durable', () => {
    const id = nsgInstanceId(NSG.toUpperCase());
    expect(id).toBe(nsgInstanceId(NSG));
    expect(id).toMatch(/^nsg-nsg-a-[0-9a-f]{20}$/);
  });
});

describe('plan coverage', () => {
  const base = { kind: 'networkSecurityGroup' as const, hash: 'h', resourceId: NSG, mode: 'approve' as const, baselineVersion: 1, findings: [], warnings: [] };
  const del = (rule: string) => ({ type: 'deleteSecurityRule' as const, rule, reason: 'x', before: { name: rule, properties: {} } });
  const create = (rule: string, port: string) => ({ type: 'createSecurityRule' as const, rule, reason: 'x', after: { name: rule, properties: { destinationPortRange: port } } });
  const approved: RemediationPlan = { ...base, actions: [del('a'), del('b'), create('deny', '*')] };

  test('a re-plan with a subset of the approved actions is covered', () => {
    expect(planCoveredBy({ ...base, hash: 'h2', actions: [del('B')] }, approved)).toBe(true);
    expect(planCoveredBy({ ...base, hash: 'h2', actions: [create('deny', '*')] }, approved)).toBe(true);
  });

  test('anything new, or a different target state, needs a new approval', () => {
    expect(planCoveredBy({ ...base, actions: [del('c')] }, approved)).toBe(false);
    expect(planCoveredBy({ ...base, actions: [create('deny', '22')] }, approved)).toBe(false);
    expect(planCoveredBy({ ...base, actions: [del('a')] }, undefined)).toBe(false);
  });
});
