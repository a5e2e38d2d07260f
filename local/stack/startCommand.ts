/**
 * `driftwarden start` (what `npm start` runs): brings up the local stack, prints every URL it serves and how to make
 * a drift, and runs until Ctrl-C, which stops everything cleanly. State (orchestrations, baselines, audit log,
 * Teams messages) persists in the data folder, and so does the emulated Azure (`emulator-state.json`), so a restart
 * finds the drift a waiting approval is about; deleting the data folder (or another `--data-dir`) starts from the seed.
 */
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { parseArgsMessage } from '../../src/cli/args';
import { UsageError } from '../../src/errors';
import { consoleLogger } from '../host';
import { startLocalStack } from './startLocalStack';

export interface StartIo {
  stdout(text: string): void;
  stderr(text: string): void;
  /** Resolves when the stack should stop (default: SIGINT or SIGTERM). */
  untilStopped?: Promise<void>;
}

function portOption(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`${name} must be a port number 0-65535 (got "${value}")`);
  return port;
}

export async function runStartCommand(args: string[], io: StartIo, env: Record<string, string | undefined> = process.env): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      strict: true,
      options: {
        port: { type: 'string' },
        'emulator-port': { type: 'string' },
        'data-dir': { type: 'string' },
        seed: { type: 'string' },
        policy: { type: 'string' },
      },
    }));
  } catch (err) {
    throw new UsageError(parseArgsMessage(err as Error & { code?: string }));
  }
  const root = resolve(__dirname, '..', '..', '..');
  const dataDir = resolve(values['data-dir'] ?? env.DRIFTWARDEN_LOCAL_DIR ?? '.driftwarden');
  const port = portOption(values.port ?? env.DRIFTWARDEN_PORT, '--port', 7071);
  const emulatorPort = portOption(values['emulator-port'] ?? env.DRIFTWARDEN_EMULATOR_PORT, '--emulator-port', 7443);
  const seedFile = resolve(values.seed ?? join(root, 'examples', 'ml-workspace.env.json'));
  const policyFile = resolve(values.policy ?? join(root, 'examples', 'ml-workspace.policy.yaml'));
  io.stdout('driftwarden: starting the local stack…');
  let stack;
  try {
    stack = await startLocalStack({
      dataDir,
      port,
      emulatorPort,
      seedFile,
      policyFile,
      appRoot: root,
      functionModules: [join(root, 'dist', 'functions', '*.js')],
      hostLog: consoleLogger('warning'),
      log: (line) => io.stdout(`  ${line}`),
    });
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { port?: number };
    if (e.code === 'EADDRINUSE') {
      io.stderr(`driftwarden: a port is already in use (${e.message}). Is another \`npm start\` running? Choose others with --port / --emulator-port or DRIFTWARDEN_PORT / DRIFTWARDEN_EMULATOR_PORT.`);
      return 1;
    }
    throw err;
  }
  const vaults = Object.entries(stack.emulator.vaultUrls()).map(([name, url]) => `    ${name.padEnd(18)} ${url}`);
  const dataDirFlag = dataDir === resolve('.driftwarden') ? '' : ` --data-dir ${dataDir}`;
  io.stdout(
    [
      '',
      'driftwarden is running locally.',
      '',
      `  Teams channel (cards)   ${stack.frontUrl}/local/teams`,
      `  Start page              ${stack.frontUrl}/`,
      `  Sign in (approvers)     ${stack.frontUrl}/.auth/login/aad   (sam is an approver; alice and bob are not)`,
      `  Function app            ${stack.frontUrl}/api/…   (host ${stack.hostUrl})`,
      `  Teams messages (JSON)   ${stack.frontUrl}/local/teams/messages`,
      `  Azure emulator (ARM)    ${stack.emulator.url}   admin: ${stack.emulator.adminUrl}`,
      '  Key Vault(s)',
      ...vaults,
      `  Data folder             ${dataDir}`,
      '',
      'Make a drift from another terminal (alice opens SSH to the Internet):',
      '',
      `  npx driftwarden simulate open-port 22 --from Internet${dataDirFlag}`,
      '',
      `Then open ${stack.frontUrl}/local/teams, click "Review plan", sign in as sam and approve.`,
      'Ctrl-C stops everything.',
    ].join('\n'),
  );
  const stopped =
    io.untilStopped ??
    new Promise<void>((done) => {
      process.once('SIGINT', () => done());
      process.once('SIGTERM', () => done());
    });
  await stopped;
  io.stdout('\ndriftwarden: stopping…');
  await stack.close();
  io.stdout('driftwarden: stopped.');
  return 0;
}
