/** Instance files: one per instance, written atomically; loaded once when a host starts. */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { TMP_SUFFIX, writeJsonAtomic } from '../fsAtomic';
import { FORMAT_VERSION, type InstanceRecord } from './types';

export class InstanceStore {
  readonly dir: string;

  constructor(dir: string) {
    this.dir = dir;
  }

  /** Readable prefix plus a hash: instance ids may hold any character, and file systems may ignore case. */
  fileFor(instanceId: string): string {
    const readable = instanceId.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 80);
    const hash = createHash('sha256').update(instanceId).digest('hex').slice(0, 16);
    return path.join(this.dir, `${readable}-${hash}.json`);
  }

  save(record: InstanceRecord): void {
    writeJsonAtomic(this.fileFor(record.instanceId), record);
  }

  delete(instanceId: string): void {
    fs.rmSync(this.fileFor(instanceId), { force: true });
  }

  /** Every stored instance; leftovers of interrupted writes are removed. Throws naming a file that cannot be used. */
  loadAll(): InstanceRecord[] {
    let entries: string[];
    try {
      entries = fs.readdirSync(this.dir);
    } catch {
      return [];
    }
    const records: InstanceRecord[] = [];
    for (const entry of entries) {
      const file = path.join(this.dir, entry);
      if (entry.endsWith(TMP_SUFFIX)) {
        fs.rmSync(file, { force: true });
        continue;
      }
      if (!entry.endsWith('.json')) continue;
      let record: InstanceRecord;
      try {
        record = JSON.parse(fs.readFileSync(file, 'utf8')) as InstanceRecord;
      } catch (err) {
        throw new Error(`durable state file ${file} is not valid JSON: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
      }
      if (record.formatVersion !== FORMAT_VERSION || typeof record.instanceId !== 'string' || !Array.isArray(record.history)) {
        throw new Error(`durable state file ${file} has an unknown format (formatVersion ${String(record.formatVersion)})`);
      }
      records.push(record);
    }
    return records;
  }
}
