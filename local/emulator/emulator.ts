/**
 * The in-process entry point: `startEmulator(options)` brings up the local Azure (ARM + admin on one HTTPS port, one
 * HTTPS port per vault) and returns a handle with its endpoints, its CA, tokens and credentials for the seeded
 * identities, fault and subscription controls, and `close()`.
 */
import type { TokenCredential } from '@azure/identity';
import type { EmulatorIdentity, JwtClaims } from './identities';
import type { EmulatorState } from './state';
import type { FaultSpec, FaultStatus } from './faults';
import type { EventSubscriptionSpec, SubscriptionStatus } from './events/delivery';
import type { EventGridEvent } from './events/schema';
import { EmulatorHost } from './host';
import type { EmulatorOptions } from './host';
import { eventSubscriptionSchema, faultSchema } from './seed';
import { validateWith } from '../../src/validation';
import { InputError } from '../../src/errors';

export interface RunningEmulator {
  /** ARM endpoint, e.g. `https://127.0.0.1:54321` (give it to the SDK clients as `endpoint`). */
  url: string;
  /** The admin API base, `<url>/admin`. */
  adminUrl: string;
  port: number;
  /** CA certificate to trust (`tlsOptions: { ca: caPem }`). */
  caPem: string;
  /** Where the CA was written, when `caOut` was given. */
  caPath?: string;
  tenantId: string;
  /** Base URL of a vault (its own HTTPS port), e.g. `https://127.0.0.1:54322`. */
  vaultUrl(name: string): string;
  vaultUrls(): Record<string, string>;
  /** Live state, for inspection in tests. */
  state: EmulatorState;
  /** A seeded identity by name. */
  identity(name: string): EmulatorIdentity;
  /** An unsigned JWT for a seeded identity (by name) or for raw claims. */
  tokenFor(subject: string | JwtClaims, options?: { audience?: string; lifetimeSeconds?: number }): string;
  /** A TokenCredential for the SDK clients, acting as a seeded identity (by name) or raw claims. */
  credential(subject: string | JwtClaims): TokenCredential;
  addFault(spec: FaultSpec): FaultStatus;
  removeFault(id: string): boolean;
  clearFaults(): void;
  faults(): FaultStatus[];
  /** Registers a webhook subscription; by default the validation handshake runs now and a failure rejects. */
  addEventSubscription(spec: Partial<EventSubscriptionSpec> & { name: string; endpoint: string }, options?: { validate?: boolean }): Promise<SubscriptionStatus>;
  removeEventSubscription(name: string): boolean;
  deliveries(): SubscriptionStatus[];
  /** Every event emitted so far (bounded log), in the Event Grid schema. */
  publishedEvents(): EventGridEvent[];
  /** Resolves when no delivery is queued or in flight. */
  waitForDeliveries(timeoutMs?: number): Promise<void>;
  /** Runs the SecretNearExpiry / SecretExpired check now; returns the events it emitted. */
  checkSecretExpiry(): EventGridEvent[];
  /** Back to the start seed, or to a new one. */
  reset(seed?: unknown): Promise<void>;
  /** The state file (absolute path) when started with `stateFile`. */
  stateFile?: string;
  /** Writes pending changes to the state file now (otherwise they are written ~50 ms after the change). */
  flushState(): Promise<void>;
  /** Stops everything and writes the state file one last time (rejects if that write fails). */
  close(): Promise<void>;
}

export type { EmulatorOptions };

export async function startEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  const host = await EmulatorHost.start(options);
  const port = Number(new URL(host.baseUrl).port);
  return {
    url: host.baseUrl,
    adminUrl: `${host.baseUrl}/admin`,
    port,
    caPem: host.certificate.caPem,
    ...(host.caPath ? { caPath: host.caPath } : {}),
    get tenantId() {
      return host.state.tenantId;
    },
    vaultUrl: (name) => host.vaultUrlOf(name),
    vaultUrls: () => host.vaultUrls(),
    state: host.state,
    identity: (name) => host.identity(name),
    tokenFor: (subject, tokenOptions) => host.token(subject, tokenOptions),
    credential: (subject) => host.credential(subject),
    addFault: (spec) => {
      const fault = validateWith(faultSchema, spec, 'fault');
      if (fault.actor !== undefined && !host.state.identities.has(fault.actor.toLowerCase())) throw new InputError('actor', fault.actor, 'is not a seeded identity', { source: 'fault' });
      return host.faults.add(fault);
    },
    removeFault: (id) => host.faults.remove(id),
    clearFaults: () => host.faults.clear(),
    faults: () => host.faults.list(),
    addEventSubscription: (spec, subOptions) => host.delivery.add(validateWith(eventSubscriptionSchema, spec, 'event subscription'), subOptions?.validate ?? true),
    removeEventSubscription: (name) => host.delivery.remove(name),
    deliveries: () => host.delivery.list(),
    publishedEvents: () => host.bus.published(),
    waitForDeliveries: (timeoutMs) => host.delivery.idle(timeoutMs),
    checkSecretExpiry: () => host.checkSecretExpiry(),
    reset: (seed) => host.reset(seed),
    ...(host.stateFile ? { stateFile: host.stateFile } : {}),
    flushState: () => host.flushState(),
    close: () => host.close(),
  };
}
