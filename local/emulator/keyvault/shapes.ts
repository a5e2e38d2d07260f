/**
 * Key Vault's JSON shapes (corpus keyvault/*.json): secret bundles (with `value` only on get and set), list items
 * (base ids without a version for `/secrets`, versioned ids for `/versions`), deleted-secret bundles with
 * `recoveryId`, `deletedDate` and `scheduledPurgeDate`, epoch-second attributes and the vault's recovery level.
 */
import type { DeletedSecretRecord, SecretRecord, SecretVersionRecord, VaultRecord } from '../state';

export function recoveryLevel(vault: VaultRecord): string {
  if (vault.softDeleteRetentionDays <= 0) return 'Purgeable';
  return vault.softDeleteRetentionDays >= 90 ? 'Recoverable+Purgeable' : 'CustomizedRecoverable+Purgeable';
}

export function attributes(vault: VaultRecord, v: SecretVersionRecord): Record<string, unknown> {
  const out: Record<string, unknown> = { enabled: v.enabled };
  if (v.nbf !== undefined) out['nbf'] = v.nbf;
  if (v.exp !== undefined) out['exp'] = v.exp;
  out['created'] = v.created;
  out['updated'] = v.updated;
  out['recoveryLevel'] = recoveryLevel(vault);
  if (vault.softDeleteRetentionDays > 0) out['recoverableDays'] = vault.softDeleteRetentionDays;
  return out;
}

export function secretBundle(vault: VaultRecord, vaultUrl: string, secret: SecretRecord, v: SecretVersionRecord, withValue: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (withValue) out['value'] = v.value;
  if (v.contentType !== undefined) out['contentType'] = v.contentType;
  out['id'] = `${vaultUrl}/secrets/${secret.name}/${v.version}`;
  if (v.managed) out['managed'] = true;
  out['attributes'] = attributes(vault, v);
  if (v.tags !== undefined) out['tags'] = { ...v.tags };
  return out;
}

/** A list item: `/secrets` lists show the base id, `/versions` lists the versioned id. Never the value. */
export function secretItem(vault: VaultRecord, vaultUrl: string, secret: SecretRecord, v: SecretVersionRecord, versioned: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (v.contentType !== undefined) out['contentType'] = v.contentType;
  out['id'] = versioned ? `${vaultUrl}/secrets/${secret.name}/${v.version}` : `${vaultUrl}/secrets/${secret.name}`;
  if (v.managed) out['managed'] = true;
  out['attributes'] = attributes(vault, v);
  if (v.tags !== undefined) out['tags'] = { ...v.tags };
  return out;
}

export function deletedBundle(vault: VaultRecord, vaultUrl: string, deleted: DeletedSecretRecord, asItem: boolean): Record<string, unknown> {
  const latest = deleted.secret.versions[deleted.secret.versions.length - 1]!;
  const base = asItem ? secretItem(vault, vaultUrl, deleted.secret, latest, false) : secretBundle(vault, vaultUrl, deleted.secret, latest, false);
  return {
    recoveryId: `${vaultUrl}/deletedsecrets/${deleted.secret.name}`,
    deletedDate: deleted.deletedDate,
    scheduledPurgeDate: deleted.scheduledPurgeDate,
    ...base,
  };
}

export function latestVersion(secret: SecretRecord): SecretVersionRecord {
  return secret.versions[secret.versions.length - 1]!;
}
