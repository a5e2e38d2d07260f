/** `driftwarden audit` and `driftwarden undo`: read the audit log; put a remediation back. */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { AuditRecord } from '../audit/types';
import { normalizeResourceId } from '../arm/resourceId';
import { connectionFromEnv, type AzureConnection } from '../gateways/azure/connection';
import { ArmNetworkGateway } from '../gateways/azure/armNetworkGateway';
import { FileAuditLog } from '../gateways/local/fileAuditLog';
import { InputError } from '../errors';
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
  const log = new FileAuditLog(stateDir);
  let records = await log.list({ ...(options.type ? { type: options.type } : {}) });
  if (options.resource) {
    const wanted = options.resource.includes('/') ? normalizeResourceId(options.resource) : options.resource.toLowerCase();
    records = records.filter((r) => r.resourceId === wanted || r.resourceId.endsWith(`/${wanted}`));
  }
  if (options.format === 'json') {
    io.stdout(JSON.stringify({ records }, null, 2));
    return ExitCode.ok;
  }
  if (records.length === 0) {
    io.stdout(`no audit records in ${stateDir}`);
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
  if (r.plan && r.type === 'remediated') parts.push(r.plan.actions.map((a) => `${a.type} ${a.rule}`).join(', '));
  if (r.outcome && !['remediated', 'approve'].includes(r.outcome)) parts.push(r.outcome);
  if (r.detail) parts.push(r.detail);
  return parts.join(' · ');
}

export async function undoCommand(io: CliIo, options: { id: string; dataDir?: string; by?: string }): Promise<number> {
  const location = stateLocation(io, options.dataDir);
  let connection: AzureConnection;
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
