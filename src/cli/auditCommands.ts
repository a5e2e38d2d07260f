/** `driftwarden audit` and `driftwarden undo`: read the audit log; put a remediation back. */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { AUDIT_TYPES, type AuditRecord } from '../audit/types';
import { normalizeResourceId } from '../arm/resourceId';
import { connectionFromEnv, type AzureConnection } from '../gateways/azure/connection';
import { ArmNetworkGateway } from '../gateways/azure/armNetworkGateway';
import { FileAuditLog } from '../gateways/local/fileAuditLog';
import { InputError, UsageError } from '../errors';
import { UndoError, undoRemediation } from '../remediation/undoRemediation';
import { ExitCode } from './exitCodes';
import type { CliIo } from './io';
import { renderTable } from './table';

/** Where the state is: the local stack's data folder when one is there, else DRIFTWARDEN_DATA_DIR. */
export function stateLocation(io: CliIo, dataDir: string | undefined): { stateDir: string; stackFile?: string } {
  const localDir = resolve(dataDir ?? io.env.DRIFTWARDEN_LOCAL_DIR ?? '.driftwarden');
  const stackFile = join(localDir, 'local.json');
  if (existsSync(join(localDir, 'state'))) return { stateDir: join(localDir, 'state'), ...(existsSync(stackFile) ? { stackFile } : {}) };
  return { stateDir: resolve(io.env.DRIFTWARDEN_DATA_DIR ?? join(localDir, 'state')) };
}

export async function auditCommand(io: CliIo, options: { format: 'text' | 'json'; resource?: string; type?: string; dataDir?: string }): Promise<number> {
  const { stateDir } = stateLocation(io, options.dataDir);
  if (options.type && !(AUDIT_TYPES as readonly string[]).includes(options.type)) {
    throw new UsageError(`--type must be one of ${AUDIT_TYPES.join(', ')} (got "${options.type}")`);
  }
  if (!existsSync(stateDir)) {
    throw new InputError(stateDir, stateDir, 'holds no driftwarden state (no audit log): check --data-dir (or DRIFTWARDEN_DATA_DIR)', { omitValue: true });
  }
  const all = await new FileAuditLog(stateDir).list();
  let records = options.type ? all.filter((r) => r.type === options.type) : all;
  if (options.resource) {
    const wanted = options.resource.includes('/') ? normalizeResourceId(options.resource) : options.resource.toLowerCase();
    records = records.filter((r) => r.resourceId === wanted || r.resourceId.endsWith(`/${wanted}`));
  }
  // Appends from concurrent activities can land a millisecond out of order; show them in time order.
  records = [...records].sort((a, b) => a.time.localeCompare(b.time));
  if (options.format === 'json') {
    io.stdout(JSON.stringify({ records }, null, 2));
    return ExitCode.ok;
  }
  if (records.length === 0) {
    const filters = [options.type ? `--type ${options.type}` : '', options.resource ? `--resource ${options.resource}` : ''].filter(Boolean).join(' ');
    io.stdout(filters ? `no audit records match ${filters} (${all.length} record(s) in ${stateDir})` : `no audit records yet in ${stateDir}`);
    return ExitCode.ok;
  }
  io.stdout(renderTable(['ID', 'TIME', 'TYPE', 'RESOURCE', 'DETAIL'], records.map((r) => [r.id, r.time, r.type, r.resourceId.split('/').pop() ?? '', summary(r)]), ''));
  return ExitCode.ok;
}

function summary(r: AuditRecord): string {
  const parts: string[] = [];
  if (r.actor) parts.push(`by ${r.actor.upn ?? r.actor.appId ?? r.actor.objectId ?? r.actor.type}`);
  if (r.approver) parts.push(`${r.decision ?? 'decided'} by ${r.approver.name ?? r.approver.id}`);
  if (r.findings?.length) parts.push(r.findings.map((f) => `[${f.severity}] ${f.title}`).join('; '));
  if (r.type === 'remediated') parts.push((r.appliedActions?.length ? r.appliedActions : (r.plan?.actions ?? [])).map((a) => `${a.type} ${a.rule}`).join(', '));
  if (r.baselineVersion !== undefined && (r.type === 'baselineAccepted' || r.type === 'baselineCaptured')) parts.push(`baseline v${r.baselineVersion}`);
  if (r.detail) parts.push(r.detail);
  else if (r.outcome && !['remediated', 'approve', 'reject', 'accept', r.type].includes(r.outcome)) parts.push(r.outcome);
  return parts.join(' · ');
}

export async function undoCommand(io: CliIo, options: { id: string; dataDir?: string; by?: string }): Promise<number> {
  const location = stateLocation(io, options.dataDir);
  let connection: AzureConnection;
  if (!location.stackFile && existsSync(location.stateDir) && !io.env.DRIFTWARDEN_AZURE_TARGET) {
    // Local state without a running stack: never fall back to real Azure by accident.
    throw new InputError(location.stateDir, location.stateDir, 'belongs to a local stack that is not running: start it (`npm start`, with the same --data-dir) and try again, or set DRIFTWARDEN_AZURE_TARGET to act on Azure', { omitValue: true });
  }
  if (!location.stackFile && !io.env.DRIFTWARDEN_AZURE_TARGET) {
    throw new InputError('DRIFTWARDEN_AZURE_TARGET', undefined, 'is not set: say where to undo (azure, with DRIFTWARDEN_DATA_DIR for the state), or run it next to a running local stack', { omitValue: true });
  }
  if (location.stackFile) {
    // The local stack: act as driftwarden's own identity against the emulator, like the function app does.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { readStackFile } = require('../../local/stack/stackFile') as typeof import('../../local/stack/stackFile');
    const stack = readStackFile(resolve(location.stackFile, '..'));
    connection = connectionFromEnv({
      DRIFTWARDEN_AZURE_TARGET: 'emulator',
      DRIFTWARDEN_ARM_ENDPOINT: stack.emulatorUrl,
      DRIFTWARDEN_EMULATOR_CA_FILE: stack.caFile,
      DRIFTWARDEN_EMULATOR_CLAIMS: JSON.stringify(stack.selfClaims),
    });
  } else {
    connection = connectionFromEnv(io.env);
  }
  try {
    const result = await undoRemediation(options.id, {
      audit: new FileAuditLog(location.stateDir),
      network: new ArmNetworkGateway(connection, 100),
      now: () => new Date(io.now()),
      ...(options.by ? { by: options.by } : {}),
    });
    io.stdout(
      [
        `undid remediation ${options.id} on ${result.record.resourceId}:`,
        ...result.applied.map((a) => `  ${a.type} '${a.rule}'`),
        `recorded as ${result.undoRecord.id}.`,
        'The NSG now differs from its baseline again: the next sweep reports it as drift unless you accept it.',
      ].join('\n'),
    );
    return ExitCode.ok;
  } catch (err) {
    if (err instanceof UndoError) throw new InputError(options.id, options.id, `cannot be undone: ${err.message}`, { omitValue: true });
    throw err;
  }
}
