/**
 * The local Teams sink under `/local/teams`: the webhook the product posts to (answering like a Teams Workflows
 * webhook: 202 with no body), the stored messages as JSON, the rendered channel page, and a fault switch for tests.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { BodyTooLargeError, readBody, send, sendHtml, sendJson } from './http';
import { channelPage } from './pages';
import type { TeamsFaults, TeamsStore } from './teamsStore';
import { validateWorkflowsMessage } from './teamsValidate';
import type { LocalUser } from './types';

export const TEAMS_BASE = '/local/teams';
export const WEBHOOK_PATH = `${TEAMS_BASE}/webhook`;

export interface TeamsContext {
  appTitle: string;
  store: TeamsStore;
  faults: TeamsFaults;
  log: (message: string) => void;
  user: (req: IncomingMessage) => LocalUser | undefined;
}

/** Logic Apps' error envelope, which Workflows answers with. */
function workflowsError(res: ServerResponse, status: number, code: string, message: string, headers: Record<string, string> = {}): void {
  sendJson(res, status, { error: { code, message } }, headers);
}

export async function handleTeams(ctx: TeamsContext, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const method = req.method ?? 'GET';
  const read = method === 'GET' || method === 'HEAD';
  switch (url.pathname) {
    case WEBHOOK_PATH:
      if (method !== 'POST') return workflowsError(res, 405, 'MethodNotAllowed', `the webhook accepts POST only (got ${method})`, { allow: 'POST' });
      return receive(ctx, req, res);
    case `${TEAMS_BASE}/messages`:
      if (!read) return workflowsError(res, 405, 'MethodNotAllowed', `${method} is not allowed here`, { allow: 'GET, HEAD' });
      return sendJson(res, 200, ctx.store.all());
    case TEAMS_BASE:
    case `${TEAMS_BASE}/`:
      if (!read) return workflowsError(res, 405, 'MethodNotAllowed', `${method} is not allowed here`, { allow: 'GET, HEAD' });
      return sendHtml(res, 200, channelPage({ appTitle: ctx.appTitle, user: ctx.user(req), messages: ctx.store.all() }));
    case `${TEAMS_BASE}/faults`:
      if (read) return sendJson(res, 200, ctx.faults.state());
      if (method === 'POST') return setFaults(ctx, req, res);
      return workflowsError(res, 405, 'MethodNotAllowed', `${method} is not allowed here`, { allow: 'GET, HEAD, POST' });
    default:
      return workflowsError(res, 404, 'NotFound', `nothing at ${url.pathname}; the Teams sink serves ${WEBHOOK_PATH}, ${TEAMS_BASE}/messages and ${TEAMS_BASE}`);
  }
}

async function receive(ctx: TeamsContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const fault = ctx.faults.take();
  if (fault !== undefined) {
    // Fail before reading the message, as an outage would: nothing is stored.
    req.resume();
    ctx.log(`teams: webhook post failed on purpose with ${fault} (fault switch)`);
    return workflowsError(res, fault, 'LocalFault', `the local Teams sink was told to fail this post with ${fault}`, fault === 429 ? { 'retry-after': '1' } : {});
  }
  let body: Buffer;
  try {
    body = await readBody(req);
  } catch (err) {
    if (err instanceof BodyTooLargeError) return workflowsError(res, 413, 'RequestTooLarge', err.message);
    throw err;
  }
  const result = validateWorkflowsMessage(body);
  if (!result.ok) {
    ctx.log(`teams: webhook post refused: ${result.reason}`);
    return workflowsError(res, 400, 'InvalidRequestContent', `not a Teams Workflows message: ${result.reason}`);
  }
  const item = ctx.store.append(result.message);
  ctx.log(`teams: message #${item.seq} received${headline(result.message.attachments[0]?.content.body)}`);
  send(res, 202, '');
}

async function setFaults(ctx: TeamsContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  let spec: { status?: unknown; count?: unknown };
  try {
    spec = JSON.parse((await readBody(req)).toString('utf8') || '{}') as typeof spec;
  } catch {
    return workflowsError(res, 400, 'InvalidRequestContent', 'send JSON like {"status": 500, "count": 2}');
  }
  const status = spec.status;
  const count = spec.count ?? 1;
  if (typeof status !== 'number' || !Number.isInteger(status) || status < 400 || status > 599) {
    return workflowsError(res, 400, 'InvalidRequestContent', `"status" must be an HTTP error status 400-599 (got ${JSON.stringify(status)})`);
  }
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 0) {
    return workflowsError(res, 400, 'InvalidRequestContent', `"count" must be a whole number of posts to fail, 0 to clear (got ${JSON.stringify(count)})`);
  }
  ctx.faults.set(status, count);
  ctx.log(`teams: the next ${count} webhook post(s) will fail with ${status}`);
  sendJson(res, 200, ctx.faults.state());
}

/** The card's first TextBlock, for the log line. */
function headline(body: unknown[] | undefined): string {
  const first = body?.[0] as { type?: unknown; text?: unknown } | undefined;
  return first?.type === 'TextBlock' && typeof first.text === 'string' ? `: ${first.text.slice(0, 80)}` : '';
}
