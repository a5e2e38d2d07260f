/**
 * The audit log on local disk: one JSON record per line in `<dir>/audit.jsonl`, appended, never rewritten.
 * Each record is one `appendFileSync` call (O_APPEND), so concurrent appends do not interleave within a line; a
 * crash mid-write can leave a torn last line, which readers skip instead of failing.
 */
import { randomBytes } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AuditRecord, AuditRecordInput } from '../../audit/types';
import type { AuditLog } from '../types';

export class FileAuditLog implements AuditLog {
  private readonly file: string;

  constructor(dir: string) {
    mkdirSync(dir, { recursive: true });
    this.file = join(dir, 'audit.jsonl');
  }

  async append(input: AuditRecordInput): Promise<AuditRecord> {
    const record: AuditRecord = { id: `${input.time.replace(/[-:.]/g, '')}~${randomBytes(4).toString('hex')}`, ...input };
    appendFileSync(this.file, `${JSON.stringify(record)}\n`);
    return record;
  }

  async list(filter: { resourceId?: string; instanceId?: string; type?: string } = {}): Promise<AuditRecord[]> {
    if (!existsSync(this.file)) return [];
    const records: AuditRecord[] = [];
    for (const line of readFileSync(this.file, 'utf8').split('\n')) {
      if (line.trim().length === 0) continue;
      let record: AuditRecord;
      try {
        record = JSON.parse(line) as AuditRecord;
      } catch {
        continue; // a torn line from a crash mid-append
      }
      if (filter.resourceId && record.resourceId !== filter.resourceId.toLowerCase()) continue;
      if (filter.instanceId && record.instanceId !== filter.instanceId) continue;
      if (filter.type && record.type !== filter.type) continue;
      records.push(record);
    }
    return records;
  }

  async get(id: string): Promise<AuditRecord | undefined> {
    return (await this.list()).find((r) => r.id === id);
  }
}
