/**
 * `driftwarden` command line. `runCli` never throws and never calls process.exit: it returns the exit code, so it
 * can run in-process from tests and from other tools.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { InputError, UsageError } from '../errors';
import {
  baselineCaptureCommand,
  evaluateCommand,
  eventsCommand,
  exposureCommand,
  parseFormat,
  policyCheckCommand,
  policyDefaultCommand,
} from './commands';
import { auditCommand, undoCommand } from './auditCommands';
import { parseArgsMessage } from './args';
import { ExitCode } from './exitCodes';
import { type CliIo, processIo } from './io';

export const USAGE = `driftwarden: drift detection and remediation for Azure network security groups

Usage:
  driftwarden events <delivery.json> [--format text|json]
      Normalize an Event Grid delivery (either schema) into changes, ignored events and errors.
  driftwarden exposure <nsg.json> [--format text|json]
      Effective exposure of an NSG body or a list body ({"value":[...]}), per protocol and port.
  driftwarden evaluate --current <nsg.json> --baseline <baseline.json> [--event <delivery.json>]
                       [--policy <policy.yaml|json>] [--format text|json] [--now <ISO time>]
      Drift against the baseline, what it exposes, findings by policy, and the remediation plan.
  driftwarden baseline capture <nsg.json> [--out <baseline.json> [--expect-version <n>]] [--by <who>]
      Capture a versioned baseline document from an NSG body.
  driftwarden policy check <policy.yaml|json>     Validate a policy file.
  driftwarden policy default [--format text|json] Print the built-in default policy.
  driftwarden emulator [--port <p>] [--seed <env.json>] [--ca-out <ca.pem>]
      Run the local Azure emulator (ARM network/authorization and Key Vault over HTTPS).
  driftwarden start [--port <p>] [--emulator-port <p>] [--data-dir <dir>] [--seed <env.json>] [--policy <file>]
      Run the local stack: emulator, function app, Teams channel and sign-in (what \`npm start\` runs).
  driftwarden simulate open-port <port> [--from Internet|<cidr>|<tag>] [--as <identity>] [--protocol Tcp|Udp|*] [--data-dir <dir>]
  driftwarden simulate delete-rule <rule> [--as <identity>] [--data-dir <dir>]
      Make a drift on the running local stack, through the Azure SDK, as a seeded identity (default alice).
  driftwarden audit [--format text|json] [--resource <nsg>] [--type <record type>] [--data-dir <dir>]
      List the audit log.
  driftwarden undo <audit record id> [--by <who>] [--data-dir <dir>]
      Put back what a remediation changed (its before-state), through the same gateways.

Exit codes: 0 ok; 1 internal error; 2 usage error; 3 invalid input; 4 unsafe drift found (evaluate);
            5 some events in a delivery were malformed (events).
`;

type Options = NonNullable<ParseArgsConfig['options']>;

function parse(args: string[], options: Options, positionals: number) {
  let parsed;
  try {
    parsed = parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError(parseArgsMessage(err as Error & { code?: string }));
  }
  if (parsed.positionals.length > positionals) {
    throw new UsageError(`unexpected argument "${parsed.positionals[positionals]}"`);
  }
  return parsed as { values: Record<string, string | boolean | undefined>; positionals: string[] };
}

function need(value: string | undefined, what: string): string {
  if (value === undefined || value.length === 0) throw new UsageError(`missing ${what}`);
  return value;
}

const format = { format: { type: 'string' } } as const;

async function dispatch(argv: string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  if (command !== undefined && (rest.includes('--help') || rest.includes('-h'))) {
    io.stdout(USAGE);
    return ExitCode.ok;
  }
  switch (command) {
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      io.stdout(USAGE);
      return command === undefined ? ExitCode.usage : ExitCode.ok;
    case 'events': {
      const { values, positionals } = parse(rest, format, 1);
      return eventsCommand(io, need(positionals[0], 'the delivery file'), parseFormat(values.format as string | undefined));
    }
    case 'exposure': {
      const { values, positionals } = parse(rest, format, 1);
      return exposureCommand(io, need(positionals[0], 'the NSG file'), parseFormat(values.format as string | undefined));
    }
    case 'evaluate': {
      const { values } = parse(
        rest,
        { ...format, event: { type: 'string' }, current: { type: 'string' }, baseline: { type: 'string' }, policy: { type: 'string' }, now: { type: 'string' } },
        0,
      );
      const now = values.now as string | undefined;
      if (now !== undefined && Number.isNaN(Date.parse(now))) throw new UsageError(`--now must be an ISO 8601 time (got "${now}")`);
      return evaluateCommand(io, {
        current: need(values.current as string | undefined, '--current <nsg.json>'),
        baseline: need(values.baseline as string | undefined, '--baseline <baseline.json>'),
        format: parseFormat(values.format as string | undefined),
        ...(values.event ? { event: values.event as string } : {}),
        ...(values.policy ? { policy: values.policy as string } : {}),
        ...(now ? { now: new Date(now).toISOString() } : {}),
      });
    }
    case 'baseline': {
      const [sub, ...more] = rest;
      if (sub !== 'capture') throw new UsageError(`unknown baseline command "${sub ?? ''}" (expected "capture")`);
      const { values, positionals } = parse(more, { out: { type: 'string' }, 'expect-version': { type: 'string' }, by: { type: 'string' } }, 1);
      const expect = values['expect-version'] as string | undefined;
      if (expect !== undefined && !/^\d+$/.test(expect)) throw new UsageError(`--expect-version must be a whole number (got "${expect}")`);
      if (expect !== undefined && !values.out) throw new UsageError('--expect-version only makes sense with --out (the baseline file it replaces)');
      return baselineCaptureCommand(io, {
        nsgFile: need(positionals[0], 'the NSG file'),
        ...(values.out ? { out: values.out as string } : {}),
        ...(expect !== undefined ? { expectVersion: Number(expect) } : {}),
        ...(values.by ? { by: values.by as string } : {}),
      });
    }
    case 'policy': {
      const [sub, ...more] = rest;
      if (sub === 'check') {
        const { positionals } = parse(more, {}, 1);
        return policyCheckCommand(io, need(positionals[0], 'the policy file'));
      }
      if (sub === 'default') {
        const { values } = parse(more, format, 0);
        return policyDefaultCommand(io, parseFormat(values.format as string | undefined));
      }
      throw new UsageError(`unknown policy command "${sub ?? ''}" (expected "check" or "default")`);
    }
    case 'emulator': {
      // Loaded only for this command: the emulator is a local tool, not part of the function app.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { runEmulatorCommand } = require('../../local/emulator') as typeof import('../../local/emulator');
      return runEmulatorCommand(rest);
    }
    case 'start': {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { runStartCommand } = require('../../local/stack/startCommand') as typeof import('../../local/stack/startCommand');
      return runStartCommand(rest, io, io.env);
    }
    case 'simulate': {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { runSimulateCommand } = require('../../local/stack/simulateCommand') as typeof import('../../local/stack/simulateCommand');
      return runSimulateCommand(rest, io, io.env);
    }
    case 'audit': {
      const { values } = parse(rest, { ...format, resource: { type: 'string' }, type: { type: 'string' }, 'data-dir': { type: 'string' } }, 0);
      return auditCommand(io, {
        format: parseFormat(values.format as string | undefined),
        ...(values.resource ? { resource: values.resource as string } : {}),
        ...(values.type ? { type: values.type as string } : {}),
        ...(values['data-dir'] ? { dataDir: values['data-dir'] as string } : {}),
      });
    }
    case 'undo': {
      const { values, positionals } = parse(rest, { 'data-dir': { type: 'string' }, by: { type: 'string' } }, 1);
      return undoCommand(io, {
        id: need(positionals[0], 'the audit record id of a remediation (see `driftwarden audit --type remediated`)'),
        ...(values['data-dir'] ? { dataDir: values['data-dir'] as string } : {}),
        ...(values.by ? { by: values.by as string } : {}),
      });
    }
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

export async function runCli(argv: string[], io: CliIo = processIo()): Promise<number> {
  try {
    return await dispatch(argv, io);
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr(`driftwarden: ${err.message}\nRun "driftwarden help" for usage.`);
      return ExitCode.usage;
    }
    if (err instanceof InputError) {
      io.stderr(`driftwarden: ${err.message}`);
      return ExitCode.invalidInput;
    }
    io.stderr(`driftwarden: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    return ExitCode.internalError;
  }
}
