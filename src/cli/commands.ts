/** The CLI's data commands: events, exposure, evaluate, baseline capture, policy. Each returns an exit code. */
import { captureNsgBaseline, parseNsgBaseline } from '../baseline/document';
import { InputError, UsageError } from '../errors';
import { describeDrift } from '../evaluate/describe';
import { evaluateNsg, hasUnsafeDrift } from '../evaluate/evaluateNsg';
import { normalizeDelivery } from '../events';
import { effectiveExposure, normalizeNsg, nsgsFromListBody } from '../network';
import { defaultPolicy, parsePolicyText } from '../policy/loadPolicy';
import { DEFAULT_POLICY_FILE } from '../policy/defaultPolicy';
import { stringify as toYaml } from 'yaml';
import { ExitCode } from './exitCodes';
import { type CliIo, readJson } from './io';
import { renderEvaluation, renderExposure, renderIntake } from './render';

export type Format = 'text' | 'json';

export function eventsCommand(io: CliIo, file: string, format: Format): number {
  const result = normalizeDelivery(io.readText(file));
  io.stdout(format === 'json' ? JSON.stringify(result, null, 2) : renderIntake(result));
  if (result.errors.length > 0) {
    io.stderr(`driftwarden: ${result.errors.length} event(s) in ${file} could not be read; the others are in the output.`);
    return ExitCode.partialInput;
  }
  return ExitCode.ok;
}

export function exposureCommand(io: CliIo, file: string, format: Format): number {
  const data = readJson(io, file, 'NSG file');
  const bodies = isListBody(data) ? nsgsFromListBody(data, file) : [normalizeNsg(data, file)];
  const nsgs = bodies.map(effectiveExposure);
  io.stdout(format === 'json' ? JSON.stringify({ nsgs }, null, 2) : renderExposure(nsgs));
  return ExitCode.ok;
}

export interface EvaluateArgs {
  event?: string;
  current: string;
  baseline: string;
  policy?: string;
  format: Format;
  now?: string;
}

export function evaluateCommand(io: CliIo, args: EvaluateArgs): number {
  const current = readJson(io, args.current, '--current');
  const baseline = parseNsgBaseline(readJson(io, args.baseline, '--baseline'), args.baseline);
  const policy = args.policy ? parsePolicyText(io.readText(args.policy), args.policy) : defaultPolicy();
  let change;
  if (args.event) {
    const intake = normalizeDelivery(io.readText(args.event));
    const relevant = intake.changes.filter((c) => c.kind === 'securityRule' || c.kind === 'networkSecurityGroup');
    if (relevant.length === 0) {
      const why = intake.errors[0] ? `event ${intake.errors[0].index}: ${intake.errors[0].field} ${intake.errors[0].message}` : intake.ignored[0]?.reason ?? 'it holds no events';
      throw new InputError('--event', args.event, `holds no NSG or security-rule change (${why})`);
    }
    change = relevant.find((c) => c.nsgId === baseline.resourceId) ?? relevant[0];
  }
  const now = args.now ?? io.now();
  const evaluation = evaluateNsg({ current, baseline, policy, now, ...(change ? { change } : {}) });
  const unsafe = hasUnsafeDrift(evaluation);
  if (args.format === 'json') {
    io.stdout(
      JSON.stringify(
        {
          resourceId: evaluation.resourceId,
          baselineVersion: evaluation.baselineVersion,
          unsafe,
          ...(evaluation.change ? { change: evaluation.change } : {}),
          drift: evaluation.drift.map(describeDrift),
          exposureAdded: evaluation.exposureAdded,
          exposureRemoved: evaluation.exposureRemoved,
          findings: evaluation.findings,
          plan: evaluation.plan,
        },
        null,
        2,
      ),
    );
  } else {
    io.stdout(renderEvaluation(evaluation));
  }
  return unsafe ? ExitCode.unsafeDrift : ExitCode.ok;
}

export interface CaptureArgs {
  nsgFile: string;
  out?: string;
  expectVersion?: number;
  by?: string;
}

/** Captures a baseline; an existing baseline file is only replaced when the caller names the version it expects. */
export function baselineCaptureCommand(io: CliIo, args: CaptureArgs): number {
  const body = readJson(io, args.nsgFile, 'NSG file');
  if (isListBody(body)) {
    throw new InputError('NSG file', args.nsgFile, 'is a list of NSGs; capture one NSG body (an ARM GET of a single NSG) at a time');
  }
  normalizeNsg(body, args.nsgFile); // refuse a body driftwarden could not evaluate later
  let previousVersion: number | undefined;
  if (args.out && !io.exists(args.out) && args.expectVersion !== undefined) {
    throw new InputError('--out', args.out, `does not exist, so there is no version ${args.expectVersion} to replace; leave out --expect-version to write version 1`);
  }
  if (args.out && io.exists(args.out)) {
    const existing = parseNsgBaseline(readJson(io, args.out, '--out'), args.out);
    const incoming = captureNsgBaseline(body, { capturedAt: io.now(), source: { type: 'file' } });
    if (existing.resourceId !== incoming.resourceId) {
      throw new InputError('--out', args.out, `holds the baseline of another NSG (${existing.resourceId}); choose another file`);
    }
    if (args.expectVersion === undefined) {
      throw new InputError(
        '--out',
        args.out,
        `already holds version ${existing.version} of this baseline; pass --expect-version ${existing.version} to replace it with version ${existing.version + 1}`,
      );
    }
    if (args.expectVersion !== existing.version) {
      throw new InputError(
        '--expect-version',
        args.expectVersion,
        `does not match the stored baseline, which is at version ${existing.version}: someone changed it since you looked; review it and retry`,
      );
    }
    previousVersion = existing.version;
  }
  const baseline = captureNsgBaseline(body, {
    capturedAt: io.now(),
    source: { type: 'file', detail: args.nsgFile, ...(args.by ? { by: args.by } : {}) },
    ...(previousVersion !== undefined ? { previousVersion } : {}),
  });
  const text = JSON.stringify(baseline, null, 2);
  if (args.out) {
    io.writeText(args.out, `${text}\n`);
    io.stderr(`driftwarden: wrote baseline v${baseline.version} of ${baseline.resourceId} to ${args.out}`);
  } else {
    io.stdout(text);
  }
  return ExitCode.ok;
}

export function policyCheckCommand(io: CliIo, file: string): number {
  const policy = parsePolicyText(io.readText(file), file);
  io.stdout(
    `${file}: valid. ${policy.network.allowedSourcePrefixes.length} allowed prefix(es), ` +
      `${policy.network.allowedServiceTags.length} allowed service tag(s), ${policy.network.sensitivePorts.length} sensitive port group(s), ` +
      `modes ${Object.entries(policy.modes).map(([s, m]) => `${s}=${m}`).join(' ')}, approval timeout ${policy.approval.timeout} then ${policy.approval.onTimeout}.`,
  );
  return ExitCode.ok;
}

export function policyDefaultCommand(io: CliIo, format: Format): number {
  io.stdout(format === 'json' ? JSON.stringify(DEFAULT_POLICY_FILE, null, 2) : toYaml(DEFAULT_POLICY_FILE));
  return ExitCode.ok;
}

function isListBody(data: unknown): data is { value: unknown[] } {
  return typeof data === 'object' && data !== null && Array.isArray((data as { value?: unknown }).value);
}

export function parseFormat(value: string | undefined): Format {
  if (value === undefined || value === 'text') return 'text';
  if (value === 'json') return 'json';
  throw new UsageError(`--format must be "text" or "json" (got "${value}")`);
}
