/**
 * Baselines on local disk: `<dir>/<key>/v<N>.json`, one file per version, never rewritten. The current baseline is
 * the highest version. A version is written to a temporary file, flushed, then hard-linked into place: the link fails
 * if the version exists, so two writers racing for the same next version cannot both win (the loser gets
 * BaselineConflictError), and a crash never leaves a half-written version behind.
 */
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, linkSync, mkdirSync, openSync, readdirSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
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
    let data: unknown;
    try {
      data = JSON.parse(readFileSync(path, 'utf8'));
    } catch (err) {
      throw new Error(`the baseline file ${path} cannot be read (${(err as Error).message}); restore it from a backup or remove it to fall back to the previous version`, { cause: err });
    }
    return parseNsgBaseline(data, path);
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
    const tmp = join(folder, `.v${baseline.version}.${randomBytes(4).toString('hex')}.tmp`);
    const fd = openSync(tmp, 'wx', 0o600);
    try {
      writeSync(fd, `${JSON.stringify(baseline, null, 2)}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    try {
      linkSync(tmp, join(folder, `v${baseline.version}.json`));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new BaselineConflictError(baseline.resourceId, expectedVersion, baseline.version);
      throw err;
    } finally {
      unlinkSync(tmp);
    }
  }

  async history(resourceId: string): Promise<NsgBaseline[]> {
    return this.versions(resourceId).map((v) => this.read(resourceId, v));
  }

  /**
   * The current baseline of every resource. One unreadable file does not hide the others: it is reported to
   * `onUnreadable` (the sweep logs it) and skipped.
   */
  async list(onUnreadable: (path: string, error: string) => void = () => undefined): Promise<NsgBaseline[]> {
    if (!existsSync(this.dir)) return [];
    const out: NsgBaseline[] = [];
    for (const folder of readdirSync(this.dir).sort()) {
      const versions = readdirSync(join(this.dir, folder))
        .map((f) => /^v(\d+)\.json$/.exec(f)?.[1])
        .filter((v): v is string => v !== undefined)
        .map(Number)
        .sort((a, b) => a - b);
      const latest = versions[versions.length - 1];
      if (latest === undefined) continue;
      const path = join(this.dir, folder, `v${latest}.json`);
      try {
        out.push(parseNsgBaseline(JSON.parse(readFileSync(path, 'utf8')), path));
      } catch (err) {
        onUnreadable(path, (err as Error).message);
      }
    }
    return out;
  }
}
