/**
 * `driftwarden start` and `driftwarden simulate` as a user runs them: separate processes from the built CLI
 * (`npm test` builds first), URLs read from what `start` prints, Ctrl-C (SIGINT) stopping everything cleanly.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const REPO = join(__dirname, '..', '..');
const CLI = join(REPO, 'bin', 'driftwarden.js');
let dataDir: string;
let child: ChildProcess | undefined;

beforeAll(() => {
  if (!existsSync(join(REPO, 'dist', 'src', 'cli', 'main.js'))) throw new Error('dist/ is missing: run `npm run build` (npm test does it first)');
  dataDir = mkdtempSync(join(tmpdir(), 'dw-start-'));
});

afterAll(() => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

function waitForOutput(proc: ChildProcess, pattern: RegExp, timeoutMs = 30_000): Promise<string> {
  let seen = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${pattern}; output so far:\n${seen}`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      seen += chunk.toString();
      if (pattern.test(seen)) {
        clearTimeout(timer);
        proc.stdout?.off('data', onData);
        resolve(seen);
      }
    };
    proc.stdout?.on('data', onData);
    proc.stderr?.on('data', (c: Buffer) => (seen += c.toString()));
  });
}

test('start prints its URLs; simulate makes a drift; the card arrives; Ctrl-C stops everything', async () => {
  child = spawn(process.execPath, [CLI, 'start', '--port', '0', '--emulator-port', '0', '--data-dir', dataDir], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
  const output = await waitForOutput(child, /Ctrl-C stops everything/);
  const channel = /Teams channel \(cards\)\s+(http:\/\/127\.0\.0\.1:\d+)\/local\/teams/.exec(output)?.[1];
  expect(channel).toBeDefined();
  expect(output).toMatch(/Azure emulator \(ARM\)\s+https:\/\/127\.0\.0\.1:\d+/);
  expect(output).toMatch(/captured baseline v1 of \/subscriptions\/.*\/nsg-ml-training/);
  expect(existsSync(join(dataDir, 'local.json'))).toBe(true);

  const simulate = spawnSync(process.execPath, [CLI, 'simulate', 'open-port', '22', '--from', 'Internet', '--data-dir', dataDir], { cwd: REPO, encoding: 'utf8' });
  expect(simulate.stderr).toBe('');
  expect(simulate.stdout).toMatch(/^alice opened Tcp 22 from Internet on nsg-ml-training \(rule 'open-22-from-internet', priority 200\)/);

  let titles: string[] = [];
  for (let i = 0; i < 100 && titles.length === 0; i += 1) {
    const messages = (await (await fetch(`${channel}/local/teams/messages`)).json()) as { message: { attachments: { content: { body: { text: string }[] } }[] } }[];
    titles = messages.map((m) => m.message.attachments[0]!.content.body[0]!.text);
    if (titles.length === 0) await new Promise((r) => setTimeout(r, 100));
  }
  expect(titles).toEqual(['Approval needed: drift will be reverted · CRITICAL']);

  const audit = spawnSync(process.execPath, [CLI, 'audit', '--format', 'json', '--data-dir', dataDir], { cwd: REPO, encoding: 'utf8' });
  const records = (JSON.parse(audit.stdout) as { records: { type: string }[] }).records.map((r) => r.type);
  expect(records).toEqual(expect.arrayContaining(['baselineCaptured', 'driftDetected', 'approvalRequested', 'notificationSent']));

  const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));
  child.kill('SIGINT');
  expect(await exited).toBe(0);
  expect(existsSync(join(dataDir, 'local.json'))).toBe(false);
  // Nothing is listening any more.
  await expect(fetch(`${channel}/`)).rejects.toThrow();

  const bad = spawnSync(process.execPath, [CLI, 'simulate', 'open-port', '22', '--data-dir', dataDir], { cwd: REPO, encoding: 'utf8' });
  expect(bad.status).toBe(3);
  expect(bad.stderr).toContain('start the local stack first (`npm start`)');
});
