/**
 * SecretsGateway on `@azure/keyvault-secrets`. Only secret *properties* pass through: listing and updating never
 * return values, and the one read that would (`getSecret`) is not used.
 */
import type { SecretClient, SecretProperties } from '@azure/keyvault-secrets';
import { toGatewayError } from '../errors';
import type { SecretPropertiesRecord, SecretsGateway } from '../types';
import { type AzureConnection, credentialFor, sdkClientOptions } from './connection';

export class KeyVaultSecretsGateway implements SecretsGateway {
  private readonly clients = new Map<string, SecretClient>();

  constructor(private readonly connection: AzureConnection) {}

  private client(vaultUrl: string): SecretClient {
    const key = vaultUrl.replace(/\/+$/, '').toLowerCase();
    let client = this.clients.get(key);
    if (!client) {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { SecretClient: Client } = require('@azure/keyvault-secrets') as typeof import('@azure/keyvault-secrets');
      client = new Client(vaultUrl, credentialFor(this.connection), {
        ...sdkClientOptions(this.connection),
        // A local vault is not under *.vault.azure.net; in Azure the check stays on.
        ...(this.connection.target === 'emulator' ? { disableChallengeResourceVerification: true } : {}),
      });
      this.clients.set(key, client);
    }
    return client;
  }

  async listSecrets(vaultUrl: string): Promise<SecretPropertiesRecord[]> {
    const out: SecretPropertiesRecord[] = [];
    try {
      for await (const p of this.client(vaultUrl).listPropertiesOfSecrets()) out.push(toRecord(vaultUrl, p));
    } catch (err) {
      throw toGatewayError(err, 'listing secrets in', vaultUrl);
    }
    return out;
  }

  async listSecretVersions(vaultUrl: string, name: string): Promise<SecretPropertiesRecord[]> {
    const out: SecretPropertiesRecord[] = [];
    try {
      for await (const p of this.client(vaultUrl).listPropertiesOfSecretVersions(name)) out.push(toRecord(vaultUrl, p));
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode === 404) return [];
      throw toGatewayError(err, 'listing versions of secret', `${vaultUrl}/secrets/${name}`);
    }
    return out;
  }

  async getSecretProperties(vaultUrl: string, name: string, version?: string): Promise<SecretPropertiesRecord | undefined> {
    const versions = await this.listSecretVersions(vaultUrl, name);
    if (versions.length === 0) return undefined;
    if (version) return versions.find((v) => v.version === version);
    // The latest version is the most recently created one.
    return [...versions].sort((a, b) => (b.createdOn ?? '').localeCompare(a.createdOn ?? ''))[0];
  }

  async setSecretEnabled(vaultUrl: string, name: string, version: string, enabled: boolean): Promise<SecretPropertiesRecord> {
    try {
      return toRecord(vaultUrl, await this.client(vaultUrl).updateSecretProperties(name, version, { enabled }));
    } catch (err) {
      throw toGatewayError(err, enabled ? 'enabling secret' : 'disabling secret', `${vaultUrl}/secrets/${name}/${version}`);
    }
  }

  async updateSecretTags(vaultUrl: string, name: string, version: string, tags: Record<string, string>): Promise<SecretPropertiesRecord> {
    try {
      return toRecord(vaultUrl, await this.client(vaultUrl).updateSecretProperties(name, version, { tags }));
    } catch (err) {
      throw toGatewayError(err, 'tagging secret', `${vaultUrl}/secrets/${name}/${version}`);
    }
  }
}

function toRecord(vaultUrl: string, p: SecretProperties): SecretPropertiesRecord {
  return {
    vaultUrl: vaultUrl.replace(/\/+$/, ''),
    name: p.name,
    ...(p.version ? { version: p.version } : {}),
    enabled: p.enabled !== false,
    ...(p.expiresOn ? { expiresOn: p.expiresOn.toISOString() } : {}),
    ...(p.notBefore ? { notBefore: p.notBefore.toISOString() } : {}),
    ...(p.createdOn ? { createdOn: p.createdOn.toISOString() } : {}),
    ...(p.updatedOn ? { updatedOn: p.updatedOn.toISOString() } : {}),
    ...(p.contentType ? { contentType: p.contentType } : {}),
    tags: { ...(p.tags ?? {}) },
    managed: p.managed === true,
  };
}
