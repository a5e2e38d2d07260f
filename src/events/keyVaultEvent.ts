/**
 * Key Vault secret events (`SecretNewVersionCreated`, `SecretNearExpiry`, `SecretExpired`). The wire format uses
 * PascalCase keys (`Id`, `VaultName`, `ObjectName`, `Version`, `NBF`, `EXP`), the Learn sample camelCase with stray
 * spaces in keys and values, and dates come as epoch-second numbers or strings; all of that is accepted.
 */

import { normalizeResourceId } from '../arm/resourceId';
import { describeValue } from '../errors';
import { canonicalGuidOrSelf } from './actor';
import { PublisherResult, newChange } from './change';
import { Envelope, readEventData } from './envelope';
import { KnownEventType } from './eventTypes';
import { EventFieldError, JsonObject, childPath, optionalString } from './fields';
import { lastSegment, subscriptionOf } from './resourceKind';
import { SecretEventFacts } from './types';

const VAULT_MARK = '/providers/microsoft.keyvault/vaults/';

/** A data field found case- and space-insensitively, with the key as written for error paths. */
interface Field {
  path: string;
  value: unknown;
}

function indexFields(data: JsonObject): Map<string, Field> {
  const fields = new Map<string, Field>();
  for (const key of Object.keys(data)) fields.set(key.trim().toLowerCase(), { path: childPath('data', key), value: data[key] });
  return fields;
}

function text(fields: Map<string, Field>, name: string): { value: string; path: string } | undefined {
  const field = fields.get(name);
  if (field === undefined) return undefined;
  const value = optionalString(field.value, field.path);
  return value === undefined ? undefined : { value, path: field.path };
}

/** Epoch seconds (number or numeric string) → ISO 8601. Absent, null, empty and 0 mean "no date". */
function epochToIso(fields: Map<string, Field>, name: string): string | undefined {
  const field = fields.get(name);
  if (field === undefined || field.value === null || field.value === undefined) return undefined;
  const raw = field.value;
  const seconds = typeof raw === 'string' ? (raw.trim() === '' ? 0 : Number(raw.trim())) : raw;
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0 || seconds > 8.64e9) {
    throw new EventFieldError(field.path, `expected epoch seconds as a number or numeric string (got ${describeValue(raw)})`);
  }
  return seconds === 0 ? undefined : new Date(seconds * 1000).toISOString();
}

/** `https://<vault>/secrets/<name>[/<version>]` → its parts. */
function parseObjectUrl(id: string, path: string): { vaultUrl: string; name?: string; version?: string } {
  let url: URL;
  try {
    url = new URL(id);
  } catch {
    throw new EventFieldError(path, `expected a Key Vault object URL such as https://<vault>.vault.azure.net/secrets/<name>/<version> (got ${describeValue(id)})`);
  }
  const segments = url.pathname.split('/').filter((s) => s !== '');
  const parts: { vaultUrl: string; name?: string; version?: string } = { vaultUrl: url.origin };
  if (segments[0]?.toLowerCase() === 'secrets') {
    if (segments[1] !== undefined) parts.name = segments[1];
    if (segments[2] !== undefined) parts.version = segments[2];
  }
  return parts;
}

export function normalizeKeyVaultSecretEvent(envelope: Envelope, known: KnownEventType): PublisherResult {
  const data = readEventData(envelope);
  const fields = indexFields(data);

  const vaultId = normalizeResourceId(envelope.source);
  const vaultAt = vaultId.lastIndexOf(VAULT_MARK);
  if (vaultAt < 0 || vaultId.indexOf('/', vaultAt + VAULT_MARK.length) !== -1 || vaultId.length === vaultAt + VAULT_MARK.length) {
    throw new EventFieldError(envelope.sourceField, `expected the vault's ARM id (…/providers/Microsoft.KeyVault/vaults/{name}) (got ${describeValue(envelope.source)})`);
  }

  const id = text(fields, 'id');
  const fromUrl = id === undefined ? undefined : parseObjectUrl(id.value, id.path);
  const name = text(fields, 'objectname')?.value ?? fromUrl?.name ?? envelope.subject;
  if (name === undefined) throw new EventFieldError('data.ObjectName', 'missing (and neither data.Id nor the subject names the secret)');

  const secret: SecretEventFacts = {
    vaultName: text(fields, 'vaultname')?.value ?? lastSegment(envelope.source),
    name,
  };
  if (fromUrl !== undefined) secret.vaultUrl = fromUrl.vaultUrl;
  const version = text(fields, 'version')?.value ?? fromUrl?.version;
  if (version !== undefined) secret.version = version;
  const notBefore = epochToIso(fields, 'nbf');
  if (notBefore !== undefined) secret.notBefore = notBefore;
  const expires = epochToIso(fields, 'exp');
  if (expires !== undefined) secret.expires = expires;

  // Data-plane events carry no caller identity.
  const change = newChange(envelope, 'secret', vaultId, known.operation, known.status, { type: 'unknown' });
  change.secret = secret;
  const subscription = subscriptionOf(vaultId);
  if (subscription !== undefined) change.subscriptionId = canonicalGuidOrSelf(subscription);
  return change;
}
