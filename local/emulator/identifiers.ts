/**
 * Identifier shapes the emulated services hand out. They look like Azure's (dashed GUIDs, weak etags, 32-hex Key Vault
 * versions) so product code that parses them meets the same formats it will meet in Azure.
 */
import { randomUUID } from 'node:crypto';

export function newGuid(): string {
  return randomUUID();
}

/** ARM's weak etag, e.g. `W/"ddf0614e-2151-41a4-91a7-26ea46827a97"`. */
export function newEtag(): string {
  return `W/"${randomUUID()}"`;
}

/** Key Vault object versions are 32 lower-case hex digits. */
export function newSecretVersion(): string {
  return randomUUID().replace(/-/g, '');
}

/** ISO time with seven fractional digits, the way ARM and Event Grid print timestamps. */
export function azureTimestamp(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$10000Z');
}

/** Whole epoch seconds, Key Vault's unit for `created`, `updated`, `nbf` and `exp`. */
export function epochSeconds(ms: number): number {
  return Math.floor(ms / 1000);
}
