/**
 * `startLocalHost`: runs the app's registered functions on one local port — HTTP and Event Grid triggers, timers,
 * and durable orchestrations/activities with their state under a data folder — in place of the Functions host,
 * which cannot be installed here. It hosts the registrations; it implements none of the app's logic.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { InvocationContext, type FunctionInput } from '@azure/functions';
import * as df from 'durable-functions';
import { systemClock, type Clock } from './clock';
import { durableClientData, type DurableClientData } from './durable/clientData';
import type { InstanceStatus } from './durable/status';
import { InstanceStore } from './durable/store';
import { TaskHub } from './durable/taskHub';
import { EVENT_GRID_PATH } from './eventGrid';
import { HttpTriggerRouter } from './httpTriggers';
import { Invoker } from './invoke';
import { loadFunctionApp } from './loader';
import { consoleLogger, errorMessage, type HostLogger, type LogLevel } from './logger';
import { unsupportedBindings, type FunctionRegistry } from './registry';
import { createRequestListener } from './server';
import { TimerScheduler } from './timers';

export const DEFAULT_DATA_DIR = '.driftwarden/host';
/** The Durable extension's hub name when host.json names none (as with Core Tools locally). */
export const DEFAULT_TASK_HUB = 'TestHubName';

export interface LocalHostOptions {
  /** Function modules to load (see `loadFunctionApp`); or pass an already loaded `registry`. */
  modules?: string[];
  registry?: FunctionRegistry;
  /** The function app folder: host.json (hub name, route prefix) is read from here; relative paths resolve here. Default: cwd. */
  appRoot?: string;
  /** Default 7071, like Core Tools; 0 picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  hostname?: string;
  /** Durable state and timer status; default `.driftwarden/host` under appRoot. */
  dataDir?: string;
  /** Orchestration time, durable timers and timer triggers; default the system clock. */
  clock?: Clock;
  /** Default: console, information and above. Tests pass `silentLogger`. */
  log?: HostLogger;
  /** Do not run timer triggers on their schedules (they still run through `runTimer`). */
  disableTimers?: boolean;
  /** Overrides host.json's `extensions.durableTask.hubName`. */
  taskHubName?: string;
  /** Overrides host.json's `extensions.http.routePrefix` (default `api`). */
  routePrefix?: string;
  maximumShortTimerDuration?: string;
  longRunningTimerIntervalDuration?: string;
  /** How long `close()` waits for running activities (default 10 s); what has not finished runs again next start. */
  closeTimeoutMs?: number;
}

export interface RunningHost {
  /** `http://127.0.0.1:<port>` */
  url: string;
  port: number;
  registry: FunctionRegistry;
  dataDir: string;
  taskHub: TaskHub;
  clock: Clock;
  /** The binding data a `durableClient` input receives. */
  durableClientData(): DurableClientData;
  /** The real `DurableClient` from `durable-functions`, pointed at this host. */
  durableClient(): df.DurableClient;
  /** Where Event Grid delivers to the named Event Grid function. */
  eventGridUrl(functionName: string): string;
  waitForInstance(instanceId: string, predicate: (status: InstanceStatus) => boolean, timeoutMs?: number): Promise<InstanceStatus>;
  /** Runs a timer function now and waits for it. */
  runTimer(name: string): Promise<void>;
  /** Stops cleanly: finishes running work (bounded), writes its results, runs appTerminate hooks. */
  close(): Promise<void>;
  /** Stops at once and writes nothing more, like a killed process: the next host resumes from what is on disk. */
  kill(): Promise<void>;
}

interface HostJsonSettings {
  hubName?: string;
  routePrefix?: string;
}

/** `%NAME%` in host.json refers to an app setting; unresolved ones are reported and ignored. */
function readHostJson(appRoot: string, logger: HostLogger): HostJsonSettings {
  const file = path.join(appRoot, 'host.json');
  let json: { extensions?: { durableTask?: { hubName?: unknown }; http?: { routePrefix?: unknown } } };
  try {
    json = JSON.parse(fs.readFileSync(file, 'utf8')) as typeof json;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') logger({ level: 'warning', category: 'system', message: `ignoring ${file}: ${errorMessage(err)}` });
    return {};
  }
  const settings: HostJsonSettings = {};
  const hubName = json.extensions?.durableTask?.hubName;
  if (typeof hubName === 'string') {
    const resolved = hubName.replace(/%([^%]+)%/g, (_, name: string) => process.env[name] ?? '');
    if (resolved.trim() !== '') settings.hubName = resolved;
    else logger({ level: 'warning', category: 'system', message: `host.json hubName "${hubName}" resolves to nothing; using "${DEFAULT_TASK_HUB}"` });
  }
  const routePrefix = json.extensions?.http?.routePrefix;
  if (typeof routePrefix === 'string') settings.routePrefix = routePrefix;
  return settings;
}

function listen(server: http.Server, port: number, hostname: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => reject(err);
    server.once('error', onError);
    server.listen(port, hostname, () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

export async function startLocalHost(options: LocalHostOptions): Promise<RunningHost> {
  const logger = options.log ?? consoleLogger();
  const appRoot = path.resolve(options.appRoot ?? process.cwd());
  let registry = options.registry;
  if (options.modules) registry = loadFunctionApp({ modules: options.modules, baseDir: appRoot, ...(registry ? { registry } : {}) });
  if (!registry) throw new Error('startLocalHost: pass `modules` (function modules to load) or a loaded `registry`');
  const functions: FunctionRegistry = registry;
  functions.systemLogSink = (level, _category, message) => logger({ level: level as LogLevel, category: 'system', message });

  const settings = readHostJson(appRoot, logger);
  const hubName = options.taskHubName ?? settings.hubName ?? DEFAULT_TASK_HUB;
  const routePrefix = (options.routePrefix ?? settings.routePrefix ?? 'api').replace(/^\/+|\/+$/g, '');
  const clock = options.clock ?? systemClock;
  const hostname = options.hostname ?? '127.0.0.1';
  const dataDir = path.resolve(appRoot, options.dataDir ?? DEFAULT_DATA_DIR);
  fs.mkdirSync(dataDir, { recursive: true });

  for (const fn of functions.list()) {
    for (const problem of unsupportedBindings(fn)) logger({ level: 'warning', category: 'system', functionName: fn.name, message: problem });
  }

  let origin = '';
  const clientData = (): DurableClientData => durableClientData(origin, hubName);
  const invoker = new Invoker({ registry: functions, logger, durableClientData: clientData });
  // Both validate the app's routes and schedules before anything listens.
  const router = new HttpTriggerRouter(functions.list('http'));
  const timers = new TimerScheduler({ functions: functions.list('timer'), clock, invoker, logger, statusDir: path.join(dataDir, 'timers') });
  const hubDir = path.join(dataDir, 'durable', hubName.replace(/[^A-Za-z0-9._-]/g, '_'), 'instances');
  const hub = new TaskHub({
    name: hubName,
    registry: functions,
    invoker,
    store: new InstanceStore(hubDir),
    clock,
    logger,
    ...(options.maximumShortTimerDuration ? { maximumShortTimerDuration: options.maximumShortTimerDuration } : {}),
    ...(options.longRunningTimerIntervalDuration ? { longRunningTimerIntervalDuration: options.longRunningTimerIntervalDuration } : {}),
    ...(options.closeTimeoutMs !== undefined ? { closeTimeoutMs: options.closeTimeoutMs } : {}),
  });

  await invoker.runAppHooks('appStart', appRoot);
  const server = http.createServer(createRequestListener({ registry: functions, invoker, router, hub, timers, logger, routePrefix, origin: () => origin }));
  const port = await listen(server, options.port ?? 7071, hostname);
  // Links and client URLs need an address one can connect to, not the wildcard the server may be bound to.
  const urlHost = hostname === '0.0.0.0' || hostname === '::' ? '127.0.0.1' : hostname;
  origin = `http://${urlHost.includes(':') ? `[${urlHost}]` : urlHost}:${port}`;
  // durable-functions rewrites client URLs to localhost:7071 unless WEBSITE_HOSTNAME is set; Core Tools sets it too.
  const websiteHostname = `${urlHost}:${port}`;
  const setHostname = !process.env.WEBSITE_HOSTNAME;
  if (setHostname) process.env.WEBSITE_HOSTNAME = websiteHostname;

  hub.start();
  if (!options.disableTimers) timers.start();
  logger({ level: 'information', category: 'system', message: `local host listening on ${origin} (task hub "${hubName}", data in ${dataDir})` });

  let stopped = false;
  const shutdown = async (graceful: boolean): Promise<void> => {
    if (stopped) return;
    stopped = true;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    await Promise.all([timers.stop(graceful), hub.stop(graceful)]);
    if (graceful) {
      try {
        await invoker.runAppHooks('appTerminate', appRoot);
      } catch (err) {
        logger({ level: 'error', category: 'system', message: `appTerminate hook failed: ${errorMessage(err)}` });
      }
    }
    server.closeAllConnections();
    await closed;
    if (setHostname && process.env.WEBSITE_HOSTNAME === websiteHostname) delete process.env.WEBSITE_HOSTNAME;
  };

  return {
    url: origin,
    port,
    registry: functions,
    dataDir,
    taskHub: hub,
    clock,
    durableClientData: clientData,
    durableClient(): df.DurableClient {
      const input = df.input.durableClient();
      const context = new InvocationContext({ functionName: 'localHostClient', options: { extraInputs: [input as FunctionInput] } });
      context.extraInputs.set(input, clientData());
      return df.getClient(context);
    },
    eventGridUrl: (functionName) => `${origin}${EVENT_GRID_PATH}?functionName=${encodeURIComponent(functionName)}`,
    waitForInstance: (instanceId, predicate, timeoutMs) => hub.waitFor(instanceId, predicate, timeoutMs),
    runTimer: (name) => timers.trigger(name),
    close: () => shutdown(true),
    kill: () => shutdown(false),
  };
}

/** Waits until the instance's status satisfies `predicate` (checked on every state change); rejects after `timeoutMs`. */
export function waitForInstance(
  host: Pick<RunningHost, 'taskHub'>,
  instanceId: string,
  predicate: (status: InstanceStatus) => boolean,
  timeoutMs = 10_000,
): Promise<InstanceStatus> {
  return host.taskHub.waitFor(instanceId, predicate, timeoutMs);
}
