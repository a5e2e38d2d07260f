/**
 * `<dataDir>/local.json`: where a running local stack can be found, so other commands (`simulate`, `audit`, `undo`)
 * work against it without flags. Holds endpoints and file paths only — no keys, no tokens.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../../src/errors';

export interface StackFile {
  /** The browser-facing URL (front server). */
  frontUrl: string;
  /** The local Functions host. */
  hostUrl: string;
  emulatorUrl: string;
  caFile: string;
  /** driftwarden's state: baselines, audit log, nonces. */
  stateDir: string;
  subscriptionIds: string[];
  /** Claims driftwarden acts with against the emulator (its managed identity). */
  selfClaims: Record<string, unknown>;
  pid: number;
  startedAt: string;
}

export function stackFilePath(dataDir: string): string {
  return join(dataDir, 'local.json');
}

export function readStackFile(dataDir: string): StackFile {
  const path = stackFilePath(dataDir);
  if (!existsSync(path)) {
    throw new InputError(path, path, 'does not exist: start the local stack first (`npm start`), or pass --data-dir where it runs', { omitValue: true });
  }
  return JSON.parse(readFileSync(path, 'utf8')) as StackFile;
}
