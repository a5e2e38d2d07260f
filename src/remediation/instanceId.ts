import { createHash } from 'node:crypto';
import { normalizeResourceId } from '../arm/resourceId';

/**
 * One orchestration per NSG: the instance id is derived from the normalized id, so every event for an NSG lands in
 * the same instance (ARM ids are case-insensitive; Durable instance ids are not, and may not contain `/`).
 */
export function nsgInstanceId(nsgId: string): string {
  const id = normalizeResourceId(nsgId);
  const name = (id.split('/').pop() ?? 'nsg').replace(/[^a-z0-9-]/g, '-').slice(0, 40);
  return `nsg-${name}-${createHash('sha256').update(id).digest('hex').slice(0, 20)}`;
}
