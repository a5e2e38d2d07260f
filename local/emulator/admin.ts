/**
 * The admin API, under `/admin/` on the ARM listener and without authentication (it is a local test tool): read the
 * environment and state dumps, reset, mint tokens, register webhook subscriptions, read delivery status and the
 * event log, inject faults, run the secret-expiry check. Bodies are validated and errors name the field.
 */
import type { ServerResponse } from 'node:http';
import { InputError } from '../../src/errors';
import { SchemaError, validateWith } from '../../src/validation';
import { z } from 'zod';
import { parseJsonBody, sendJson } from './http';
import type { EmulatorRequest } from './http';
import { Router } from './router';
import type { RouteParams } from './router';
import { eventSubscriptionSchema, faultSchema } from './seed';
import type { EmulatorHost } from './host';

type AdminHandler = (host: EmulatorHost, req: EmulatorRequest, params: RouteParams) => Promise<AdminResponse> | AdminResponse;

interface AdminResponse {
  status: number;
  body?: unknown;
}

const tokenRequestSchema = z
  .object({
    identity: z.string().min(1).optional(),
    claims: z.record(z.string(), z.unknown()).optional(),
    audience: z.string().min(1).optional(),
    lifetimeSeconds: z.number().int().min(-86_400).max(86_400).optional(),
  })
  .strict()
  .refine((b) => (b.identity === undefined) !== (b.claims === undefined), { message: 'give either "identity" (a seeded identity name) or "claims" (raw JWT claims), not both' });

class AdminError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

function body(req: EmulatorRequest): unknown {
  const parsed = parseJsonBody(req);
  if (!parsed.ok) throw new AdminError(400, 'InvalidJson', `The request body is not valid JSON: ${parsed.message}`);
  return parsed.value;
}

const router = new Router<AdminHandler>()
  .add('GET', '/admin', (host) => ({ status: 200, body: host.describe() }))
  .add('GET', '/admin/health', () => ({ status: 200, body: { status: 'ok' } }))
  .add('GET', '/admin/environment', (host) => ({ status: 200, body: host.environment() }))
  .add('GET', '/admin/state', (host, req) => ({ status: 200, body: host.dump(req.query.get('includeSecretValues') === 'true') }))
  .add('POST', '/admin/reset', async (host, req) => {
    const value = body(req);
    await host.reset(value === undefined || (typeof value === 'object' && value !== null && Object.keys(value).length === 0) ? undefined : value);
    return { status: 200, body: { status: 'reset', environment: host.environment() } };
  })
  .add('GET', '/admin/identities', (host) => ({ status: 200, body: { value: host.identities() } }))
  .add('POST', '/admin/tokens', (host, req) => {
    const request = validateWith(tokenRequestSchema, body(req), 'token request');
    if (request.identity !== undefined && !host.state.identities.has(request.identity.toLowerCase())) {
      throw new InputError('identity', request.identity, `is not a seeded identity (known: ${host.identities().map((i) => i.name).join(', ') || 'none'})`, { source: 'token request' });
    }
    if (request.identity !== undefined && host.state.identities.get(request.identity.toLowerCase())?.type === 'group') {
      throw new InputError('identity', request.identity, 'is a group; groups cannot obtain tokens', { source: 'token request' });
    }
    return { status: 200, body: host.mintToken(request) };
  })
  .add('GET', '/admin/subscriptions', (host) => ({ status: 200, body: { value: host.delivery.list() } }))
  .add('POST', '/admin/subscriptions', async (host, req) => {
    const spec = validateWith(eventSubscriptionSchema, body(req), 'event subscription');
    const validate = req.query.get('validate') !== 'false';
    try {
      return { status: 201, body: await host.delivery.add(spec, validate) };
    } catch (err) {
      throw new AdminError(400, 'SubscriptionRejected', (err as Error).message);
    }
  })
  .add('GET', '/admin/subscriptions/:name', (host, _req, params) => {
    const status = host.delivery.get(params['name'] ?? '');
    if (!status) throw new AdminError(404, 'NotFound', `No event subscription named "${params['name']}".`);
    return { status: 200, body: status };
  })
  .add('DELETE', '/admin/subscriptions/:name', (host, _req, params) => {
    if (!host.delivery.remove(params['name'] ?? '')) throw new AdminError(404, 'NotFound', `No event subscription named "${params['name']}".`);
    return { status: 204 };
  })
  .add('GET', '/admin/subscriptions/:name/validate', (host, req, params) => {
    if (!host.delivery.validateManually(params['name'] ?? '', req.query.get('code') ?? '')) {
      throw new AdminError(400, 'ValidationFailed', `The validation code does not match event subscription "${params['name']}".`);
    }
    return { status: 200, body: { status: 'validated' } };
  })
  .add('GET', '/admin/deliveries', (host) => ({ status: 200, body: { value: host.delivery.list() } }))
  .add('GET', '/admin/events', (host, req) => {
    const type = req.query.get('type');
    const events = host.bus.published().filter((e) => type === null || e.eventType.toLowerCase() === type.toLowerCase());
    return { status: 200, body: { value: events } };
  })
  .add('POST', '/admin/events/wait', async (host, req) => {
    const timeoutMs = Number(req.query.get('timeoutMs') ?? '10000');
    if (!Number.isFinite(timeoutMs) || timeoutMs < 0) throw new AdminError(400, 'InvalidQuery', `timeoutMs must be a non-negative number (got ${req.query.get('timeoutMs')}).`);
    try {
      await host.delivery.idle(timeoutMs);
    } catch (err) {
      throw new AdminError(408, 'DeliveriesBusy', (err as Error).message);
    }
    return { status: 200, body: { status: 'idle' } };
  })
  .add('GET', '/admin/faults', (host) => ({ status: 200, body: { value: host.faults.list() } }))
  .add('POST', '/admin/faults', (host, req) => {
    const raw = body(req);
    const specs = Array.isArray(raw) ? raw.map((f, i) => validateWith(faultSchema, f, `fault [${i}]`)) : [validateWith(faultSchema, raw, 'fault')];
    for (const spec of specs) {
      if (spec.actor !== undefined && !host.state.identities.has(spec.actor.toLowerCase())) throw new InputError('actor', spec.actor, 'is not a known identity', { source: 'fault' });
    }
    try {
      return { status: 201, body: { value: specs.map((s) => host.faults.add(s)) } };
    } catch (err) {
      throw new AdminError(409, 'Conflict', (err as Error).message);
    }
  })
  .add('DELETE', '/admin/faults', (host) => {
    host.faults.clear();
    return { status: 204 };
  })
  .add('DELETE', '/admin/faults/:id', (host, _req, params) => {
    if (!host.faults.remove(params['id'] ?? '')) throw new AdminError(404, 'NotFound', `No fault with id "${params['id']}".`);
    return { status: 204 };
  })
  .add('POST', '/admin/keyvault/expiry-check', (host) => ({ status: 200, body: { value: host.checkSecretExpiry() } }));

export async function handleAdmin(host: EmulatorHost, req: EmulatorRequest, res: ServerResponse): Promise<void> {
  let response: AdminResponse;
  try {
    const match = router.match(req.method, req.segments);
    if (match.kind === 'notFound') throw new AdminError(404, 'NotFound', `No admin endpoint ${req.method} ${req.path}. GET /admin lists them.`);
    if (match.kind === 'methodNotAllowed') throw new AdminError(405, 'MethodNotAllowed', `${req.method} is not supported on ${req.path}; use ${match.allowed.join(', ')}.`);
    response = await match.handler(host, req, match.params);
  } catch (err) {
    if (err instanceof SchemaError) response = { status: 400, body: { error: { code: 'InvalidInput', message: err.message, issues: err.issues } } };
    else if (err instanceof InputError) response = { status: 400, body: { error: { code: 'InvalidInput', message: err.message, field: err.field } } };
    else if (err instanceof AdminError) response = { status: err.status, body: { error: { code: err.code, message: err.message } } };
    else throw err;
  }
  if (response.body === undefined) {
    res.writeHead(response.status, { 'content-length': 0 });
    res.end();
    return;
  }
  sendJson(res, response.status, response.body);
}
