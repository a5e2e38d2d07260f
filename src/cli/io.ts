/** What a command may touch. Tests pass their own; the real one writes to the process streams and the disk. */
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { InputError } from '../errors';

export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  readText(path: string): string;
  writeText(path: string, text: string): void;
  exists(path: string): boolean;
  /** ISO 8601 now. */
  now(): string;
  env: Record<string, string | undefined>;
}

export function processIo(): CliIo {
  return {
    stdout: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
    stderr: (text) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
    readText: (path) => {
      try {
        return readFileSync(path, 'utf8');
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        throw new InputError(path, path, code === 'ENOENT' ? 'does not exist' : `cannot be read (${code ?? String(err)})`, { omitValue: true });
      }
    },
    writeText: (path, text) => {
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, text);
    },
    exists: (path) => existsSync(path),
    now: () => new Date().toISOString(),
    env: process.env,
  };
}

/** Reads and parses a JSON file; errors name the file and where the JSON broke. */
export function readJson(io: CliIo, path: string, what: string): unknown {
  const text = io.readText(path);
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new InputError(what, path, `is not valid JSON: ${(err as Error).message}`);
  }
}
