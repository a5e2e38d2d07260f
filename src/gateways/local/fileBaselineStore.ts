/**
 * Baselines on local disk: `<dir>/<key>/v<N>.json`, one file per version, never rewritten. The current baseline is
 * the highest version. A version file is created with the exclusive flag, so two writers racing for the same next
 * version cannot both win: the loser gets BaselineConflictError.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { normalizeResourceId } from '../../arm/resourceId';
import { type NsgBaseline, parseNsgBaseline } from '../../baseline/document';
import { BaselineConflictError, type BaselineStore } from '../types';

export class FileBaselineStore implements BaselineStore {
  constructor(private readonly dir: string) {}

  private folder(resourceId: string): string {
    const id = normalizeResourceId(resourceId);
    const name = id.split('/').pop() ?? 'resource';
    return join(this.dir, `${name}-${createHash('sha256').update(id).digest('hex').slice(0, 16)}`);
  }

  private versions(resourceId: string): number[] {
    const folder = this.folder(resourceId);
    if (!existsSync(folder)) return [];
    return readdirSync(folder)
      .map((f) => /^v(\d+)\.json$/.exec(f)?.[1])
      .filter((v): v is string => v !== undefined)
      .map(Number)
      .sort((a, b) => a - b);
  }

  private read(resourceId: string, version: number): NsgBaseline {
    const path = join(this.folder(resourceId), `v${version}.json`);
    return parseNsgBaseline(JSON.parse(readFileSync(path, 'utf8')), path);
  }

  async get(resourceId: string): Promise<NsgBaseline | undefined> {
    const versions = this.versions(resourceId);
    const latest = versions[versions.length - 1];
    return latest === undefined ? undefined : this.read(resourceId, latest);
  }

  async put(baseline: NsgBaseline, expectedVersion: number | null): Promise<void> {
    const versions = this.versions(baseline.resourceId);
    const current = versions[versions.length - 1] ?? null;
    if (current !== expectedVersion) throw new BaselineConflictError(baseline.resourceId, expectedVersion, current);
    const folder = this.folder(baseline.resourceId);
    mkdirSync(folder, { recursive: true });
    try {
      writeFileSync(join(folder, `v${baseline.version}.json`), `${JSON.stringify(baseline, null, 2)}\n`, { flag: 'wx' });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new BaselineConflictError(baseline.resourceId, expectedVersion, baseline.version);
      throw err;
    }
  }

  async history(resourceId: string): Promise<NsgBaseline[]> {
    return this.versions(resourceId).map((v) => this.read(resourceId, v));
  }

  async list(): Promise<NsgBaseline[]> {
    if (!existsSync(this.dir)) return [];
    const out: NsgBaseline[] = [];
    for (const folder of readdirSync(this.dir).sort()) {
      const versions = readdirSync(join(this.dir, folder))
        .map((f) => /^v(\d+)\.json$/.exec(f)?.[1])
        .filter((v): v is string => v !== undefined)
        .map(Number)
        .sort((a, b) => a - b);
      const latest = versions[versions.length - 1];
      if (latest !== undefined) {
        const path = join(this.dir, folder, `v${latest}.json`);
        out.push(parseNsgBaseline(JSON.parse(readFileSync(path, 'utf8')), path));
      }
    }
    return out;
  }
}
