/**
 * `driftwarden emulator [--port P] [--seed env.json] [--ca-out ca.pem] [--dead-letter-dir DIR] [--state-file FILE]`:
 * starts the local Azure, prints its endpoints, and runs until SIGINT or SIGTERM.
 */
import path from 'node:path';
import { InputError, UsageError } from '../../src/errors';
import { startEmulator } from './emulator';
import type { RunningEmulator } from './emulator';

const USAGE = `Usage: driftwarden emulator [--port P] [--seed env.json] [--ca-out ca.pem] [--dead-letter-dir DIR] [--state-file FILE]

Runs a local emulator of the Azure APIs driftwarden uses (ARM network security groups and role assignments, Key
Vault secrets) over HTTPS, emitting Event Grid events to webhook subscriptions.

  --port P              ARM and admin port (default 0: any free port); vaults get P+1, P+2, ... in seed order
  --seed FILE           seed environment JSON (e.g. examples/ml-workspace.env.json)
  --ca-out FILE         where to write the CA certificate (default .driftwarden-emulator/ca.pem)
  --dead-letter-dir DIR dead-letter folder for undeliverable events (default .driftwarden-emulator/dead-letters)
  --state-file FILE     keep the emulated Azure's state in FILE across restarts (restored when it exists,
                        created from the seed when not; delete it to start from the seed again)
  -h, --help            show this help`;

interface CommandArgs {
  port: number;
  seed?: string;
  caOut: string;
  deadLetterDir: string;
  stateFile?: string;
  help: boolean;
}

function parseArgs(args: string[]): CommandArgs {
  const out: CommandArgs = { port: 0, caOut: path.join('.driftwarden-emulator', 'ca.pem'), deadLetterDir: path.join('.driftwarden-emulator', 'dead-letters'), help: false };
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i]!;
    const [flag, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = (): string => {
      const v = inline ?? args[(i += 1)];
      if (v === undefined || v.startsWith('--')) throw new UsageError(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '--port': {
        const raw = value();
        const port = Number(raw);
        if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be an integer from 0 to 65535 (got ${JSON.stringify(raw)})`);
        out.port = port;
        break;
      }
      case '--seed':
        out.seed = value();
        break;
      case '--ca-out':
        out.caOut = value();
        break;
      case '--dead-letter-dir':
        out.deadLetterDir = value();
        break;
      case '--state-file':
        out.stateFile = value();
        break;
      case '-h':
      case '--help':
        out.help = true;
        break;
      default:
        throw new UsageError(`unknown option ${JSON.stringify(arg)}`);
    }
  }
  return out;
}

export function describeEndpoints(emulator: RunningEmulator, deadLetterDir: string): string {
  const lines = ['driftwarden emulator ready', `  ARM endpoint     ${emulator.url}`, `  Admin API        ${emulator.adminUrl}   (GET /admin lists the endpoints)`];
  for (const [name, url] of Object.entries(emulator.vaultUrls())) lines.push(`  Key Vault        ${name.padEnd(24)} ${url}`);
  if (emulator.caPath) lines.push(`  CA certificate   ${emulator.caPath}   (clients: tlsOptions.ca, or NODE_EXTRA_CA_CERTS)`);
  lines.push(`  Tenant           ${emulator.tenantId}`);
  const identities = emulator.state.identities.size > 0 ? [...emulator.state.identities.values()].map((i) => `${i.name} (${i.type})`).join(', ') : 'none seeded';
  lines.push(`  Identities       ${identities}`);
  lines.push(`                   tokens: POST ${emulator.adminUrl}/tokens {"identity":"<name>"}`);
  lines.push(`  Dead letters     ${path.resolve(deadLetterDir)}`);
  if (emulator.stateFile) lines.push(`  State file       ${emulator.stateFile}   (delete it to start from the seed)`);
  lines.push('Press Ctrl+C to stop.');
  return lines.join('\n');
}

/** Where the command writes, and what else stops it; the CLI uses the defaults (console, SIGINT/SIGTERM). */
export interface EmulatorCommandIo {
  stdout?: (text: string) => void;
  stderr?: (text: string) => void;
  /** Stops the emulator like SIGINT does (for embedding and tests). */
  signal?: AbortSignal;
}

export async function runEmulatorCommand(args: string[], io: EmulatorCommandIo = {}): Promise<number> {
  const stdout = io.stdout ?? ((text: string) => console.log(text));
  const stderr = io.stderr ?? ((text: string) => console.error(text));
  let parsed: CommandArgs;
  try {
    parsed = parseArgs(args);
  } catch (err) {
    if (err instanceof UsageError) {
      stderr(`driftwarden emulator: ${err.message}\n\n${USAGE}`);
      return 2;
    }
    throw err;
  }
  if (parsed.help) {
    stdout(USAGE);
    return 0;
  }
  let emulator: RunningEmulator;
  try {
    emulator = await startEmulator({
      port: parsed.port,
      ...(parsed.port > 0 ? { vaultPortBase: parsed.port + 1 } : {}),
      ...(parsed.seed ? { seed: parsed.seed } : {}),
      caOut: parsed.caOut,
      deadLetterDir: parsed.deadLetterDir,
      ...(parsed.stateFile !== undefined ? { stateFile: parsed.stateFile } : {}),
      log: (message) => stderr(`[emulator] ${message}`),
    });
  } catch (err) {
    if (err instanceof InputError) {
      stderr(`driftwarden emulator: ${err.message}`);
      return 3;
    }
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE' || code === 'EACCES') {
      stderr(`driftwarden emulator: cannot listen on port ${parsed.port} (${code}); pick another with --port`);
      return 1;
    }
    throw err;
  }
  stdout(describeEndpoints(emulator, parsed.deadLetterDir));
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      io.signal?.removeEventListener('abort', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    if (io.signal?.aborted) stop();
    else io.signal?.addEventListener('abort', stop);
  });
  try {
    await emulator.close();
  } catch (err) {
    stderr(`driftwarden emulator: ${(err as Error).message}`);
    return 1;
  }
  stdout('driftwarden emulator stopped');
  return 0;
}
