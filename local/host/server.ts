/**
 * The host's single HTTP listener. Paths, as the Functions host lays them out:
 *   /<routePrefix>/<route>                 HTTP triggers (routePrefix defaults to `api`)
 *   /runtime/webhooks/eventgrid            Event Grid triggers (?functionName=)
 *   /runtime/webhooks/durabletask/...      Durable HTTP API (check-status links)
 *   /durabletask/...                       Durable HTTP API (the client's rpcBaseUrl)
 *   /admin/host/status, /admin/functions   host status and function list; POST /admin/functions/<name> runs a
 *                                          timer or Event Grid function by hand, as the real admin API does
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { handleDurableApi } from './durable/api';
import { PUBLIC_DURABLE_PATH, RPC_DURABLE_PATH } from './durable/clientData';
import type { TaskHub } from './durable/taskHub';
import { EVENT_GRID_PATH, handleEventGrid } from './eventGrid';
import { fromFunctionsResponse, toFunctionsRequest, type HttpTriggerRouter } from './httpTriggers';
import { BodyTooLargeError, readRequest, sendResponse, textResponse, type ParsedRequest, type SimpleResponse } from './httpUtil';
import type { Invoker } from './invoke';
import { errorMessage, type HostLogger } from './logger';
import type { FunctionRegistry } from './registry';
import type { TimerScheduler } from './timers';

export interface ServerDependencies {
  registry: FunctionRegistry;
  invoker: Invoker;
  router: HttpTriggerRouter;
  hub: TaskHub;
  timers: TimerScheduler;
  logger: HostLogger;
  routePrefix: string;
  origin: () => string;
}

function segmentsOf(path: string): string[] {
  return path.split('/').filter((s) => s !== '');
}

const EVENT_GRID_SEGMENTS = segmentsOf(EVENT_GRID_PATH);
const PUBLIC_DURABLE_SEGMENTS = segmentsOf(PUBLIC_DURABLE_PATH);
const RPC_DURABLE_SEGMENTS = segmentsOf(RPC_DURABLE_PATH);

/** `prefix` matched case-insensitively at the start of `segments`; returns the rest. */
function below(segments: string[], prefix: string[]): string[] | undefined {
  if (segments.length < prefix.length) return undefined;
  for (let i = 0; i < prefix.length; i++) if (segments[i]!.toLowerCase() !== prefix[i]!.toLowerCase()) return undefined;
  return segments.slice(prefix.length);
}

async function handleHttpTrigger(deps: ServerDependencies, req: ParsedRequest, segments: string[]): Promise<SimpleResponse> {
  const routed = deps.router.route(req.method, segments);
  if (routed.kind === 'notFound') return { status: 404 };
  if (routed.kind === 'methodNotAllowed') return { status: 405, headers: { allow: routed.allow.join(', ') } };
  try {
    const result = await deps.invoker.invoke(routed.fn, toFunctionsRequest(req, routed.params));
    return await fromFunctionsResponse(result);
  } catch (err) {
    // As in Azure: the caller gets a bare 500; the reason goes to the log only (it may hold secrets).
    deps.logger({ level: 'error', category: 'system', functionName: routed.fn.name, message: `HTTP function failed: ${errorMessage(err)}` });
    return { status: 500 };
  }
}

async function handleAdmin(deps: ServerDependencies, req: ParsedRequest, rest: string[]): Promise<SimpleResponse> {
  const [area, name] = rest;
  if (area === 'host' && name === 'status' && req.method === 'GET') {
    return { status: 200, json: { state: 'Running', taskHub: deps.hub.name, functions: deps.registry.list().map((f) => f.name) } };
  }
  if (area !== 'functions') return { status: 404 };
  if (name === undefined && req.method === 'GET') {
    return {
      status: 200,
      json: deps.registry.list().map((f) => ({ name: f.name, kind: f.kind, trigger: f.trigger.type, ...(f.http ? { methods: f.http.methods ?? ['*'], route: f.http.route } : {}) })),
    };
  }
  if (name === undefined || req.method !== 'POST') return { status: 404 };
  const fn = deps.registry.get(name);
  if (!fn) return textResponse(404, `no function named "${name}"`);
  let input: unknown;
  try {
    const body = req.body.length > 0 ? (JSON.parse(req.body.toString('utf8')) as { input?: unknown }) : {};
    input = typeof body.input === 'string' && body.input !== '' ? (JSON.parse(body.input) as unknown) : body.input;
  } catch (err) {
    return textResponse(400, `expected {"input": "<JSON text>"}: ${errorMessage(err)}`);
  }
  if (fn.kind === 'timer') {
    void deps.timers.trigger(fn.name).catch((err: unknown) => deps.logger({ level: 'error', category: 'system', functionName: fn.name, message: errorMessage(err) }));
    return { status: 202 };
  }
  if (fn.kind === 'eventGrid') {
    void deps.invoker.invoke(fn, input).catch((err: unknown) => deps.logger({ level: 'error', category: 'system', functionName: fn.name, message: errorMessage(err) }));
    return { status: 202 };
  }
  return textResponse(400, `function "${fn.name}" (${fn.kind}) cannot be run through the admin API`);
}

async function route(deps: ServerDependencies, req: ParsedRequest): Promise<SimpleResponse> {
  const segments = req.segments;
  if (below(segments, EVENT_GRID_SEGMENTS)?.length === 0) return handleEventGrid(req, deps.registry, deps.invoker, deps.logger);
  const durable = below(segments, PUBLIC_DURABLE_SEGMENTS) ?? below(segments, RPC_DURABLE_SEGMENTS);
  if (durable) return handleDurableApi(deps.hub, req, durable, deps.origin());
  const admin = below(segments, ['admin']);
  if (admin) return handleAdmin(deps, req, admin);
  const prefix = deps.routePrefix === '' ? [] : segmentsOf(deps.routePrefix);
  const rest = below(segments, prefix);
  if (rest) return handleHttpTrigger(deps, req, rest);
  return { status: 404 };
}

export function createRequestListener(deps: ServerDependencies): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    void (async () => {
      let response: SimpleResponse;
      let method = 'GET';
      try {
        const parsed = await readRequest(req, deps.origin());
        method = parsed.method;
        response = await route(deps, parsed);
      } catch (err) {
        if (err instanceof BodyTooLargeError) response = textResponse(413, err.message);
        else {
          deps.logger({ level: 'error', category: 'system', message: `request ${req.method ?? ''} ${req.url ?? ''} failed: ${errorMessage(err)}` });
          response = { status: 500 };
        }
      }
      if (res.headersSent || res.destroyed) return;
      if (method === 'HEAD') response = { ...response, body: undefined, json: undefined };
      sendResponse(res, response);
    })();
  };
}
