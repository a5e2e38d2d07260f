/**
 * The Durable extension's HTTP API (HttpApiHandler), served at `/durabletask/` (what `DurableClient` calls through
 * `rpcBaseUrl`) and `/runtime/webhooks/durabletask/` (the check-status links). Status codes follow the extension,
 * because `DurableClient` branches on them: start 202 (409 when the id is running), status 200/202 (404 unknown),
 * raise event 202 (404 unknown, 410 finished), terminate 202/404/410, purge 200/404 (412 while running).
 */
import { header, messageResponse, type ParsedRequest, type SimpleResponse } from '../httpUtil';
import { managementUrls } from './clientData';
import type { InstanceStatus, StatusOptions } from './status';
import type { InstanceQuery, TaskHub } from './taskHub';
import { isTerminal, type RuntimeStatus } from './types';

const RUNTIME_STATUSES: readonly RuntimeStatus[] = ['Pending', 'Running', 'Completed', 'ContinuedAsNew', 'Failed', 'Canceled', 'Terminated', 'Suspended'];

function bool(query: URLSearchParams, name: string): boolean | undefined {
  const value = query.get(name)?.toLowerCase();
  return value === 'true' ? true : value === 'false' ? false : undefined;
}

function date(query: URLSearchParams, name: string): Date | undefined {
  const value = query.get(name);
  if (!value) return undefined;
  const parsed = new Date(value);
  return Number.isNaN(parsed.getTime()) ? undefined : parsed;
}

function statusOptions(query: URLSearchParams): StatusOptions {
  return { showHistory: bool(query, 'showHistory') ?? false, showHistoryOutput: bool(query, 'showHistoryOutput') ?? false, showInput: bool(query, 'showInput') ?? true };
}

function instanceQuery(query: URLSearchParams): InstanceQuery {
  const result: InstanceQuery = {};
  const statuses = query
    .getAll('runtimeStatus')
    .flatMap((v) => v.split(','))
    .map((v) => RUNTIME_STATUSES.find((s) => s.toLowerCase() === v.trim().toLowerCase()))
    .filter((v): v is RuntimeStatus => v !== undefined);
  if (statuses.length > 0) result.runtimeStatus = statuses;
  const from = date(query, 'createdTimeFrom');
  const to = date(query, 'createdTimeTo');
  if (from) result.createdTimeFrom = from;
  if (to) result.createdTimeTo = to;
  const prefix = query.get('instanceIdPrefix');
  if (prefix) result.instanceIdPrefix = prefix;
  return result;
}

function checkStatusResponse(origin: string, hub: TaskHub, instanceId: string): SimpleResponse {
  const links = managementUrls(origin, hub.name, instanceId);
  return {
    status: 202,
    headers: { location: links.statusQueryGetUri!, 'retry-after': '10' },
    json: {
      id: instanceId,
      statusQueryGetUri: links.statusQueryGetUri,
      sendEventPostUri: links.sendEventPostUri,
      terminatePostUri: links.terminatePostUri,
      purgeHistoryDeleteUri: links.purgeHistoryDeleteUri,
      restartPostUri: links.restartPostUri,
      suspendPostUri: links.suspendPostUri,
      resumePostUri: links.resumePostUri,
    },
  };
}

function statusResponse(req: ParsedRequest, status: InstanceStatus): SimpleResponse {
  switch (status.runtimeStatus) {
    case 'Running':
    case 'Pending':
    case 'ContinuedAsNew':
    case 'Suspended':
      return { status: 202, headers: { location: req.url.href, 'retry-after': '5' }, json: status };
    case 'Failed':
      return { status: bool(req.url.searchParams, 'returnInternalServerErrorOnFailure') ? 500 : 200, json: status };
    default:
      return { status: 200, json: status };
  }
}

/** A list page: `top` limits it and `x-ms-continuation-token` carries the offset, which DurableClient follows. */
function listResponse(req: ParsedRequest, statuses: InstanceStatus[]): SimpleResponse {
  const top = Number(req.url.searchParams.get('top'));
  if (!Number.isInteger(top) || top <= 0) return { status: 200, json: statuses };
  const offset = Number(Buffer.from(header(req, 'x-ms-continuation-token') ?? '', 'base64').toString('utf8')) || 0;
  const page = statuses.slice(offset, offset + top);
  const headers: Record<string, string> = {};
  if (offset + top < statuses.length) headers['x-ms-continuation-token'] = Buffer.from(String(offset + top)).toString('base64');
  return { status: 200, headers, json: page };
}

function bodyText(req: ParsedRequest): string | undefined {
  const text = req.body.toString('utf8');
  return text.trim() === '' ? undefined : text;
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** `segments`: the path below the API root, e.g. `['instances', '<id>', 'raiseEvent', 'Approval']`. */
export async function handleDurableApi(hub: TaskHub, req: ParsedRequest, segments: string[], origin: string): Promise<SimpleResponse> {
  const [controller, first, second, third, ...rest] = segments;
  const query = req.url.searchParams;

  if (controller === 'orchestrators' && first !== undefined && third === undefined) {
    if (req.method !== 'POST') return { status: 404 };
    const text = bodyText(req);
    if (text !== undefined && !isJson(text)) return messageResponse(400, 'Invalid JSON content');
    const options: { instanceId?: string; input?: unknown } = {};
    if (second !== undefined) options.instanceId = second;
    if (text !== undefined) options.input = JSON.parse(text) as unknown;
    const started = await hub.startNew(first, options);
    if (!started.ok) return messageResponse(started.status, started.message);
    const timeoutSeconds = Number(query.get('timeout'));
    const pollSeconds = Number(query.get('pollingInterval'));
    if (timeoutSeconds > 0 && pollSeconds > 0) {
      // The extension's create-and-wait: the output when it finishes in time, the check-status links otherwise.
      try {
        const status = await hub.waitFor(started.instanceId, (s) => isTerminal(s.runtimeStatus), timeoutSeconds * 1000);
        return status.runtimeStatus === 'Completed' ? { status: 200, json: status.output } : statusResponse(req, status);
      } catch {
        return checkStatusResponse(origin, hub, started.instanceId);
      }
    }
    return checkStatusResponse(origin, hub, started.instanceId);
  }

  if (controller === 'instances' && rest.length === 0) {
    if (first === undefined) {
      if (req.method === 'GET') return listResponse(req, hub.listStatuses(instanceQuery(query), statusOptions(query)));
      if (req.method === 'DELETE') {
        if (!date(query, 'createdTimeFrom')) return messageResponse(400, "Please provide value for 'createdTimeFrom' parameter.");
        const deleted = await hub.purgeWhere(instanceQuery(query));
        return deleted === 0 ? { status: 404 } : { status: 200, json: { instancesDeleted: deleted } };
      }
      return { status: 404 };
    }
    if (second === undefined) {
      if (req.method === 'GET') {
        const status = hub.getStatus(first, statusOptions(query));
        return status ? statusResponse(req, status) : { status: 404 };
      }
      if (req.method === 'DELETE') {
        const result = await hub.purge(first);
        if (result === 'notFound') return { status: 404 };
        if (result === 'notTerminal') {
          const status = hub.getStatus(first);
          return messageResponse(412, `Only orchestrations in a terminal state can be purged, but the orchestration with instance ID ${first} has status ${status?.runtimeStatus ?? 'unknown'}`);
        }
        return { status: 200, json: { instancesDeleted: 1 } };
      }
      return { status: 404 };
    }
    if (req.method !== 'POST') return { status: 404 };
    if (second === 'raiseEvent' && third !== undefined) {
      const status = hub.getStatus(first);
      if (!status) return { status: 404 };
      if (isTerminal(status.runtimeStatus)) return { status: 410 };
      const text = bodyText(req);
      if (text !== undefined) {
        const mediaType = (header(req, 'content-type') ?? '').split(';')[0]!.trim().toLowerCase();
        if (mediaType !== 'application/json') return messageResponse(400, 'Only application/json request content is supported');
        if (!isJson(text)) return messageResponse(400, 'Invalid JSON content');
      }
      const result = await hub.raiseEvent(first, third, text);
      return { status: result === 'accepted' ? 202 : result === 'gone' ? 410 : 404 };
    }
    if (third === undefined) {
      const reason = query.get('reason') ?? undefined;
      switch (second.toLowerCase()) {
        case 'terminate':
          return controlResponse(await hub.terminate(first, reason));
        case 'suspend':
          return controlResponse(await hub.suspend(first, reason));
        case 'resume':
          return controlResponse(await hub.resume(first, reason));
        case 'rewind':
        case 'restart':
          return messageResponse(501, `The ${second} operation is not supported by the local host.`);
        default:
          return { status: 404 };
      }
    }
    return { status: 404 };
  }

  if (controller === 'entities') return messageResponse(501, 'Durable entities are not supported by the local host.');
  return { status: 404 };
}

function controlResponse(result: 'accepted' | 'notFound' | 'gone'): SimpleResponse {
  return { status: result === 'accepted' ? 202 : result === 'gone' ? 410 : 404 };
}
