import { appendFileSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { captureNsgBaseline } from '../../src/baseline/document';
import { FileAuditLog } from '../../src/gateways/local/fileAuditLog';
import { FileBaselineStore } from '../../src/gateways/local/fileBaselineStore';
import { FileNonceStore } from '../../src/gateways/local/fileNonceStore';
import { BaselineConflictError } from '../../src/gateways/types';
import { exampleJson } from '../helpers/examples';

const dir = () => mkdtempSync(join(tmpdir(), 'dw-stores-'));

describe('file baseline store', () => {
  const body = exampleJson('nsg-ml-training.json');
  const v1 = captureNsgBaseline(body, { capturedAt: '2026-12-01T00:00:00Z', source: { type: 'azure' } });
  const v2 = captureNsgBaseline(body, { capturedAt: '2026-12-02T00:00:00Z', source: { type: 'accepted', by: 'sam' }, previousVersion: 1 });

  test('versions, history, and optimistic concurrency', async () => {
    const store = new FileBaselineStore(dir());
    expect(await store.get(v1.resourceId)).toBeUndefined();
    await store.put(v1, null);
    await expect(store.put(v1, null)).rejects.toBeInstanceOf(BaselineConflictError);
    await expect(store.put(v2, 7)).rejects.toThrow(/is at version 1, not 7: it was changed meanwhile/);
    await store.put(v2, 1);
    expect((await store.get(v1.resourceId.toUpperCase()))?.version).toBe(2);
    expect((await store.history(v1.resourceId)).map((b) => [b.version, b.source.type])).toEqual([[1, 'azure'], [2, 'accepted']]);
    expect((await store.list()).map((b) => b.version)).toEqual([2]);
  });

  test('two writers racing for the same next version: exactly one wins', async () => {
    const store = new FileBaselineStore(dir());
    await store.put(v1, null);
    const results = await Promise.allSettled([store.put(v2, 1), store.put({ ...v2, capturedAt: '2026-12-02T00:00:01Z' }, 1)]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(results.filter((r) => r.status === 'rejected')).toHaveLength(1);
  });
});

describe('file audit log', () => {
  test('appends, filters, finds by id, and survives a torn last line', async () => {
    const d = dir();
    const log = new FileAuditLog(d);
    const a = await log.append({ type: 'driftDetected', resourceId: '/x/nsg-a', time: '2026-12-03T10:00:00.000Z', instanceId: 'i1' });
    await log.append({ type: 'remediated', resourceId: '/x/nsg-b', time: '2026-12-03T10:00:01.000Z', instanceId: 'i2' });
    appendFileSync(join(d, 'audit.jsonl'), '{"type":"remedi');
    expect(a.id).toMatch(/^20261203T100000000Z~[0-9a-f]{8}$/);
    expect((await log.list()).map((r) => r.type)).toEqual(['driftDetected', 'remediated']);
    expect((await log.list({ resourceId: '/X/NSG-B' })).map((r) => r.instanceId)).toEqual(['i2']);
    expect((await log.list({ type: 'driftDetected' })).length).toBe(1);
    expect((await log.get(a.id))?.instanceId).toBe('i1');
  });
});

describe('nonce store', () => {
  test('a nonce can be claimed once, even by racing callers', async () => {
    const store = new FileNonceStore(dir());
    const claims = await Promise.all([1, 2, 3].map((i) => store.claim('n1', { by: i })));
    expect(claims.filter(Boolean)).toHaveLength(1);
    expect(await store.read('n1')).toEqual({ by: claims.indexOf(true) + 1 });
    expect(await store.claim('n2', {})).toBe(true);
    expect(await store.read('n3')).toBeUndefined();
  });
});

describe('file baseline store: a torn file', () => {
  test('names the file on read, and list() skips it without hiding the others', async () => {
    const d = dir();
    const store = new FileBaselineStore(d);
    const a = captureNsgBaseline(exampleJson('nsg-ml-training.json'), { capturedAt: '2026-12-01T00:00:00Z', source: { type: 'azure' } });
    const other = { ...exampleJson('nsg-ml-training.json'), id: (exampleJson('nsg-ml-training.json').id as string).replace('nsg-ml-training', 'nsg-other') };
    const b = captureNsgBaseline(other, { capturedAt: '2026-12-01T00:00:00Z', source: { type: 'azure' } });
    await store.put(a, null);
    await store.put(b, null);
    const folder = readdirSync(d).find((f) => f.startsWith('nsg-ml-training'))!;
    writeFileSync(join(d, folder, 'v2.json'), '{"kind":"driftwarden.base');
    await expect(store.get(a.resourceId)).rejects.toThrow(/v2\.json cannot be read/);
    const problems: string[] = [];
    expect((await store.list((path) => problems.push(path))).map((x) => x.resourceId)).toEqual([b.resourceId]);
    expect(problems).toEqual([join(d, folder, 'v2.json')]);
  });
});
