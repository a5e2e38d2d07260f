/**
 * Assembles the emulator: the HTTPS listener for ARM and the admin API, one HTTPS listener per vault, the state, the
 * event bus and delivery, faults, long-running operations and the secret-expiry timer, and knows how to reset and
 * close all of it.
 */
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { mkdir, writeFile } from 'node:fs/promises';
import { handleAdmin } from './admin';
import { BodyTooLargeError, readRequest, sendJson } from './http';
import type { EmulatorRequest } from './http';
import { createCertificate } from './certificate';
import type { EmulatorCertificate } from './certificate';
import { ARM_AUDIENCE, VAULT_AUDIENCE, decodeJwt, emulatorCredential, tokenFor } from './identities';
import type { EmulatorIdentity, JwtClaims } from './identities';
import { EmulatorState, vaultResourceId, nsgId, vnetId } from './state';
import type { VaultRecord } from './state';
import { FaultRegistry } from './faults';
import { EventBus } from './events/bus';
import { DeliveryService } from './events/delivery';
import type { EventGridEvent } from './events/schema';
import { OperationTracker } from './arm/operations';
import type { LroSettings } from './arm/operations';
import type { ArmServices } from './arm/context';
import { ArmFrontDoor, createArmRouter } from './arm/server';
import { nsgBody } from './arm/securityRules';
import { KeyVaultFrontDoor, addSecretVersion } from './keyvault/server';
import type { KeyVaultServices } from './keyvault/server';
import { checkSecretExpiry } from './keyvault/expiry';
import { eventSubscriptionsOf, faultsOf, loadSeed, parseSeed, readSeedFile } from './seed';
import type { SeedFile } from './seed';
import { StatePersister, readStateFile, restoreState, seedFingerprint, serializeState } from './persistence';
import type { SavedState, SeedIdentity } from './persistence';
import type { TokenCredential } from '@azure/identity';

export interface EmulatorOptions {
  /** ARM/admin port; 0 (default) picks a free one. */
  port?: number;
  /** A parsed seed object (validated here) or a path to a seed JSON file. */
  seed?: unknown;
  /** First port for vault listeners (one per vault, in seed order); ephemeral ports when missing. */
  vaultPortBase?: number;
  /** Write the CA certificate (PEM) here so other processes can trust the emulator. */
  caOut?: string;
  /** Dead-letter folder; default `<cwd>/.driftwarden/dead-letters`. */
  deadLetterDir?: string;
  /** Answer 403 AuthorizationFailed to callers without a granting role assignment (default false). */
  enforceRbac?: boolean;
  /** Seed of the fault generators (default 1), for deterministic probabilities. */
  faultSeed?: number;
  /** Items per ARM list page before a nextLink (default 100). */
  armPageSize?: number;
  lro?: Partial<LroSettings>;
  /** Interval of the SecretNearExpiry/SecretExpired check; 0 disables the timer (on demand only). Default 60 s. */
  secretExpiryCheckIntervalMs?: number;
  /** Webhook response timeout (default 30 s, as Event Grid). */
  deliveryTimeoutMs?: number;
  /** How long an out-of-order fault holds a batch back when nothing else is sent (default 500 ms). */
  reorderHoldMs?: number;
  /** Diagnostics (delivery failures, emulator errors); silent by default. Never receives secret values. */
  log?: (message: string) => void;
  /** Reuse TLS material instead of generating it. */
  certificate?: EmulatorCertificate;
  /**
   * Keep the emulated Azure's mutable state (NSGs, rules and etags, role assignments, secrets with every version,
   * soft-deleted secrets, expiry notifications sent) in this JSON file: restored on start when it exists (it must
   * have been saved for the same seed), created from the seed when it does not, and rewritten atomically (mode 0600)
   * at most every ~50 ms after changes and on `close()`. Unset: state lives in memory only.
   */
  stateFile?: string;
}

/** How long after a change the state file is written; a kill -9 loses at most this much. */
export const STATE_WRITE_DELAY_MS = 50;

interface VaultListener {
  server: https.Server;
  port: number;
  url: string;
}

const DEFAULT_LRO: LroSettings = { inProgressPolls: 1, completeAfterMs: 200, retryAfterSeconds: 0 };

export interface TokenRequest {
  identity?: string;
  claims?: Record<string, unknown>;
  audience?: string;
  lifetimeSeconds?: number;
}

export class EmulatorHost {
  readonly state = new EmulatorState('');
  readonly faults: FaultRegistry;
  bus: EventBus;
  delivery: DeliveryService;
  readonly armServices: ArmServices;
  private readonly kvServices: KeyVaultServices;
  private readonly armDoor: ArmFrontDoor;
  private readonly kvDoor: KeyVaultFrontDoor;
  private armServer?: https.Server;
  private readonly vaultListeners = new Map<string, VaultListener>();
  private expiryTimer?: NodeJS.Timeout;
  private seed?: SeedFile;
  private seedIdentity: SeedIdentity;
  private persister?: StatePersister;
  private closed = false;
  baseUrl = '';
  caPath?: string;

  private constructor(
    private readonly options: EmulatorOptions,
    readonly certificate: EmulatorCertificate,
    seed: SeedFile | undefined,
    seedIdentity: SeedIdentity,
  ) {
    this.seed = seed;
    this.seedIdentity = seedIdentity;
    const settings = seed?.settings ?? {};
    this.faults = new FaultRegistry(options.faultSeed ?? settings.faultSeed ?? 1);
    this.delivery = this.newDelivery();
    this.bus = new EventBus(this.delivery);
    this.armServices = {
      state: this.state,
      operations: new OperationTracker(this.lroSettings(seed)),
      bus: this.bus,
      faults: this.faults,
      settings: { baseUrl: '', pageSize: options.armPageSize ?? settings.armPageSize ?? 100, enforceRbac: options.enforceRbac ?? settings.enforceRbac ?? false },
      now: () => Date.now(),
      changed: () => this.persister?.changed(),
    };
    const currentBus = (): EventBus => this.bus;
    this.kvServices = {
      state: this.state,
      // The bus is replaced on reset; Key Vault handlers always publish to the current one.
      get bus(): EventBus {
        return currentBus();
      },
      faults: this.faults,
      now: () => Date.now(),
      vaultUrl: (vault) => this.vaultUrlOf(vault.name),
      changed: () => this.persister?.changed(),
    };
    this.armDoor = new ArmFrontDoor(this.armServices, createArmRouter(), (m) => this.log(m));
    this.kvDoor = new KeyVaultFrontDoor(this.kvServices);
  }

  static async start(options: EmulatorOptions = {}): Promise<EmulatorHost> {
    const seed = options.seed === undefined ? undefined : typeof options.seed === 'string' ? await readSeedFile(options.seed) : parseSeed(options.seed);
    const seedIdentity = identify(seed, typeof options.seed === 'string' ? path.resolve(options.seed) : options.seed === undefined ? '(no seed)' : '(seed object)');
    const stateFile = options.stateFile === undefined ? undefined : path.resolve(options.stateFile);
    // Checked before anything listens: a state file that cannot be used stops the start with its reason.
    const saved = stateFile === undefined ? undefined : await readStateFile(stateFile, seedIdentity);
    const certificate = options.certificate ?? (await createCertificate());
    const host = new EmulatorHost(options, certificate, seed, seedIdentity);
    try {
      await host.listen();
      await host.applySeed(seed, saved && stateFile ? { saved, file: stateFile } : undefined);
      if (stateFile !== undefined) {
        host.persister = new StatePersister(stateFile, () => serializeState(host.state, host.seedIdentity, Date.now()), STATE_WRITE_DELAY_MS, (m) => host.log(m));
        if (!saved) await host.persister.saveNow();
      }
      if (options.caOut) {
        const file = path.resolve(options.caOut);
        await mkdir(path.dirname(file), { recursive: true });
        await writeFile(file, certificate.caPem, 'utf8');
        host.caPath = file;
      }
      const interval = options.secretExpiryCheckIntervalMs ?? seed?.settings?.secretExpiryCheckIntervalMs ?? 60_000;
      if (interval > 0) {
        host.expiryTimer = setInterval(() => host.checkSecretExpiry(), interval);
        host.expiryTimer.unref();
      }
    } catch (err) {
      await host.close().catch(() => undefined);
      throw err;
    }
    return host;
  }

  /** Where the state is kept across restarts (`stateFile`), if anywhere. */
  get stateFile(): string | undefined {
    return this.persister?.file;
  }

  /** Writes pending state changes to the state file now (no-op without one). */
  async flushState(): Promise<void> {
    await this.persister?.flush();
  }

  private lroSettings(seed: SeedFile | undefined): LroSettings {
    return { ...DEFAULT_LRO, ...(seed?.settings?.lro ?? {}), ...(this.options.lro ?? {}) };
  }

  private newDelivery(): DeliveryService {
    return new DeliveryService({
      deadLetterDir: this.options.deadLetterDir ?? this.seed?.settings?.deadLetterDir ?? path.resolve('.driftwarden', 'dead-letters'),
      timeoutMs: this.options.deliveryTimeoutMs ?? 30_000,
      validationUrlBase: this.baseUrl,
      reorderHoldMs: this.options.reorderHoldMs ?? 500,
      faults: this.faults,
      log: (m) => this.log(m),
    });
  }

  private log(message: string): void {
    this.options.log?.(message);
  }

  private async listen(): Promise<void> {
    this.armServer = this.createServer((req, res) => this.onArmRequest(req, res));
    const port = await listenOn(this.armServer, this.options.port ?? 0);
    this.baseUrl = `https://127.0.0.1:${port}`;
    this.armServices.settings.baseUrl = this.baseUrl;
    // The delivery service was built before the port was known; rebuild it with the right validation URL.
    this.delivery.close();
    this.delivery = this.newDelivery();
    this.bus = new EventBus(this.delivery);
    this.armServices.bus = this.bus;
  }

  private createServer(handler: (req: IncomingMessage, res: ServerResponse) => Promise<void>): https.Server {
    const server = https.createServer({ key: this.certificate.keyPem, cert: this.certificate.certPem }, (req, res) => {
      handler(req, res).catch((err: unknown) => {
        this.log(`request ${req.method} ${req.url} failed: ${(err as Error).stack ?? String(err)}`);
        if (!res.headersSent) sendJson(res, 500, { error: { code: 'InternalServerError', message: `The emulator failed: ${(err as Error).message}` } });
        else res.destroy();
      });
    });
    server.keepAliveTimeout = 30_000;
    return server;
  }

  private async read(req: IncomingMessage, res: ServerResponse, origin: string): Promise<EmulatorRequest | undefined> {
    try {
      return await readRequest(req, origin);
    } catch (err) {
      if (err instanceof BodyTooLargeError) {
        sendJson(res, 413, { error: { code: 'RequestEntityTooLarge', message: err.message } });
        return undefined;
      }
      throw err;
    }
  }

  private async onArmRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const request = await this.read(req, res, this.baseUrl);
    if (!request) return;
    if (request.segments[0]?.toLowerCase() === 'admin') {
      await handleAdmin(this, request, res);
      return;
    }
    await this.armDoor.handle(request, res);
  }

  /** Loads the seed, then (on start with a state file) replaces what clients can change with the saved state. */
  private async applySeed(seed: SeedFile | undefined, restore?: { saved: SavedState; file: string }): Promise<void> {
    const secrets = loadSeed(seed ?? parseSeed({}), this.state, Date.now());
    if (restore) restoreState(restore.saved, this.state, restore.file);
    // The state is complete before the first await below, so a save that runs meanwhile never sees half of it.
    for (const s of restore ? [] : secrets) {
      addSecretVersion(
        this.kvServices,
        s.vault,
        s.name,
        { value: s.value, ...(s.contentType !== undefined ? { contentType: s.contentType } : {}), ...(s.tags ? { tags: s.tags } : {}), ...(s.enabled !== undefined ? { enabled: s.enabled } : {}), ...(s.nbf !== undefined ? { nbf: s.nbf } : {}), ...(s.exp !== undefined ? { exp: s.exp } : {}) },
        false,
      );
    }
    let next = this.options.vaultPortBase;
    for (const vault of this.state.vaults.values()) {
      const server = this.createServer(async (req, res) => {
        const listener = this.vaultListeners.get(vault.name.toLowerCase());
        const request = await this.read(req, res, listener?.url ?? this.baseUrl);
        if (!request) return;
        const current = this.state.vaults.get(vault.name.toLowerCase());
        if (!current) {
          sendJson(res, 404, { error: { code: 'VaultNotFound', message: `Vault ${vault.name} no longer exists in the emulator.` } });
          return;
        }
        await this.kvDoor.handle(current, request, res);
      });
      const port = await listenOn(server, next ?? 0);
      if (next !== undefined) next += 1;
      this.vaultListeners.set(vault.name.toLowerCase(), { server, port, url: `https://127.0.0.1:${port}` });
    }
    if (seed) {
      for (const fault of faultsOf(seed)) this.faults.add(fault);
      for (const sub of eventSubscriptionsOf(seed)) await this.delivery.add(sub, false);
    }
  }

  vaultUrlOf(name: string): string {
    const listener = this.vaultListeners.get(name.toLowerCase());
    if (!listener) throw new Error(`no vault named "${name}" in the emulator (known: ${[...this.vaultListeners.keys()].join(', ') || 'none'})`);
    return listener.url;
  }

  vaultUrls(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const vault of this.state.vaults.values()) out[vault.name] = this.vaultUrlOf(vault.name);
    return out;
  }

  identity(name: string): EmulatorIdentity {
    const identity = this.state.identities.get(name.toLowerCase());
    if (!identity) throw new Error(`no identity named "${name}" in the emulator (known: ${[...this.state.identities.values()].map((i) => i.name).join(', ') || 'none'})`);
    return identity;
  }

  identities(): EmulatorIdentity[] {
    return [...this.state.identities.values()].map((i) => ({ ...i }));
  }

  /** A token for a seeded identity (by name) or raw claims. */
  token(subject: string | JwtClaims, options: { audience?: string; lifetimeSeconds?: number } = {}): string {
    const resolved = typeof subject === 'string' ? this.identity(subject) : subject;
    return tokenFor(resolved, { tenantId: this.state.tenantId, ...options });
  }

  credential(subject: string | JwtClaims): TokenCredential {
    const resolved = typeof subject === 'string' ? this.identity(subject) : subject;
    return emulatorCredential(resolved, { tenantId: this.state.tenantId });
  }

  mintToken(request: TokenRequest): Record<string, unknown> {
    const audience = request.audience === undefined || request.audience === 'arm' ? ARM_AUDIENCE : request.audience === 'vault' ? VAULT_AUDIENCE : request.audience;
    const lifetimeSeconds = request.lifetimeSeconds ?? 3600;
    const subject = request.identity !== undefined ? this.identity(request.identity) : (request.claims ?? {});
    const accessToken = tokenFor(subject, { tenantId: this.state.tenantId, audience, lifetimeSeconds });
    return { tokenType: 'Bearer', accessToken, expiresOn: new Date(Date.now() + lifetimeSeconds * 1000).toISOString(), claims: decodeJwt(accessToken) };
  }

  checkSecretExpiry(): EventGridEvent[] {
    const events = checkSecretExpiry(this.state, Date.now(), (vault) => this.vaultUrlOf(vault.name));
    for (const event of events) this.bus.publish(event);
    // The vaults now remember these notifications; saved, so a restart does not send them again.
    if (events.length > 0) this.persister?.changed();
    return events;
  }

  describe(): Record<string, unknown> {
    return {
      service: 'driftwarden local Azure emulator',
      arm: this.baseUrl,
      vaults: this.vaultUrls(),
      endpoints: [
        'GET  /admin/health',
        'GET  /admin/environment',
        'GET  /admin/state[?includeSecretValues=true]',
        'POST /admin/reset            (body: optional seed environment; empty = the seed the emulator started with)',
        'GET  /admin/identities',
        'POST /admin/tokens           {identity | claims, audience?: "arm"|"vault"|<aud>, lifetimeSeconds?}',
        'GET  /admin/subscriptions    POST /admin/subscriptions {name, endpoint, schema, ...}[?validate=false]',
        'GET  /admin/subscriptions/{name}    DELETE /admin/subscriptions/{name}',
        'GET  /admin/deliveries',
        'GET  /admin/events[?type=]   POST /admin/events/wait[?timeoutMs=]',
        'GET  /admin/faults           POST /admin/faults {kind, ...} | [..]   DELETE /admin/faults[/{id}]',
        'POST /admin/keyvault/expiry-check',
      ],
    };
  }

  /** The seeded world other components read back: tenant, subscriptions, resource groups, networks, identities, vaults. */
  environment(): Record<string, unknown> {
    const s = this.state;
    return {
      tenantId: s.tenantId,
      armEndpoint: this.baseUrl,
      ...(this.caPath ? { caPath: this.caPath } : {}),
      subscriptions: [...s.subscriptions.values()],
      resourceGroups: [...s.resourceGroups.values()].map((rg) => ({ ...rg, id: `/subscriptions/${rg.subscriptionId}/resourceGroups/${rg.name}` })),
      virtualNetworks: [...s.vnets.values()].map((v) => {
        const id = vnetId(v.subscriptionId, v.resourceGroup, v.name);
        return {
          id,
          name: v.name,
          subscriptionId: v.subscriptionId,
          resourceGroup: v.resourceGroup,
          location: v.location,
          addressPrefixes: v.addressPrefixes,
          subnets: v.subnets.map((sub) => ({ id: `${id}/subnets/${sub.name}`, name: sub.name, addressPrefix: sub.addressPrefix, ...(sub.networkSecurityGroupId ? { networkSecurityGroupId: sub.networkSecurityGroupId } : {}) })),
        };
      }),
      networkSecurityGroups: [...s.nsgs.values()].map((n) => ({ id: nsgId(n.subscriptionId, n.resourceGroup, n.name), name: n.name, subscriptionId: n.subscriptionId, resourceGroup: n.resourceGroup, location: n.location })),
      identities: this.identities(),
      vaults: [...s.vaults.values()].map((v) => ({ name: v.name, id: vaultResourceId(v), url: this.vaultUrlOf(v.name), subscriptionId: v.subscriptionId, resourceGroup: v.resourceGroup, location: v.location, softDeleteRetentionDays: v.softDeleteRetentionDays })),
    };
  }

  /** Everything the emulator holds now. Secret values are left out unless asked for. */
  dump(includeSecretValues: boolean): Record<string, unknown> {
    const s = this.state;
    const vaultDump = (v: VaultRecord): Record<string, unknown> => ({
      name: v.name,
      url: this.vaultUrlOf(v.name),
      secrets: [...v.secrets.values()].map((secret) => ({
        name: secret.name,
        versions: secret.versions.map((ver) => ({ ...ver, value: includeSecretValues ? ver.value : '(hidden; add ?includeSecretValues=true)' })),
      })),
      deletedSecrets: [...v.deleted.values()].map((d) => ({ name: d.secret.name, deletedDate: d.deletedDate, scheduledPurgeDate: d.scheduledPurgeDate, versions: d.secret.versions.length })),
      notified: [...v.notified],
    });
    return {
      ...this.environment(),
      networkSecurityGroups: [...s.nsgs.values()].map((n) => nsgBody(n, s.subnetsOf(nsgId(n.subscriptionId, n.resourceGroup, n.name)))),
      roleAssignments: [...s.roleAssignments.values()].map((a) => ({ ...a })),
      customRoleDefinitions: [...s.roleDefinitions.values()].filter((d) => d.type === 'CustomRole'),
      vaults: [...s.vaults.values()].map(vaultDump),
      eventSubscriptions: this.delivery.list(),
      faults: this.faults.list(),
      publishedEvents: this.bus.published().length,
      ...(this.stateFile ? { stateFile: this.stateFile } : {}),
    };
  }

  /** Back to a seed (the given one, validated, or the one the emulator started with): state, faults, subscriptions, event log. */
  async reset(seedValue?: unknown): Promise<void> {
    const seed = seedValue === undefined ? this.seed : parseSeed(seedValue, 'reset body');
    this.seed = seed;
    this.armServices.operations.close();
    this.armServices.operations = new OperationTracker(this.lroSettings(seed));
    this.armServices.settings.enforceRbac = this.options.enforceRbac ?? seed?.settings?.enforceRbac ?? false;
    this.armServices.settings.pageSize = this.options.armPageSize ?? seed?.settings?.armPageSize ?? 100;
    this.delivery.close();
    this.delivery = this.newDelivery();
    this.bus = new EventBus(this.delivery);
    this.armServices.bus = this.bus;
    this.faults.clear();
    await Promise.all([...this.vaultListeners.values()].map((l) => closeServer(l.server)));
    this.vaultListeners.clear();
    // From here to applySeed's first await the state is replaced in one go (a save in between sees old or new).
    if (seedValue !== undefined) this.seedIdentity = identify(seed, 'the seed given to POST /admin/reset');
    const s = this.state;
    s.subscriptions.clear();
    s.resourceGroups.clear();
    s.vnets.clear();
    s.nsgs.clear();
    s.roleAssignments.clear();
    s.roleDefinitions.clear();
    s.identities.clear();
    s.vaults.clear();
    await this.applySeed(seed);
    this.persister?.changed();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.expiryTimer) clearInterval(this.expiryTimer);
    this.armServices.operations.close();
    this.delivery.close();
    const servers = [this.armServer, ...[...this.vaultListeners.values()].map((l) => l.server)].filter((s): s is https.Server => s !== undefined);
    await Promise.all(servers.map(closeServer));
    // Nothing changes any more: save what is pending (a failure here rejects close() with the file's name).
    await this.persister?.close();
  }
}

function identify(seed: SeedFile | undefined, source: string): SeedIdentity {
  return { source, fingerprint: seedFingerprint(seed ?? parseSeed({})) };
}

function listenOn(server: https.Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => reject(err);
    server.once('error', onError);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function closeServer(server: https.Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) {
      resolve();
      return;
    }
    server.close(() => resolve());
    // Keep-alive sockets of SDK clients would hold `close` open; end them.
    server.closeAllConnections();
  });
}

