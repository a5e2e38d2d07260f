/**
 * How driftwarden reaches Azure: real Azure (managed identity or DefaultAzureCredential, public endpoints) or the
 * local emulator (its HTTPS endpoint, its CA, a token carrying chosen claims). Only configuration differs; the same
 * SDK clients are used either way.
 */
import { readFileSync } from 'node:fs';
import type { AccessToken, TokenCredential } from '@azure/core-auth';
import { InputError } from '../../errors';

export interface RetrySettings {
  /** Retries after the first attempt, for 429/5xx/network errors (the SDK honours Retry-After). */
  maxRetries: number;
  retryDelayInMs: number;
  maxRetryDelayInMs: number;
}

export type AzureConnection =
  | {
      target: 'azure';
      armEndpoint: string;
      /** Client id of a user-assigned managed identity; absent = DefaultAzureCredential. */
      managedIdentityClientId?: string;
      retry: RetrySettings;
    }
  | {
      target: 'emulator';
      armEndpoint: string;
      /** PEM of the emulator's CA, trusted only by these clients (never process-wide). */
      caPem: string;
      /** Claims of the identity driftwarden acts as against the emulator (oid, appid, idtyp, xms_mirid, ...). */
      claims: Record<string, unknown>;
      retry: RetrySettings;
    };

export const DEFAULT_RETRY: RetrySettings = { maxRetries: 4, retryDelayInMs: 500, maxRetryDelayInMs: 15_000 };

/**
 * Reads the connection from environment variables (app settings in Azure):
 * `DRIFTWARDEN_AZURE_TARGET` (`azure` | `emulator`, default `azure`), `DRIFTWARDEN_ARM_ENDPOINT`,
 * `AZURE_CLIENT_ID` (managed identity), and for the emulator `DRIFTWARDEN_EMULATOR_CA_FILE` and
 * `DRIFTWARDEN_EMULATOR_CLAIMS` (JSON object).
 */
export function connectionFromEnv(env: Record<string, string | undefined>): AzureConnection {
  const target = env.DRIFTWARDEN_AZURE_TARGET ?? 'azure';
  const retry = {
    ...DEFAULT_RETRY,
    ...(env.DRIFTWARDEN_RETRY_DELAY_MS ? { retryDelayInMs: positiveInt(env, 'DRIFTWARDEN_RETRY_DELAY_MS') } : {}),
    ...(env.DRIFTWARDEN_MAX_RETRIES ? { maxRetries: positiveInt(env, 'DRIFTWARDEN_MAX_RETRIES') } : {}),
  };
  if (target === 'azure') {
    return {
      target: 'azure',
      armEndpoint: env.DRIFTWARDEN_ARM_ENDPOINT ?? 'https://management.azure.com',
      ...(env.AZURE_CLIENT_ID ? { managedIdentityClientId: env.AZURE_CLIENT_ID } : {}),
      retry,
    };
  }
  if (target !== 'emulator') {
    throw new InputError('DRIFTWARDEN_AZURE_TARGET', target, 'must be "azure" or "emulator"');
  }
  const endpoint = env.DRIFTWARDEN_ARM_ENDPOINT;
  if (!endpoint || !endpoint.startsWith('https://')) {
    throw new InputError('DRIFTWARDEN_ARM_ENDPOINT', endpoint, 'must be the emulator\'s https:// URL (the SDK refuses bearer tokens over http)');
  }
  const caFile = env.DRIFTWARDEN_EMULATOR_CA_FILE;
  if (!caFile) throw new InputError('DRIFTWARDEN_EMULATOR_CA_FILE', caFile, 'must name the PEM file the emulator wrote with --ca-out');
  let caPem: string;
  try {
    caPem = readFileSync(caFile, 'utf8');
  } catch (err) {
    throw new InputError('DRIFTWARDEN_EMULATOR_CA_FILE', caFile, `cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  let claims: Record<string, unknown>;
  try {
    claims = JSON.parse(env.DRIFTWARDEN_EMULATOR_CLAIMS ?? "{}") as Record<string, unknown>;
  } catch {
    throw new InputError('DRIFTWARDEN_EMULATOR_CLAIMS', '(not shown)', 'must be a JSON object of token claims');
  }
  return { target: 'emulator', armEndpoint: endpoint.replace(/\/+$/, ''), caPem, claims, retry };
}

function positiveInt(env: Record<string, string | undefined>, name: string): number {
  const value = Number(env[name]);
  if (!Number.isInteger(value) || value < 0) throw new InputError(name, env[name], 'must be a whole number');
  return value;
}

let cachedCredential: { key: string; credential: TokenCredential } | undefined;

/** The credential for a connection; Azure credentials load `@azure/identity` only when first needed. */
export function credentialFor(connection: AzureConnection): TokenCredential {
  if (connection.target === 'emulator') return emulatorTokenCredential(connection.claims);
  const key = connection.managedIdentityClientId ?? 'default';
  if (cachedCredential?.key === key) return cachedCredential.credential;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const identity = require('@azure/identity') as typeof import('@azure/identity');
  const credential = connection.managedIdentityClientId
    ? new identity.ManagedIdentityCredential({ clientId: connection.managedIdentityClientId })
    : new identity.DefaultAzureCredential();
  cachedCredential = { key, credential };
  return credential;
}

/**
 * A token for the emulator: an unsigned JWT whose claims say who the caller is. The emulator reads the claims and
 * does not check signatures; real Azure would reject it, which is the point.
 */
export function emulatorTokenCredential(claims: Record<string, unknown>): TokenCredential {
  return {
    async getToken(scopes: string | string[]): Promise<AccessToken> {
      const now = Math.floor(Date.now() / 1000);
      // The audience follows the requested scope, as Entra ID issues it (ARM, Key Vault, or the emulator's URL).
      const scope = (Array.isArray(scopes) ? scopes[0] : scopes) ?? '';
      const aud = scope.replace(/\/?\.default$/, '').replace(/^https:\/\/management\.azure\.com$/, 'https://management.azure.com/');
      const payload = { iat: now, nbf: now, exp: now + 3600, ...(aud ? { aud } : {}), ...claims };
      const encode = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
      return { token: `${encode({ alg: 'none', typ: 'JWT' })}.${encode(payload)}.`, expiresOnTimestamp: (now + 3600) * 1000 };
    },
  };
}

/** SDK client options shared by the ARM and Key Vault clients. */
export function sdkClientOptions(connection: AzureConnection): {
  retryOptions: RetrySettings;
  tlsOptions?: { ca: string };
  userAgentOptions: { userAgentPrefix: string };
} {
  return {
    retryOptions: connection.retry,
    userAgentOptions: { userAgentPrefix: 'driftwarden' },
    ...(connection.target === 'emulator' ? { tlsOptions: { ca: connection.caPem } } : {}),
  };
}
