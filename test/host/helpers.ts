/** Shared plumbing for the local host tests: temp data folders, hosts on ephemeral ports, small HTTP helpers. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { silentLogger, startLocalHost, type LocalHostOptions, type RunningHost } from '../../local/host';
import type { FunctionRegistry } from '../../local/host';

export const FIXTURE_APP = path.join(__dirname, 'fixtures', 'app.ts');

const dirs: string[] = [];

export function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dw-host-'));
  dirs.push(dir);
  return dir;
}

export function removeTempDirs(): void {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
}

const hosts: RunningHost[] = [];

/** A host on an ephemeral port with a fresh data folder, timers off and logs silenced unless overridden. */
export async function startTestHost(registry: FunctionRegistry, options: Partial<LocalHostOptions> = {}): Promise<RunningHost> {
  const host = await startLocalHost({
    registry,
    port: 0,
    dataDir: tempDir(),
    disableTimers: true,
    log: silentLogger,
    taskHubName: 'TestHub',
    appRoot: path.join(__dirname, 'fixtures'),
    ...options,
  });
  hosts.push(host);
  return host;
}

/** Closes every host a test started (kill for speed: tests do not depend on a graceful close unless they say so). */
export async function stopTestHosts(): Promise<void> {
  await Promise.all(hosts.splice(0).map((h) => h.kill()));
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `condition` (real time) until it holds; fails with `what` after `timeoutMs`. */
export async function until(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

export async function request(
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: string | object } = {},
): Promise<{ status: number; headers: Headers; text: string; json: () => unknown }> {
  const body = init.body === undefined ? undefined : typeof init.body === 'string' ? init.body : JSON.stringify(init.body);
  const headers = { ...(typeof init.body === 'object' ? { 'content-type': 'application/json' } : {}), ...(init.headers ?? {}) };
  const response = await fetch(url, { method: init.method ?? (body === undefined ? 'GET' : 'POST'), headers, body });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, json: () => JSON.parse(text) as unknown };
}
