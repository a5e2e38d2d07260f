/**
 * Whole-file writes that never leave a half-written file behind: write a temporary file next to the target, then
 * rename it over the target (atomic on one file system). Synchronous on purpose: a state write finishes before the
 * host hands out the work it records, and a killed host never interrupts one midway.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export const TMP_SUFFIX = '.tmp';

export function writeJsonAtomic(file: string, value: unknown): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}${TMP_SUFFIX}`;
  try {
    fs.writeFileSync(tmp, `${JSON.stringify(value, null, 1)}\n`);
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}
