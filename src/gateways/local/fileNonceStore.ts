/**
 * Single-use markers as files created with the exclusive flag: the file system decides who was first. Each holds
 * the record of what the nonce was used for, written before the file is linked into place so a reader never sees a
 * half-written one.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NonceStore } from '../types';

export class FileNonceStore implements NonceStore {
  constructor(private readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  private path(nonce: string): string {
    return join(this.dir, createHash('sha256').update(nonce).digest('hex'));
  }

  async claim(nonce: string, record: Record<string, unknown>): Promise<boolean> {
    const final = this.path(nonce);
    const tmp = `${final}.${randomBytes(4).toString('hex')}.tmp`;
    writeFileSync(tmp, JSON.stringify(record), { mode: 0o600 });
    try {
      linkSync(tmp, final);
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw err;
    } finally {
      unlinkSync(tmp);
    }
  }

  async read(nonce: string): Promise<Record<string, unknown> | undefined> {
    const path = this.path(nonce);
    if (!existsSync(path)) return undefined;
    return JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  }
}
