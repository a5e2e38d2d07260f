import type { AuditRecordInput } from '../../audit/types';
import type { RemediationServices } from '../services';

/** Activity: append one audit record (orchestrators cannot do I/O themselves). */
export async function recordAudit(input: AuditRecordInput, services: RemediationServices): Promise<{ id: string }> {
  const record = await services.audit.append(input);
  return { id: record.id };
}
