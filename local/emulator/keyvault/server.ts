/**
 * The Key Vault secrets data plane, one HTTPS listener per vault so each vault has its own base URL and secret ids
 * keep Key Vault's exact shape `<vaultUrl>/secrets/<name>/<version>` (the SDK parses ids by path segment count, so a
 * path prefix per vault would break it, and `*.localhost` names do not resolve here). Unauthenticated requests get
 * the challenge the SDK's keyVaultAuthenticationPolicy expects (feasibility.md §6).
 */
import type { ServerResponse } from 'node:http';
import { epochSeconds, newSecretVersion } from '../identifiers';
import { header, pageOf, parseJsonBody, sendEmpty, sendJson, sleep } from '../http';
import type { EmulatorRequest } from '../http';
import { VAULT_AUDIENCE, decodeJwt } from '../identities';
import { Router } from '../router';
import type { RouteParams } from '../router';
import type { DeletedSecretRecord, EmulatorState, SecretRecord, SecretVersionRecord, VaultRecord } from '../state';
import { vaultResourceId } from '../state';
import type { EventBus } from '../events/bus';
import { secretEvent } from '../events/keyVaultEvents';
import type { FaultRegistry, FaultStatus } from '../faults';
import { deletedBundle, latestVersion, secretBundle, secretItem } from './shapes';

export class KeyVaultError extends Error {
  override readonly name = 'KeyVaultError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly innerCode?: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  body(): Record<string, unknown> {
    return { error: { code: this.code, message: this.message, ...(this.innerCode ? { innererror: { code: this.innerCode } } : {}) } };
  }
}

export interface KeyVaultServices {
  state: EmulatorState;
  bus: EventBus;
  faults: FaultRegistry;
  now: () => number;
  /** The URL a vault is served at (known once its listener is up). */
  vaultUrl: (vault: VaultRecord) => string;
  /** Called after a request changed the vault (set, update, delete, recover, purge). */
  changed?: () => void;
}

interface KvContext {
  services: KeyVaultServices;
  vault: VaultRecord;
  vaultUrl: string;
  req: EmulatorRequest;
  params: RouteParams;
}

interface KvResponse {
  status: number;
  body?: unknown;
}

type KvHandler = (ctx: KvContext) => KvResponse;

const SECRET_NAME = /^[0-9a-zA-Z-]{1,127}$/;
const DAY_SECONDS = 24 * 60 * 60;
const MAX_PAGE = 25;

const router = new Router<KvHandler>()
  .add('GET', '/secrets', listSecrets)
  .add('GET', '/secrets/:name/versions', listVersions)
  .add('PUT', '/secrets/:name', setSecret)
  .add('GET', '/secrets/:name', getSecret)
  .add('GET', '/secrets/:name/:version', getSecret)
  .add('PATCH', '/secrets/:name', updateSecret)
  .add('PATCH', '/secrets/:name/:version', updateSecret)
  .add('DELETE', '/secrets/:name', deleteSecret)
  .add('GET', '/deletedsecrets', listDeleted)
  .add('GET', '/deletedsecrets/:name', getDeleted)
  .add('DELETE', '/deletedsecrets/:name', purgeDeleted)
  .add('POST', '/deletedsecrets/:name/recover', recoverDeleted);

export class KeyVaultFrontDoor {
  constructor(private readonly services: KeyVaultServices) {}

  async handle(vault: VaultRecord, req: EmulatorRequest, res: ServerResponse): Promise<void> {
    const requestId = req.headers['x-ms-client-request-id'];
    const common: Record<string, string> = { 'cache-control': 'no-cache', 'x-ms-keyvault-service-version': '1.9.0.0', 'x-ms-request-id': typeof requestId === 'string' ? requestId : '' };
    const plan = this.services.faults.planRequest('keyvault', req.method, req.path);
    if (plan.latencyMs > 0) await sleep(plan.latencyMs);
    let response: KvResponse;
    try {
      if (plan.respond) throw faultError(plan.respond);
      this.authenticate(req);
      const match = router.match(req.method, req.segments);
      if (match.kind !== 'found') {
        throw new KeyVaultError(match.kind === 'methodNotAllowed' ? 405 : 404, 'BadParameter', `The request URI ${req.method} ${req.path} is not served by the driftwarden emulator (it emulates the Key Vault secrets API).`);
      }
      response = match.handler({ services: this.services, vault, vaultUrl: this.services.vaultUrl(vault), req, params: match.params });
    } catch (err) {
      if (!(err instanceof KeyVaultError)) throw err;
      sendJson(res, err.status, err.body(), { ...common, ...err.headers });
      return;
    }
    if (response.body === undefined) sendEmpty(res, response.status, common);
    else sendJson(res, response.status, response.body, common);
    if (req.method !== 'GET' && req.method !== 'HEAD' && response.status < 400) this.services.changed?.();
  }

  /**
   * The first request of every SecretClient carries no token: answer 401 with the challenge naming the tenant and
   * the vault resource; the SDK then gets a token for `https://vault.azure.net/.default` and retries.
   */
  private authenticate(req: EmulatorRequest): void {
    const authorization = header(req, 'authorization');
    const challenge = { 'www-authenticate': `Bearer authorization="https://login.microsoftonline.com/${this.services.state.tenantId}", resource="${VAULT_AUDIENCE}"` };
    if (authorization === undefined || authorization.trim() === '') {
      throw new KeyVaultError(401, 'Unauthorized', 'AKV10000: Request is missing a Bearer or PoP token.', undefined, challenge);
    }
    const match = /^Bearer\s+(\S+)$/i.exec(authorization.trim());
    const claims = match ? decodeJwt(match[1]!) : undefined;
    if (!claims) throw new KeyVaultError(401, 'Unauthorized', 'AKV10032: Invalid issuer. The bearer token could not be read as a JWT.', undefined, challenge);
    const aud = claims['aud'];
    if (typeof aud === 'string' && aud.replace(/\/$/, '') !== VAULT_AUDIENCE) {
      throw new KeyVaultError(401, 'Unauthorized', `AKV10022: Invalid audience. Expected ${VAULT_AUDIENCE}, found: ${aud}.`, undefined, challenge);
    }
  }
}

function faultError(fault: FaultStatus): KeyVaultError {
  if (fault.kind === 'throttle') {
    const seconds = fault.retryAfterSeconds ?? 1;
    return new KeyVaultError(429, 'Throttled', 'Request was not processed because too many requests were received. Reason: A maximum of 4000 transactions in 10 seconds are allowed per vault.', undefined, { 'retry-after': String(seconds) });
  }
  const status = fault.status ?? 500;
  const headers: Record<string, string> = fault.retryAfterSeconds !== undefined ? { 'retry-after': String(fault.retryAfterSeconds) } : {};
  if (status === 503) return new KeyVaultError(503, 'ServiceUnavailable', 'The service is temporarily unavailable. Please retry the request.', undefined, headers);
  return new KeyVaultError(status, 'InternalServerError', 'An unexpected error occurred in the service. Please retry the request.', undefined, headers);
}

function name(ctx: KvContext): string {
  const value = ctx.params['name'] ?? '';
  if (!SECRET_NAME.test(value)) throw new KeyVaultError(400, 'BadParameter', `The request URI contains an invalid name: ${value}`);
  return value;
}

function findSecret(ctx: KvContext, secretName: string): SecretRecord {
  const secret = ctx.vault.secrets.get(secretName.toLowerCase());
  if (!secret) throw new KeyVaultError(404, 'SecretNotFound', `Secret not found: ${secretName}`);
  return secret;
}

function findVersion(ctx: KvContext, secret: SecretRecord): SecretVersionRecord {
  const version = ctx.params['version'];
  if (version === undefined || version === '') return latestVersion(secret);
  const found = secret.versions.find((v) => v.version === version.toLowerCase());
  if (!found) throw new KeyVaultError(404, 'SecretNotFound', `Secret not found: ${secret.name}/${version}`);
  return found;
}

function jsonObject(ctx: KvContext): Record<string, unknown> {
  const parsed = parseJsonBody(ctx.req);
  if (!parsed.ok) throw new KeyVaultError(400, 'BadParameter', `The request body is not valid JSON: ${parsed.message}`);
  if (parsed.value === null || typeof parsed.value !== 'object' || Array.isArray(parsed.value)) throw new KeyVaultError(400, 'BadParameter', 'The request body must be a JSON object.');
  return parsed.value as Record<string, unknown>;
}

interface AttributeUpdate {
  enabled?: boolean;
  nbf?: number;
  exp?: number;
}

function readAttributes(value: unknown): AttributeUpdate {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw new KeyVaultError(400, 'BadParameter', 'attributes must be an object.');
  const a = value as Record<string, unknown>;
  const out: AttributeUpdate = {};
  if (a['enabled'] !== undefined && a['enabled'] !== null) {
    if (typeof a['enabled'] !== 'boolean') throw new KeyVaultError(400, 'BadParameter', `attributes.enabled must be a boolean (got ${JSON.stringify(a['enabled'])}).`);
    out.enabled = a['enabled'];
  }
  for (const field of ['nbf', 'exp'] as const) {
    const v = a[field];
    if (v === undefined || v === null) continue;
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new KeyVaultError(400, 'BadParameter', `attributes.${field} must be epoch seconds (got ${JSON.stringify(v)}).`);
    out[field] = Math.floor(v);
  }
  return out;
}

function readTags(value: unknown): Record<string, string> | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) throw new KeyVaultError(400, 'BadParameter', 'tags must be an object of string values.');
  const out: Record<string, string> = {};
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length > 15) throw new KeyVaultError(400, 'BadParameter', `A secret can have at most 15 tags (got ${entries.length}).`);
  for (const [k, v] of entries) {
    if (typeof v !== 'string') throw new KeyVaultError(400, 'BadParameter', `tags.${k} must be a string.`);
    out[k] = v;
  }
  return out;
}

/** Adds a version to a vault (used by `PUT /secrets/{name}` and by the seed) and raises SecretNewVersionCreated. */
export function addSecretVersion(
  services: KeyVaultServices,
  vault: VaultRecord,
  secretName: string,
  input: { value: string; contentType?: string; tags?: Record<string, string>; enabled?: boolean; nbf?: number; exp?: number; managed?: boolean },
  publish: boolean,
): { secret: SecretRecord; version: SecretVersionRecord } {
  const now = epochSeconds(services.now());
  let secret = vault.secrets.get(secretName.toLowerCase());
  if (!secret) {
    secret = { name: secretName, versions: [] };
    vault.secrets.set(secretName.toLowerCase(), secret);
  }
  const version: SecretVersionRecord = { version: newSecretVersion(), value: input.value, enabled: input.enabled ?? true, created: now, updated: now };
  if (input.contentType !== undefined) version.contentType = input.contentType;
  if (input.tags !== undefined) version.tags = input.tags;
  if (input.nbf !== undefined) version.nbf = input.nbf;
  if (input.exp !== undefined) version.exp = input.exp;
  if (input.managed) version.managed = true;
  secret.versions.push(version);
  if (publish) {
    services.bus.publish(
      secretEvent(
        { eventType: 'Microsoft.KeyVault.SecretNewVersionCreated', vaultResourceId: vaultResourceId(vault), vaultName: vault.name, vaultUrl: services.vaultUrl(vault), secretName: secret.name, version: version.version, nbf: version.nbf, exp: version.exp },
        services.now(),
      ),
    );
  }
  return { secret, version };
}

function setSecret(ctx: KvContext): KvResponse {
  const secretName = name(ctx);
  if (ctx.vault.deleted.has(secretName.toLowerCase())) {
    throw new KeyVaultError(409, 'Conflict', `Secret ${secretName} is currently in a deleted but recoverable state, and its name cannot be reused; in this state, the secret can only be recovered or purged.`, 'ObjectIsDeletedButRecoverable');
  }
  const body = jsonObject(ctx);
  if (typeof body['value'] !== 'string') throw new KeyVaultError(400, 'BadParameter', 'Property value is required and must be a string.');
  if (body['contentType'] !== undefined && body['contentType'] !== null && typeof body['contentType'] !== 'string') throw new KeyVaultError(400, 'BadParameter', 'contentType must be a string.');
  const attrs = readAttributes(body['attributes']);
  const tags = readTags(body['tags']);
  const { secret, version } = addSecretVersion(
    ctx.services,
    ctx.vault,
    secretName,
    { value: body['value'], ...(typeof body['contentType'] === 'string' ? { contentType: body['contentType'] } : {}), ...(tags ? { tags } : {}), ...attrs },
    true,
  );
  return { status: 200, body: secretBundle(ctx.vault, ctx.vaultUrl, secret, version, true) };
}

function getSecret(ctx: KvContext): KvResponse {
  const secret = findSecret(ctx, name(ctx));
  const version = findVersion(ctx, secret);
  if (!version.enabled) throw new KeyVaultError(403, 'Forbidden', 'Operation get is not allowed on a disabled secret.', 'SecretDisabled');
  return { status: 200, body: secretBundle(ctx.vault, ctx.vaultUrl, secret, version, true) };
}

function updateSecret(ctx: KvContext): KvResponse {
  const secret = findSecret(ctx, name(ctx));
  const version = findVersion(ctx, secret);
  const body = jsonObject(ctx);
  const attrs = readAttributes(body['attributes']);
  const tags = readTags(body['tags']);
  if (attrs.enabled !== undefined) version.enabled = attrs.enabled;
  if (attrs.nbf !== undefined) version.nbf = attrs.nbf;
  if (attrs.exp !== undefined) version.exp = attrs.exp;
  if (tags !== undefined) version.tags = tags;
  if (typeof body['contentType'] === 'string') version.contentType = body['contentType'];
  version.updated = epochSeconds(ctx.services.now());
  return { status: 200, body: secretBundle(ctx.vault, ctx.vaultUrl, secret, version, false) };
}

function maxResults(ctx: KvContext): number {
  const raw = ctx.req.query.get('maxresults');
  if (raw === null || raw === '') return MAX_PAGE;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > MAX_PAGE) throw new KeyVaultError(400, 'BadParameter', `maxresults must be an integer from 1 to ${MAX_PAGE} (got ${raw}).`);
  return n;
}

function listBody(ctx: KvContext, items: unknown[]): KvResponse {
  const page = pageOf(ctx.req, items, maxResults(ctx));
  return { status: 200, body: { value: page.items, nextLink: page.nextLink ?? null } };
}

function listSecrets(ctx: KvContext): KvResponse {
  const items = [...ctx.vault.secrets.values()].map((s) => secretItem(ctx.vault, ctx.vaultUrl, s, latestVersion(s), false));
  return listBody(ctx, items);
}

function listVersions(ctx: KvContext): KvResponse {
  const secret = findSecret(ctx, name(ctx));
  return listBody(ctx, secret.versions.map((v) => secretItem(ctx.vault, ctx.vaultUrl, secret, v, true)));
}

function deleteSecret(ctx: KvContext): KvResponse {
  const secretName = name(ctx);
  const secret = findSecret(ctx, secretName);
  ctx.vault.secrets.delete(secretName.toLowerCase());
  const now = epochSeconds(ctx.services.now());
  if (ctx.vault.softDeleteRetentionDays <= 0) {
    return { status: 200, body: secretBundle(ctx.vault, ctx.vaultUrl, secret, latestVersion(secret), false) };
  }
  const deleted = { secret, deletedDate: now, scheduledPurgeDate: now + ctx.vault.softDeleteRetentionDays * DAY_SECONDS };
  ctx.vault.deleted.set(secretName.toLowerCase(), deleted);
  return { status: 200, body: deletedBundle(ctx.vault, ctx.vaultUrl, deleted, false) };
}

function findDeleted(ctx: KvContext, secretName: string): DeletedSecretRecord {
  const deleted = ctx.vault.deleted.get(secretName.toLowerCase());
  if (!deleted) throw new KeyVaultError(404, 'SecretNotFound', `Deleted Secret not found: ${secretName}`);
  return deleted;
}

function listDeleted(ctx: KvContext): KvResponse {
  return listBody(ctx, [...ctx.vault.deleted.values()].map((d) => deletedBundle(ctx.vault, ctx.vaultUrl, d, true)));
}

function getDeleted(ctx: KvContext): KvResponse {
  return { status: 200, body: deletedBundle(ctx.vault, ctx.vaultUrl, findDeleted(ctx, name(ctx)), false) };
}

function purgeDeleted(ctx: KvContext): KvResponse {
  const secretName = name(ctx);
  findDeleted(ctx, secretName);
  ctx.vault.deleted.delete(secretName.toLowerCase());
  return { status: 204 };
}

function recoverDeleted(ctx: KvContext): KvResponse {
  const secretName = name(ctx);
  const deleted = findDeleted(ctx, secretName);
  ctx.vault.deleted.delete(secretName.toLowerCase());
  ctx.vault.secrets.set(secretName.toLowerCase(), deleted.secret);
  return { status: 200, body: secretBundle(ctx.vault, ctx.vaultUrl, deleted.secret, latestVersion(deleted.secret), false) };
}
