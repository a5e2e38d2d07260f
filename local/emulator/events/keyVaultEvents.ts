/**
 * Key Vault secret events as the vault's system topic publishes them: topic = the vault's ARM id, subject = the
 * secret name, PascalCase data keys, `Id` = the versioned secret URL, `NBF`/`EXP` in epoch seconds written as strings
 * as in the service's own examples (corpus events/keyvault/*pascalcase*.spec-example.json), null when unset.
 */
import { azureTimestamp, newGuid } from '../identifiers';
import type { EventGridEvent } from './schema';

export type SecretEventType =
  | 'Microsoft.KeyVault.SecretNewVersionCreated'
  | 'Microsoft.KeyVault.SecretNearExpiry'
  | 'Microsoft.KeyVault.SecretExpired';

export interface SecretEventInput {
  eventType: SecretEventType;
  vaultResourceId: string;
  vaultName: string;
  vaultUrl: string;
  secretName: string;
  version: string;
  nbf?: number;
  exp?: number;
}

export function secretEvent(input: SecretEventInput, nowMs: number): EventGridEvent {
  return {
    id: newGuid(),
    topic: input.vaultResourceId,
    subject: input.secretName,
    eventType: input.eventType,
    eventTime: azureTimestamp(nowMs),
    data: {
      Id: `${input.vaultUrl}/secrets/${input.secretName}/${input.version}`,
      VaultName: input.vaultName,
      ObjectType: 'Secret',
      ObjectName: input.secretName,
      Version: input.version,
      NBF: input.nbf === undefined ? null : String(input.nbf),
      EXP: input.exp === undefined ? null : String(input.exp),
    },
    dataVersion: '1',
    metadataVersion: '1',
  };
}
