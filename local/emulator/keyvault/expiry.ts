/**
 * SecretNearExpiry (30 days before `exp`) and SecretExpired, checked over every secret version that has an `exp`.
 * Each notification fires once per version: the vault remembers what it already announced.
 */
import { secretEvent } from '../events/keyVaultEvents';
import type { EventGridEvent } from '../events/schema';
import type { EmulatorState, VaultRecord } from '../state';
import { vaultResourceId } from '../state';

const NEAR_EXPIRY_SECONDS = 30 * 24 * 60 * 60;

export function checkSecretExpiry(state: EmulatorState, nowMs: number, vaultUrl: (vault: VaultRecord) => string): EventGridEvent[] {
  const now = Math.floor(nowMs / 1000);
  const emitted: EventGridEvent[] = [];
  for (const vault of state.vaults.values()) {
    for (const secret of vault.secrets.values()) {
      for (const version of secret.versions) {
        if (version.exp === undefined) continue;
        const key = (type: string): string => `${type}|${secret.name.toLowerCase()}|${version.version}`;
        let type: 'Microsoft.KeyVault.SecretExpired' | 'Microsoft.KeyVault.SecretNearExpiry' | undefined;
        if (now >= version.exp) {
          if (!vault.notified.has(key('Expired'))) type = 'Microsoft.KeyVault.SecretExpired';
        } else if (now >= version.exp - NEAR_EXPIRY_SECONDS) {
          if (!vault.notified.has(key('NearExpiry'))) type = 'Microsoft.KeyVault.SecretNearExpiry';
        }
        if (type === undefined) continue;
        vault.notified.add(key(type === 'Microsoft.KeyVault.SecretExpired' ? 'Expired' : 'NearExpiry'));
        // A version first seen already expired gets only SecretExpired; its near-expiry moment has passed.
        if (type === 'Microsoft.KeyVault.SecretExpired') vault.notified.add(key('NearExpiry'));
        emitted.push(
          secretEvent(
            { eventType: type, vaultResourceId: vaultResourceId(vault), vaultName: vault.name, vaultUrl: vaultUrl(vault), secretName: secret.name, version: version.version, nbf: version.nbf, exp: version.exp },
            nowMs,
          ),
        );
      }
    }
  }
  return emitted;
}
