/**
 * The local stack behind `npm start`: the Azure emulator seeded with an environment, the local Functions host
 * running the product's `functions/` unchanged, the front server (App Service Authentication stand-in and the local
 * Teams channel), driftwarden's services configured for all of that, baselines captured from the emulator, and the
 * emulator's Event Grid subscription to the intake — made through the real validation handshake.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { claimsFor, readSeedFile, startEmulator, type RunningEmulator } from '../emulator';
import { startFrontServer, type RunningFront, type LocalUser } from '../front';
import { type Clock, type HostLogger, type FunctionRegistry, type RunningHost, startLocalHost } from '../host';
import type { AppConfig } from '../../src/app/config';
import { type AppServices, buildServices, setServices } from '../../src/app/services';
import { captureNsgBaseline } from '../../src/baseline/document';
import { DEFAULT_RETRY } from '../../src/gateways/azure/connection';
import { parsePolicyText } from '../../src/policy/loadPolicy';
import { FunctionNames } from '../../src/remediation/names';
import { InputError } from '../../src/errors';
import { authorizeApprover } from '../../src/approval/approverPolicy';
import { type StackFile, stackFilePath } from './stackFile';

export interface LocalStackOptions {
  /** Everything local lives here (default `.driftwarden`). */
  dataDir: string;
  /** Browser-facing port (default 7071; 0 = any free port). */
  port: number;
  /** Emulator ARM port (default 7443; vaults take the next ports; 0 = any free ports). */
  emulatorPort: number;
  seedFile: string;
  policyFile: string;
  /** Compiled function modules (default `dist/functions/*.js`), or an already loaded registry (tests). */
  functionModules?: string[];
  registry?: FunctionRegistry;
  appRoot: string;
  clock?: Clock;
  hostLog?: HostLogger;
  log?: (line: string) => void;
  disableTimers?: boolean;
  /** Poll interval for ARM long-running operations (default 20 ms: the emulator is local). */
  lroPollMs?: number;
  /** Extra claims-based tuning of the emulator (tests). */
  emulatorLro?: { inProgressPolls?: number; retryAfterSeconds?: number; completeAfterMs?: number };
}

export interface RunningStack {
  frontUrl: string;
  hostUrl: string;
  emulator: RunningEmulator;
  host: RunningHost;
  front: RunningFront;
  services: AppServices;
  baselinesCaptured: string[];
  /** Stops everything cleanly. */
  close(): Promise<void>;
  /** Stops the Functions host as if killed (state stays on disk); the rest keeps running. */
  killHost(): Promise<void>;
  /** Starts a new Functions host on the same state (after `killHost`). */
  restartHost(): Promise<RunningHost>;
}

export async function startLocalStack(options: LocalStackOptions): Promise<RunningStack> {
  const log = options.log ?? (() => undefined);
  const dataDir = resolve(options.dataDir);
  mkdirSync(dataDir, { recursive: true });
  refuseIfAnotherStackRuns(dataDir);
  const seed = await readSeedFile(options.seedFile);
  const policy = parsePolicyText(readFileSync(options.policyFile, 'utf8'), options.policyFile);
  const self = seed.identities.find((i) => i.name === 'id-driftwarden');
  if (!self) throw new Error(`${options.seedFile} has no identity named "id-driftwarden" (driftwarden's own managed identity)`);

  const emulator = await startEmulator({
    port: options.emulatorPort,
    ...(options.emulatorPort > 0 ? { vaultPortBase: options.emulatorPort + 1 } : {}),
    seed: options.seedFile,
    caOut: join(dataDir, 'emulator-ca.pem'),
    deadLetterDir: join(dataDir, 'dead-letters'),
    stateFile: join(dataDir, 'emulator-state.json'),
    lro: { inProgressPolls: 1, retryAfterSeconds: 0, ...options.emulatorLro },
  });
  const closers: (() => Promise<void>)[] = [() => emulator.close()];
  try {
    // The sweep timer's schedule is an app setting, as in Azure.
    process.env.DRIFTWARDEN_SWEEP_SCHEDULE ??= '0 */5 * * * *';
    process.env.DRIFTWARDEN_TASKHUB ??= 'driftwardenlocal';
    const hostOptions = {
      ...(options.registry ? { registry: options.registry } : { modules: options.functionModules ?? [join(options.appRoot, 'dist', 'functions', '*.js')] }),
      appRoot: options.appRoot,
      port: 0,
      dataDir: join(dataDir, 'host'),
      ...(options.clock ? { clock: options.clock } : {}),
      ...(options.hostLog ? { log: options.hostLog } : {}),
      ...(options.disableTimers ? { disableTimers: true } : {}),
    };
    let host = await startLocalHost(hostOptions);
    closers.unshift(() => host.close());

    // Group memberships as the emulator resolves them (object ids), the way Entra puts them in the groups claim.
    const users: LocalUser[] = seed.identities
      .filter((i) => i.type === 'user')
      .map((i) => emulator.identity(i.name))
      .map((i) => {
        const approves = policy.approval.approvers.filter((rule) => authorizeApprover({ source: 'appServiceAuth', id: i.objectId, groups: i.memberOf ?? [], roles: [] }, rule.scope, [rule]).ok);
        return {
          name: i.name,
          objectId: i.objectId,
          upn: i.upn ?? `${i.name}@contoso.example`,
          ...(i.displayName ? { displayName: i.displayName } : {}),
          ...(i.memberOf ? { groups: i.memberOf } : {}),
          note: approves.length > 0 ? `approver for ${approves.map((r) => r.scope).join(', ')}` : 'not an approver',
        };
      });
    // Like Easy Auth's "redirect to login": opening an approval link asks who you are first.
    const front = await startFrontServer({ port: options.port, upstreamUrl: host.url, dataDir: join(dataDir, 'front'), users, signInRequiredPaths: ['/api/approvals/'] });
    closers.unshift(() => front.close());

    const { iat: _iat, nbf: _nbf, exp: _exp, aud: _aud, ...selfClaims } = claimsFor(emulator.identity('id-driftwarden'));
    const config: AppConfig = {
      azure: { target: 'emulator', armEndpoint: emulator.url, caPem: emulator.caPem, claims: selfClaims, retry: { ...DEFAULT_RETRY, retryDelayInMs: 100, maxRetryDelayInMs: 2000 } },
      dataDir: join(dataDir, 'state'),
      policy,
      teamsWebhookUrl: `${front.url}/local/teams/webhook`,
      publicUrl: front.url,
      signingKeys: [signingKey(dataDir)],
      self: { objectIds: [self.objectId], appIds: self.appId ? [self.appId] : [] },
      approverAuth: { appServiceHeaders: true },
      monitoredScopes: seed.subscriptions.map((s) => `/subscriptions/${s.subscriptionId}`),
      lroPollMs: options.lroPollMs ?? 20,
    };
    const services = withAuditEcho(buildServices(config), log);
    setServices(services);
    closers.push(async () => setServices(undefined));

    const baselinesCaptured = await captureMissingBaselines(services, seed.subscriptions.map((s) => s.subscriptionId));
    for (const id of baselinesCaptured) log(`captured baseline v1 of ${id}`);

    await emulator.addEventSubscription({
      name: 'driftwarden-intake',
      endpoint: host.eventGridUrl(FunctionNames.intake),
      schema: 'EventGrid',
      includedEventTypes: ['Microsoft.Resources.ResourceWriteSuccess', 'Microsoft.Resources.ResourceDeleteSuccess'],
    });

    const stackFile: StackFile = {
      frontUrl: front.url,
      hostUrl: host.url,
      emulatorUrl: emulator.url,
      caFile: emulator.caPath ?? join(dataDir, 'emulator-ca.pem'),
      stateDir: config.dataDir,
      subscriptionIds: seed.subscriptions.map((s) => s.subscriptionId),
      selfClaims,
      pid: process.pid,
      startedAt: new Date().toISOString(),
    };
    writeFileSync(stackFilePath(dataDir), `${JSON.stringify(stackFile, null, 2)}\n`);

    let stopped = false;
    const running: RunningStack = {
      frontUrl: front.url,
      hostUrl: host.url,
      emulator,
      get host() {
        return host;
      },
      front,
      services,
      baselinesCaptured,
      async close() {
        if (stopped) return;
        stopped = true;
        for (const close of closers) await close().catch(() => undefined);
        // Only the stack that wrote it removes it.
        if (readOwner(dataDir) === process.pid) rmSync(stackFilePath(dataDir), { force: true });
      },
      async killHost() {
        await host.kill();
      },
      async restartHost() {
        // The front keeps proxying to the old port, so the new host must take it over.
        host = await startLocalHost({ ...hostOptions, port: new URL(host.url).port ? Number(new URL(host.url).port) : 0 });
        return host;
      },
    };
    return running;
  } catch (err) {
    for (const close of closers) await close().catch(() => undefined);
    throw err;
  }
}

/** Baselines for every NSG that has none yet; existing ones are kept (they may have been accepted since). */
async function captureMissingBaselines(services: AppServices, subscriptionIds: string[]): Promise<string[]> {
  const captured: string[] = [];
  for (const subscriptionId of subscriptionIds) {
    for (const nsg of await services.network.listNsgs({ subscriptionId })) {
      const baseline = captureNsgBaseline(nsg.body, {
        capturedAt: services.now().toISOString(),
        source: { type: 'azure', detail: 'captured by npm start from the emulator' },
      });
      if (await services.baselines.get(baseline.resourceId)) continue;
      await services.baselines.put(baseline, null);
      await services.audit.append({ type: 'baselineCaptured', resourceId: baseline.resourceId, time: baseline.capturedAt, baselineVersion: 1, after: { etag: nsg.etag } });
      captured.push(baseline.resourceId);
    }
  }
  return captured;
}

/** Every audit record also becomes a line in the terminal, so the loop can be followed there too. */
function withAuditEcho(services: AppServices, log: (line: string) => void): AppServices {
  const audit = services.audit;
  return {
    ...services,
    audit: {
      list: (filter) => audit.list(filter),
      get: (id) => audit.get(id),
      append: async (input) => {
        const record = await audit.append(input);
        const who = record.actor?.upn ?? record.approver?.name ?? '';
        const what = record.findings?.[0]?.title ?? record.detail ?? record.outcome ?? '';
        log(`${record.time.slice(11, 19)} ${record.type.padEnd(18)} ${record.resourceId.split('/').pop() ?? ''}${who ? ` · ${who}` : ''}${what ? ` · ${what}` : ''}`);
        return record;
      },
    },
  };
}

/** One stack per data folder: a second one would overwrite the first's CA, state and `local.json` under it. */
function refuseIfAnotherStackRuns(dataDir: string): void {
  const pid = readOwner(dataDir);
  if (pid === undefined || pid === process.pid) return;
  let alive = true;
  try {
    process.kill(pid, 0);
  } catch (err) {
    alive = (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  if (alive) {
    throw new InputError(dataDir, dataDir, `is in use by another driftwarden stack (pid ${pid}): stop it, or start this one with another --data-dir`, { omitValue: true });
  }
}

function readOwner(dataDir: string): number | undefined {
  try {
    return (JSON.parse(readFileSync(stackFilePath(dataDir), 'utf8')) as StackFile).pid;
  } catch {
    return undefined;
  }
}

/** Kept across restarts so approval links already posted to the local channel stay valid. */
function signingKey(dataDir: string): Buffer {
  const path = join(dataDir, 'approval-signing-key');
  if (!existsSync(path)) writeFileSync(path, randomBytes(48).toString('base64'), { mode: 0o600 });
  return Buffer.from(readFileSync(path, 'utf8'), 'base64');
}
