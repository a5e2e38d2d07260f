/**
 * The ARM front door: correlation ids and ARM's standard headers, injected faults, bearer-token authentication
 * (the token's claims are the caller), api-version, optional RBAC enforcement, routing to the provider handlers,
 * error envelopes, and the concurrent-writer fault after a successful read.
 */
import type { ServerResponse } from 'node:http';
import { newGuid } from '../identifiers';
import { header, sendEmpty, sendJson, sleep } from '../http';
import type { EmulatorRequest } from '../http';
import { callerFromClaims, decodeJwt } from '../identities';
import type { Caller } from '../identities';
import { Router } from '../router';
import type { FaultStatus } from '../faults';
import type { ArmContext, ArmHandler, ArmResponse, ArmServices } from './context';
import { ArmError, missingApiVersion } from './errors';
import { registerAuthorizationRoutes } from './authorization';
import { registerNetworkRoutes, runConcurrentWriter } from './network';
import { findGrant } from './rbac';

const ARM_AUDIENCES = ['https://management.core.windows.net/', 'https://management.core.windows.net', 'https://management.azure.com/', 'https://management.azure.com'];

export function createArmRouter(): Router<ArmHandler> {
  const router = new Router<ArmHandler>();
  registerNetworkRoutes(router);
  registerAuthorizationRoutes(router);
  return router;
}

/** Decoding the same token on every request is wasted work under load; callers are cached by token text. */
const callerCache = new Map<string, Caller>();

export class ArmFrontDoor {
  constructor(
    private readonly services: ArmServices,
    private readonly router: Router<ArmHandler>,
    private readonly log: (message: string) => void,
  ) {}

  async handle(req: EmulatorRequest, res: ServerResponse): Promise<void> {
    const correlationId = header(req, 'x-ms-correlation-request-id') ?? newGuid();
    const requestId = newGuid();
    const clientRequestId = header(req, 'x-ms-client-request-id') ?? requestId;
    const common: Record<string, string> = {
      'cache-control': 'no-cache',
      pragma: 'no-cache',
      expires: '-1',
      'x-ms-request-id': requestId,
      'x-ms-correlation-request-id': correlationId,
      'x-ms-client-request-id': clientRequestId,
    };

    const plan = this.services.faults.planRequest('arm', req.method, req.path);
    if (plan.latencyMs > 0) await sleep(plan.latencyMs);
    if (plan.respond) {
      const error = faultError(plan.respond, req, correlationId);
      sendJson(res, error.status, error.body(), { ...common, ...error.headers });
      return;
    }

    let response: ArmResponse;
    try {
      response = await this.dispatch(req, correlationId, clientRequestId);
    } catch (err) {
      if (err instanceof ArmError) {
        response = { status: err.status, body: err.body(), headers: err.headers };
      } else {
        this.log(`ARM ${req.method} ${req.path} failed inside the emulator: ${(err as Error).stack ?? String(err)}`);
        response = { status: 500, body: new ArmError(500, 'InternalServerError', `The emulator failed to handle the request: ${(err as Error).message}`).body() };
      }
    }
    const headers = { ...common, ...(response.headers ?? {}) };
    if (response.body === undefined) sendEmpty(res, response.status, headers);
    else sendJson(res, response.status, response.body, headers);

    if (response.status === 200 && req.method === 'GET') {
      for (const fault of plan.concurrentWriters) runConcurrentWriter(this.services, fault, req, this.log);
      if (plan.concurrentWriters.length > 0) this.services.changed?.();
    } else if (response.status < 400 && req.method !== 'GET' && req.method !== 'HEAD') {
      this.services.changed?.();
    }
  }

  private async dispatch(req: EmulatorRequest, correlationId: string, clientRequestId: string): Promise<ArmResponse> {
    const caller = this.authenticate(req);
    const apiVersion = req.query.get('api-version');
    if (apiVersion === null || apiVersion === '') throw missingApiVersion();
    const match = this.router.match(req.method, req.segments);
    if (match.kind === 'notFound') {
      throw new ArmError(404, 'InvalidResourceType', `The resource type for path '${req.path}' is not served by the driftwarden emulator (it emulates Microsoft.Network network security groups and Microsoft.Authorization role assignments and definitions).`);
    }
    if (match.kind === 'methodNotAllowed') {
      throw new ArmError(405, 'MethodNotAllowed', `The HTTP method '${req.method}' is not supported for '${req.path}'. Allowed: ${match.allowed.join(', ')}.`);
    }
    if (this.services.settings.enforceRbac) this.authorize(caller, req);
    const ctx: ArmContext = { services: this.services, req, params: match.params, caller, correlationId, clientRequestId, apiVersion };
    return match.handler(ctx);
  }

  private authenticate(req: EmulatorRequest): Caller {
    const authorization = header(req, 'authorization');
    if (authorization === undefined || authorization.trim() === '') {
      throw new ArmError(401, 'AuthenticationFailed', "Authentication failed. The 'Authorization' header is missing.", {
        headers: { 'www-authenticate': 'Bearer authorization_uri="https://login.windows.net/", error="invalid_token", error_description="The authentication failed because of missing \'Authorization\' header."' },
      });
    }
    const match = /^Bearer\s+(\S+)$/i.exec(authorization.trim());
    if (!match) throw new ArmError(401, 'AuthenticationFailedInvalidHeader', "Authentication failed. The 'Authorization' header is provided in an invalid format.");
    const token = match[1]!;
    let caller = callerCache.get(token);
    if (!caller) {
      const claims = decodeJwt(token);
      if (!claims) throw new ArmError(401, 'InvalidAuthenticationToken', 'The access token is invalid.');
      caller = callerFromClaims(claims);
      if (callerCache.size > 1000) callerCache.clear();
      callerCache.set(token, caller);
    }
    const claims = caller.claims;
    if (caller.objectId === undefined && claims['puid'] === undefined && claims['altsecid'] === undefined) {
      throw new ArmError(401, 'InvalidAuthenticationToken', "The received access token is not valid: at least one of the claims 'puid' or 'altsecid' or 'oid' should be present. If you are accessing as application please make sure service principal is properly created in the tenant.");
    }
    const aud = claims['aud'];
    // The SDK clients ask for `<endpoint>/.default` when given a custom endpoint, so the emulator's own URL is an
    // accepted audience too.
    const ownUrl = this.services.settings.baseUrl;
    if (typeof aud === 'string' && !ARM_AUDIENCES.includes(aud) && aud.replace(/\/$/, '') !== ownUrl) {
      throw new ArmError(401, 'InvalidAuthenticationTokenAudience', `The access token has been obtained for wrong audience or resource '${aud}'. It should exactly match with one of the allowed audiences ${ARM_AUDIENCES.map((a) => `'${a}'`).join(',')}.`);
    }
    const exp = claims['exp'];
    const nowSeconds = Math.floor(this.services.now() / 1000);
    if (typeof exp === 'number' && exp < nowSeconds) {
      throw new ArmError(401, 'ExpiredAuthenticationToken', `The access token expiry UTC time '${new Date(exp * 1000).toUTCString()}' is earlier than current UTC time '${new Date(nowSeconds * 1000).toUTCString()}'.`);
    }
    return caller;
  }

  /** With RBAC enforcement on, the caller needs an assignment granting `<provider>/<types>/<read|write|delete>`. */
  private authorize(caller: Caller, req: EmulatorRequest): void {
    const action = requiredAction(req.method, req.segments);
    if (findGrant(this.services.state, caller, action, req.path)) return;
    throw new ArmError(403, 'AuthorizationFailed', `The client '${caller.display}' with object id '${caller.objectId ?? ''}' does not have authorization to perform action '${action}' over scope '${req.path}' or the scope is invalid. If access was recently granted, please refresh your credentials.`);
  }
}

export function requiredAction(method: string, segments: readonly string[]): string {
  const verb = method === 'GET' ? 'read' : method === 'DELETE' ? 'delete' : method === 'POST' ? 'action' : 'write';
  let providerIndex = -1;
  for (let i = 0; i < segments.length; i += 1) if (segments[i]!.toLowerCase() === 'providers') providerIndex = i;
  if (providerIndex < 0 || providerIndex + 1 >= segments.length) return `Microsoft.Resources/subscriptions/resourceGroups/${verb}`;
  const namespace = segments[providerIndex + 1]!;
  const types: string[] = [];
  for (let i = providerIndex + 2; i < segments.length; i += 2) types.push(segments[i]!);
  return `${namespace}/${types.join('/')}/${verb}`;
}

/** The error a throttle or error fault answers with (ARM's throttling and transient-failure envelopes). */
function faultError(fault: FaultStatus, req: EmulatorRequest, correlationId: string): ArmError {
  const subscription = /\/subscriptions\/([^/]+)/i.exec(req.path)?.[1] ?? '';
  if (fault.kind === 'throttle') {
    const seconds = fault.retryAfterSeconds ?? 1;
    const kind = req.method === 'GET' ? 'read' : 'write';
    return new ArmError(429, 'SubscriptionRequestsThrottled', `Number of ${kind} requests for subscription '${subscription}' exceeded the limit for time interval '01:00:00'. Please try again after '${seconds}' seconds.`, {
      headers: { 'retry-after': String(seconds) },
    });
  }
  const status = fault.status ?? 500;
  const headers: Record<string, string> = fault.retryAfterSeconds !== undefined ? { 'retry-after': String(fault.retryAfterSeconds) } : {};
  if (status === 503) return new ArmError(503, 'ServiceUnavailable', 'The server is currently unable to receive requests. Please retry your request.', { headers });
  return new ArmError(status, 'InternalServerError', `Encountered internal server error. Diagnostic information: timestamp '${new Date().toISOString()}', subscription id '${subscription}', tracking id '${newGuid()}', request correlation id '${correlationId}'.`, { headers });
}
