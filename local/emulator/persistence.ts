/**
 * Optional persistence of the emulated Azure (`stateFile`): what clients can change — NSGs with their rules and
 * etags, role assignments, vault secrets with every version, soft-deleted secrets, and the expiry notifications
 * already sent — is written to one JSON file after every change and read back on start, so a restarted emulator
 * remembers, as Azure does. What the seed declares and nobody can change through the APIs (tenant, subscriptions,
 * resource groups, virtual networks, identities, role definitions, vaults themselves) still comes from the seed; the
 * file records a fingerprint of that seed and is refused when started with another one.
 *
 * Writes are atomic (a temp file in the same folder, then rename), mode 0600, and throttled: the first change
 * schedules a write `delayMs` later and every change until then rides along, so a kill -9 loses at most the last
 * `delayMs` of changes; `close()` flushes.
 */
import { createHash } from 'node:crypto';
import { mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { InputError } from '../../src/errors';
import { SchemaError, validateWith } from '../../src/validation';
import { parseRuleProperties } from './arm/securityRules';
import { assignmentKey } from './arm/authorization';
import type { SeedFile } from './seed';
import type { EmulatorState, NsgRecord, RoleAssignmentRecord, SecretRecord, SecretVersionRecord, SecurityRuleRecord } from './state';
import { nsgId } from './state';

export const STATE_FILE_KIND = 'driftwarden-emulator-state';
export const STATE_FILE_FORMAT = 1;

/** A state file that cannot be used: the message names the file, what is wrong, and what to do. Exit code 3. */
export class EmulatorStateFileError extends InputError {
  constructor(
    readonly file: string,
    problem: string,
    advice = 'Delete it to start the emulator from its seed (Azure as the seed describes it).',
  ) {
    super('(state file)', file, problem, { source: file, omitValue: true });
    this.message = `emulator state file ${file} ${problem}. ${advice}`;
  }
}

/**
 * The parts of a seed that are not saved in the state file but that the saved state refers to or started from
 * (everything but `settings`, `eventSubscriptions`, `faults`, `description` and `$schema`, which are run controls
 * read from the seed on every start and may change freely between runs).
 */
export function seedFingerprint(seed: SeedFile): string {
  const { $schema: _schema, description: _description, settings: _settings, eventSubscriptions: _subscriptions, faults: _faults, ...world } = seed;
  return `sha256:${createHash('sha256').update(canonicalJson(world)).digest('hex')}`;
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

const tags = z.record(z.string(), z.string());
const epoch = z.number().int();

const secretVersionSchema = z
  .object({
    version: z.string().regex(/^[0-9a-f]{32}$/, { message: 'must be 32 lower-case hex digits (a Key Vault version)' }),
    value: z.string(),
    contentType: z.string().optional(),
    tags: tags.optional(),
    enabled: z.boolean(),
    nbf: epoch.optional(),
    exp: epoch.optional(),
    created: epoch,
    updated: epoch,
    managed: z.boolean().optional(),
  })
  .strict();

const secretSchema = z
  .object({
    name: z.string().regex(/^[0-9a-zA-Z-]{1,127}$/, { message: 'must be a Key Vault secret name' }),
    versions: z.array(secretVersionSchema).min(1, { message: 'a secret has at least one version' }),
  })
  .strict();

const stateFileSchema = z
  .object({
    kind: z.literal(STATE_FILE_KIND),
    formatVersion: z.literal(STATE_FILE_FORMAT),
    savedAt: z.string(),
    seed: z.object({ source: z.string(), fingerprint: z.string().min(1) }).strict(),
    nsgs: z.array(
      z
        .object({
          subscriptionId: z.string().min(1),
          resourceGroup: z.string().min(1),
          name: z.string().min(1),
          location: z.string().min(1),
          tags: tags.optional(),
          resourceGuid: z.string().min(1),
          etag: z.string().min(1),
          rules: z.array(z.object({ name: z.string().min(1), properties: z.record(z.string(), z.unknown()) }).strict()),
        })
        .strict(),
    ),
    roleAssignments: z.array(
      z
        .object({
          name: z.string().min(1),
          scope: z.string().startsWith('/'),
          roleDefinitionId: z.string().min(1),
          principalId: z.string().min(1),
          principalType: z.string().min(1),
          description: z.string().optional(),
          condition: z.string().optional(),
          conditionVersion: z.string().optional(),
          delegatedManagedIdentityResourceId: z.string().optional(),
          createdOn: z.string(),
          updatedOn: z.string(),
          createdBy: z.string().nullable(),
          updatedBy: z.string().nullable(),
        })
        .strict(),
    ),
    vaults: z.array(
      z
        .object({
          name: z.string().min(1),
          secrets: z.array(secretSchema),
          deletedSecrets: z.array(z.object({ secret: secretSchema, deletedDate: epoch, scheduledPurgeDate: epoch }).strict()),
          notified: z.array(z.string()),
        })
        .strict(),
    ),
  })
  .strict();

export type SavedState = z.output<typeof stateFileSchema>;

export interface SeedIdentity {
  /** Where the seed came from (a path, or a description), for messages only. */
  source: string;
  fingerprint: string;
}

/** The state file's text for the current state. Insertion order of every map is kept (it is list order). */
export function serializeState(state: EmulatorState, seed: SeedIdentity, nowMs: number): string {
  const saved: SavedState = {
    kind: STATE_FILE_KIND,
    formatVersion: STATE_FILE_FORMAT,
    savedAt: new Date(nowMs).toISOString(),
    seed: { source: seed.source, fingerprint: seed.fingerprint },
    nsgs: [...state.nsgs.values()].map((n) => ({
      subscriptionId: n.subscriptionId,
      resourceGroup: n.resourceGroup,
      name: n.name,
      location: n.location,
      ...(n.tags ? { tags: { ...n.tags } } : {}),
      resourceGuid: n.resourceGuid,
      etag: n.etag,
      rules: [...n.rules.values()].map((r) => ({ name: r.name, properties: { ...r.properties } as Record<string, unknown> })),
    })),
    roleAssignments: [...state.roleAssignments.values()].map((a) => ({ ...a })),
    vaults: [...state.vaults.values()].map((v) => ({
      name: v.name,
      secrets: [...v.secrets.values()].map(secretOut),
      deletedSecrets: [...v.deleted.values()].map((d) => ({ secret: secretOut(d.secret), deletedDate: d.deletedDate, scheduledPurgeDate: d.scheduledPurgeDate })),
      notified: [...v.notified],
    })),
  };
  return `${JSON.stringify(saved, null, 1)}\n`;
}

function secretOut(secret: SecretRecord): SavedState['vaults'][number]['secrets'][number] {
  return { name: secret.name, versions: secret.versions.map((v) => ({ ...v, ...(v.tags ? { tags: { ...v.tags } } : {}) })) };
}

/**
 * Reads and checks a state file. Missing → undefined (start from the seed). Unreadable, not JSON, not a state file,
 * or saved for another seed → EmulatorStateFileError.
 */
export async function readStateFile(file: string, seed: SeedIdentity): Promise<SavedState | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ENOENT') return undefined;
    throw new EmulatorStateFileError(file, `could not be read (${e.code ?? e.message})`, 'Check the path and its permissions, or delete it to start the emulator from its seed.');
  }
  if (text.trim() === '') throw new EmulatorStateFileError(file, 'is empty');
  let json: unknown;
  try {
    json = JSON.parse(text) as unknown;
  } catch (err) {
    throw new EmulatorStateFileError(file, `is not valid JSON (${(err as Error).message}); it was cut short or edited by hand`);
  }
  const head = json !== null && typeof json === 'object' && !Array.isArray(json) ? (json as Record<string, unknown>) : {};
  if (head['kind'] !== STATE_FILE_KIND) throw new EmulatorStateFileError(file, `is not a driftwarden emulator state file (its "kind" is not "${STATE_FILE_KIND}")`);
  if (head['formatVersion'] !== STATE_FILE_FORMAT) {
    throw new EmulatorStateFileError(file, `has format version ${JSON.stringify(head['formatVersion'])}; this emulator reads version ${STATE_FILE_FORMAT}`);
  }
  let saved: SavedState;
  try {
    saved = validateWith(stateFileSchema, json, file);
  } catch (err) {
    if (!(err instanceof SchemaError)) throw err;
    const issues = err.issues.slice(0, 5).map((i) => `${i.field}: ${i.message}`);
    throw new EmulatorStateFileError(file, `is not a valid emulator state (${issues.join('; ')}${err.issues.length > 5 ? `; and ${err.issues.length - 5} more` : ''})`);
  }
  if (saved.seed.fingerprint !== seed.fingerprint) {
    throw new EmulatorStateFileError(
      file,
      `was saved for a different seed environment (saved for ${saved.seed.source}, ${short(saved.seed.fingerprint)}; this start uses ${seed.source}, ${short(seed.fingerprint)}). It holds the emulated Azure of that seed, and only the seed's settings, event subscriptions and faults may change between runs`,
      'Start with the seed it was saved for, or delete it to start from the current seed.',
    );
  }
  return saved;
}

function short(fingerprint: string): string {
  return fingerprint.length > 19 ? `${fingerprint.slice(0, 19)}…` : fingerprint;
}

/**
 * Replaces the mutable parts of a state freshly loaded from the seed with the saved ones. Everything saved must fit
 * the seed's world (its subscriptions, resource groups and vaults); operations in flight at save time are not
 * restored (no NSG is `Updating`).
 */
export function restoreState(saved: SavedState, state: EmulatorState, file: string): void {
  const bad = (field: string, problem: string): never => {
    throw new EmulatorStateFileError(file, `does not fit the seed: ${field} ${problem}`);
  };
  const nsgs = new Map<string, NsgRecord>();
  saved.nsgs.forEach((n, i) => {
    if (!state.resourceGroup(n.subscriptionId, n.resourceGroup)) bad(`nsgs[${i}]`, `is in resource group ${n.subscriptionId}/${n.resourceGroup}, which the seed does not declare`);
    const id = nsgId(n.subscriptionId, n.resourceGroup, n.name);
    if (nsgs.has(id.toLowerCase())) bad(`nsgs[${i}].name`, `${n.name} appears twice`);
    const rules = new Map<string, SecurityRuleRecord>();
    n.rules.forEach((r, j) => {
      const parsed = parseRuleProperties(r.properties, `${id}/securityRules/${r.name}`);
      if (!parsed.ok) throw new EmulatorStateFileError(file, `is not a valid emulator state (nsgs[${i}].rules[${j}].properties.${parsed.issue.field}: ${parsed.issue.message})`);
      if (rules.has(r.name.toLowerCase())) bad(`nsgs[${i}].rules[${j}].name`, `${r.name} appears twice`);
      rules.set(r.name.toLowerCase(), { name: r.name, properties: parsed.properties });
    });
    nsgs.set(id.toLowerCase(), {
      subscriptionId: n.subscriptionId,
      resourceGroup: n.resourceGroup,
      name: n.name,
      location: n.location,
      ...(n.tags ? { tags: n.tags } : {}),
      resourceGuid: n.resourceGuid,
      etag: n.etag,
      rules,
      pendingOperations: 0,
    });
  });
  for (const vnet of state.vnets.values()) {
    for (const subnet of vnet.subnets) {
      const ref = subnet.networkSecurityGroupId;
      if (ref !== undefined && state.nsgs.has(ref.toLowerCase()) && !nsgs.has(ref.toLowerCase())) bad('nsgs', `lacks ${ref}, which subnet ${vnet.name}/${subnet.name} uses (an NSG in use cannot be deleted)`);
    }
  }

  const assignments = new Map<string, RoleAssignmentRecord>();
  saved.roleAssignments.forEach((a, i) => {
    const record: RoleAssignmentRecord = {
      name: a.name,
      scope: a.scope,
      roleDefinitionId: a.roleDefinitionId,
      principalId: a.principalId,
      principalType: a.principalType,
      createdOn: a.createdOn,
      updatedOn: a.updatedOn,
      createdBy: a.createdBy,
      updatedBy: a.updatedBy,
    };
    for (const field of ['description', 'condition', 'conditionVersion', 'delegatedManagedIdentityResourceId'] as const) {
      const value = a[field];
      if (value !== undefined) record[field] = value;
    }
    const k = assignmentKey(a.scope, a.name);
    if (assignments.has(k)) bad(`roleAssignments[${i}].name`, `${a.name} appears twice at scope ${a.scope}`);
    assignments.set(k, record);
  });

  const vaults = new Map<string, SavedState['vaults'][number]>();
  saved.vaults.forEach((v, i) => {
    if (!state.vaults.has(v.name.toLowerCase())) bad(`vaults[${i}].name`, `${v.name} is not a vault the seed declares`);
    vaults.set(v.name.toLowerCase(), v);
  });

  state.nsgs.clear();
  for (const [k, n] of nsgs) state.nsgs.set(k, n);
  state.roleAssignments.clear();
  for (const [k, a] of assignments) state.roleAssignments.set(k, a);
  for (const [k, vault] of state.vaults) {
    const v = vaults.get(k);
    vault.secrets.clear();
    vault.deleted.clear();
    vault.notified.clear();
    if (!v) continue;
    for (const s of v.secrets) vault.secrets.set(s.name.toLowerCase(), secretIn(s));
    for (const d of v.deletedSecrets) vault.deleted.set(d.secret.name.toLowerCase(), { secret: secretIn(d.secret), deletedDate: d.deletedDate, scheduledPurgeDate: d.scheduledPurgeDate });
    for (const n of v.notified) vault.notified.add(n);
  }
}

function secretIn(s: SavedState['vaults'][number]['secrets'][number]): SecretRecord {
  return {
    name: s.name,
    versions: s.versions.map((v) => {
      const out: SecretVersionRecord = { version: v.version, value: v.value, enabled: v.enabled, created: v.created, updated: v.updated };
      if (v.contentType !== undefined) out.contentType = v.contentType;
      if (v.tags !== undefined) out.tags = v.tags;
      if (v.nbf !== undefined) out.nbf = v.nbf;
      if (v.exp !== undefined) out.exp = v.exp;
      if (v.managed) out.managed = true;
      return out;
    }),
  };
}

let tempCounter = 0;

/** Writes `text` to `file` atomically: a 0600 temp file in the same folder, flushed to disk, then renamed over it. */
export async function writeFileAtomic(file: string, text: string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  tempCounter += 1;
  const temp = `${file}.${process.pid}.${tempCounter}.tmp`;
  try {
    const handle = await open(temp, 'w', 0o600);
    try {
      await handle.writeFile(text, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, file);
  } catch (err) {
    await unlink(temp).catch(() => undefined);
    throw err;
  }
}

/**
 * Saves the state after changes: `changed()` marks it dirty and schedules one write `delayMs` later (not pushed back
 * by further changes, so a steady stream of writes still saves every `delayMs`); writes never overlap; `flush()`
 * writes now if anything is pending; `close()` flushes and stops.
 */
export class StatePersister {
  private dirty = false;
  private timer?: NodeJS.Timeout;
  private writing?: Promise<void>;
  private closed = false;
  /** Completed writes (for tests and diagnostics). */
  writes = 0;

  constructor(
    readonly file: string,
    private readonly snapshot: () => string,
    private readonly delayMs: number,
    private readonly log: (message: string) => void,
  ) {}

  changed(): void {
    if (this.closed) return;
    this.dirty = true;
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.save().catch((err: unknown) => this.log(`could not save the emulator state to ${this.file}: ${(err as Error).message} (will retry on the next change)`));
    }, this.delayMs);
    this.timer.unref();
  }

  /** Writes the state now (whether or not it changed): the first save of a new file. */
  async saveNow(): Promise<void> {
    this.dirty = true;
    await this.flush();
  }

  async flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    await this.save();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.flush();
    this.closed = true;
  }

  private async save(): Promise<void> {
    // Another write is running: wait for it (its failure is reported to its own caller), then write what is pending.
    while (this.writing) await this.writing.catch(() => undefined);
    if (!this.dirty) return;
    this.dirty = false;
    const text = this.snapshot();
    this.writing = writeFileAtomic(this.file, text)
      .then(() => {
        this.writes += 1;
      })
      .catch((err: unknown) => {
        this.dirty = true;
        throw new EmulatorStateFileError(this.file, `could not be written (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, 'Check the folder exists and is writable.');
      })
      .finally(() => {
        this.writing = undefined;
      });
    await this.writing;
  }
}
