/**
 * `driftwarden emulator`: flags, exit codes, the endpoints it prints, the CA it writes, and a clean stop.
 */
import https from 'node:https';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { runEmulatorCommand } from '../../local/emulator';
import { SEED_FILE, tempDir } from './helpers';

function capture(): { out: string[]; err: string[]; io: { stdout: (t: string) => void; stderr: (t: string) => void } } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { stdout: (t) => out.push(t), stderr: (t) => err.push(t) } };
}

test('--help prints the usage; bad flags exit 2; a bad seed exits 3 with the field', async () => {
  const help = capture();
  expect(await runEmulatorCommand(['--help'], help.io)).toBe(0);
  expect(help.out.join('\n')).toContain('Usage: driftwarden emulator [--port P] [--seed env.json] [--ca-out ca.pem]');
  const unknown = capture();
  expect(await runEmulatorCommand(['--verbose'], unknown.io)).toBe(2);
  expect(unknown.err.join('\n')).toContain('unknown option "--verbose"');
  const port = capture();
  expect(await runEmulatorCommand(['--port', 'eighty'], port.io)).toBe(2);
  expect(port.err.join('\n')).toContain('--port must be an integer from 0 to 65535 (got "eighty")');
  const dir = tempDir('cmd');
  const seed = JSON.parse(readFileSync(SEED_FILE, 'utf8')) as { nsgs: { rules: { priority: number }[] }[] };
  seed.nsgs[0]!.rules[3]!.priority = 99;
  writeFileSync(path.join(dir, 'bad.json'), JSON.stringify(seed));
  const bad = capture();
  expect(await runEmulatorCommand(['--seed', path.join(dir, 'bad.json')], bad.io)).toBe(3);
  expect(bad.err.join('\n')).toContain('nsgs[0].rules[3].priority');
});

test('runs with a seed, prints its endpoints, writes the CA, serves HTTPS, stops on signal', async () => {
  const dir = tempDir('cmd');
  const caOut = path.join(dir, 'ca.pem');
  const stop = new AbortController();
  const { out, io } = capture();
  const exit = runEmulatorCommand(['--seed', SEED_FILE, `--ca-out=${caOut}`, '--dead-letter-dir', path.join(dir, 'dl')], { ...io, signal: stop.signal });
  const deadline = Date.now() + 5_000;
  while (!out.join('\n').includes('ready') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  const printed = out.join('\n');
  const arm = /ARM endpoint\s+(https:\/\/127\.0\.0\.1:\d+)/.exec(printed)?.[1];
  expect(arm).toBeDefined();
  expect(printed).toMatch(/Key Vault\s+kv-ml-workspace\s+https:\/\/127\.0\.0\.1:\d+/);
  expect(printed).toContain(`CA certificate   ${caOut}`);
  expect(printed).toContain('alice (user)');
  const ca = readFileSync(caOut, 'utf8');
  const status = await new Promise<number>((resolve, reject) => {
    https
      .get(`${arm}/admin/health`, { ca }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      })
      .on('error', reject);
  });
  expect(status).toBe(200);
  stop.abort();
  expect(await exit).toBe(0);
  expect(out[out.length - 1]).toBe('driftwarden emulator stopped');
});
