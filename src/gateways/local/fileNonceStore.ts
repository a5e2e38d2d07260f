/** Single-use markers as files created with the exclusive flag: the file system decides who was first. */
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NonceStore } from '../types';

export class FileNonceStore implements NonceStore {
  constructor(private readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  async claim(nonce: string): Promise<boolean> {
    const name = createHash('sha256').update(nonce).digest('hex');
    try {
      writeFileSync(join(this.dir, name), '', { flag: 'wx' });
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw err;
    }
  }
}
