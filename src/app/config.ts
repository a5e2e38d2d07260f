/**
 * The function app's configuration, read once from environment variables (app settings in Azure,
 * `local.settings.json` or the local stack's environment locally) and validated: a bad value fails at startup with
 * the variable's name, never later in a remediation. Secrets (webhook URL, signing keys) are read here and never
 * echoed: errors name the variable, not the value.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { OidcSettings } from '../approval/approverIdentity';
import { InputError } from '../errors';
import { type AzureConnection, connectionFromEnv } from '../gateways/azure/connection';
import { defaultPolicy, parsePolicyText } from '../policy/loadPolicy';
import type { Policy } from '../policy/types';
import type { SelfIdentity } from '../remediation/dispatch';

export interface AppConfig {
  azure: AzureConnection;
  /** Local state (baselines, audit log, approval nonces) when not using Azure storage. */
  dataDir: string;
  policy: Policy;
  teamsWebhookUrl?: string;
  /** Base URL of the function app, for links in cards. */
  publicUrl: string;
  /** First signs, all verify. */
  signingKeys: Buffer[];
  self: SelfIdentity;
  approverAuth: { appServiceHeaders: boolean; oidc?: OidcSettings & { jwksUris?: Record<string, string> } };
  /** Subscription / resource-group ids the reconciliation sweep covers. */
  monitoredScopes: string[];
  /** Poll interval for ARM long-running operations (Azure's Retry-After wins when longer). */
  lroPollMs: number;
}

const list = (value: string | undefined): string[] => (value ?? '').split(',').map((s) => s.trim()).filter((s) => s.length > 0);

export function loadAppConfig(env: Record<string, string | undefined> = process.env): AppConfig {
  const policyFile = env.DRIFTWARDEN_POLICY_FILE;
  let policy: Policy;
  if (policyFile) {
    let text: string;
    try {
      text = readFileSync(policyFile, 'utf8');
    } catch (err) {
      throw new InputError('DRIFTWARDEN_POLICY_FILE', policyFile, `cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
    }
    policy = parsePolicyText(text, policyFile);
  } else {
    policy = defaultPolicy();
  }
  const signingKeys = [env.DRIFTWARDEN_APPROVAL_SIGNING_KEY, env.DRIFTWARDEN_APPROVAL_SIGNING_KEY_PREVIOUS]
    .map((value, i) => (value ? signingKey(value, i === 0 ? 'DRIFTWARDEN_APPROVAL_SIGNING_KEY' : 'DRIFTWARDEN_APPROVAL_SIGNING_KEY_PREVIOUS') : undefined))
    .filter((k): k is Buffer => k !== undefined);
  const webhook = env.DRIFTWARDEN_TEAMS_WEBHOOK_URL;
  const auth = list(env.DRIFTWARDEN_APPROVER_AUTH ?? 'oidc');
  for (const a of auth) {
    if (a !== 'oidc' && a !== 'appServiceHeaders') throw new InputError('DRIFTWARDEN_APPROVER_AUTH', a, 'must list "oidc" and/or "appServiceHeaders"');
  }
  // The principal headers are only trustworthy when App Service Authentication sits in front and strips any a client
  // sends; without it, anyone could claim to be an approver. So they are never trusted by default, and trusting them
  // where App Service says authentication is off is refused outright.
  if (auth.includes('appServiceHeaders') && (env.WEBSITE_AUTH_ENABLED ?? '').toLowerCase() !== 'true') {
    throw new InputError(
      'DRIFTWARDEN_APPROVER_AUTH',
      env.DRIFTWARDEN_APPROVER_AUTH,
      'lists appServiceHeaders, but App Service Authentication is not enabled (WEBSITE_AUTH_ENABLED is not True): turn it on for the app, or use oidc',
    );
  }
  const issuers = list(env.DRIFTWARDEN_OIDC_ISSUERS);
  const audiences = list(env.DRIFTWARDEN_OIDC_AUDIENCES);
  if (auth.includes('oidc') && issuers.length > 0 && audiences.length === 0) {
    throw new InputError('DRIFTWARDEN_OIDC_AUDIENCES', '', 'must name the audience approval tokens are issued for (e.g. api://driftwarden)');
  }
  const jwksUris = parseJwksUris(env.DRIFTWARDEN_OIDC_JWKS_URIS);
  const lroPollMs = Number(env.DRIFTWARDEN_LRO_POLL_MS ?? 1000);
  if (!Number.isInteger(lroPollMs) || lroPollMs < 0) throw new InputError('DRIFTWARDEN_LRO_POLL_MS', env.DRIFTWARDEN_LRO_POLL_MS, 'must be a whole number of milliseconds');
  return {
    azure: connectionFromEnv(env),
    dataDir: resolve(env.DRIFTWARDEN_DATA_DIR ?? '.driftwarden/data'),
    policy,
    ...(webhook ? { teamsWebhookUrl: webhook } : {}),
    publicUrl: (env.DRIFTWARDEN_PUBLIC_URL ?? (env.WEBSITE_HOSTNAME ? `https://${env.WEBSITE_HOSTNAME}` : 'http://localhost:7071')).replace(/\/+$/, ''),
    signingKeys,
    self: { objectIds: list(env.DRIFTWARDEN_SELF_OBJECT_IDS), appIds: list(env.DRIFTWARDEN_SELF_APP_IDS) },
    approverAuth: {
      appServiceHeaders: auth.includes('appServiceHeaders'),
      ...(auth.includes('oidc') && issuers.length > 0 ? { oidc: { issuers, audiences, ...(jwksUris ? { jwksUris } : {}) } } : {}),
    },
    monitoredScopes: list(env.DRIFTWARDEN_MONITORED_SCOPES),
    lroPollMs,
  };
}

/** A signing key: at least 32 bytes, given as base64 (`base64:...`) or as text. */
function signingKey(value: string, name: string): Buffer {
  const key = value.startsWith('base64:') ? Buffer.from(value.slice(7), 'base64') : Buffer.from(value, 'utf8');
  if (key.length < 32) throw new InputError(name, '(not shown: it is a secret)', 'must be at least 32 bytes (generate one with: openssl rand -base64 48)', { omitValue: true });
  return key;
}

/** `issuer=jwksUri` pairs, comma-separated; otherwise the issuer's OpenID discovery document is used. */
function parseJwksUris(value: string | undefined): Record<string, string> | undefined {
  if (!value) return undefined;
  const out: Record<string, string> = {};
  for (const pair of list(value)) {
    const at = pair.indexOf('=');
    if (at <= 0) throw new InputError('DRIFTWARDEN_OIDC_JWKS_URIS', pair, 'must be comma-separated issuer=jwksUri pairs');
    out[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return out;
}
