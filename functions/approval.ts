/**
 * The approval endpoint. Anonymous at the Functions level on purpose: a function key in a Teams link would leak
 * through chat history and link scanners. Every decision instead needs the signed link token AND an authenticated,
 * authorized approver (see src/approval/approvalFlow.ts); GET only ever shows.
 */
import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import type { DurableClient } from 'durable-functions';
import { type ApprovalDeps, type ApprovalResponse, decideApproval, showApproval } from '../src/approval/approvalFlow';
import { services } from '../src/app/services';
import { FunctionNames } from '../src/remediation/names';

const SECURITY_HEADERS = {
  'cache-control': 'no-store',
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
};

function deps(client: DurableClient): ApprovalDeps {
  const s = services();
  return {
    client,
    audit: s.audit,
    nonces: s.nonces,
    signingKeys: s.approval.signingKeys,
    approvers: s.policy.approval.approvers,
    auth: s.config.approverAuth,
    jwks: s.jwks,
    nowSeconds: () => Math.floor(s.now().getTime() / 1000),
  };
}

function respond(request: HttpRequest, response: ApprovalResponse): HttpResponseInit {
  const wantsJson = (request.headers.get('accept') ?? '').includes('application/json');
  if (wantsJson && response.json) return { status: response.status, jsonBody: response.json, headers: SECURITY_HEADERS };
  return { status: response.status, body: response.html ?? '', headers: { ...SECURITY_HEADERS, 'content-type': 'text/html; charset=utf-8' } };
}

export async function approvalPageHandler(request: HttpRequest, client: DurableClient, _context: InvocationContext): Promise<HttpResponseInit> {
  const instanceId = request.params.instanceId ?? '';
  return respond(request, await showApproval(deps(client), instanceId, request.query.get('t'), request.query.get('intent')));
}

export async function approvalDecisionHandler(request: HttpRequest, client: DurableClient, context: InvocationContext): Promise<HttpResponseInit> {
  const instanceId = request.params.instanceId ?? '';
  const form = await readForm(request);
  const response = await decideApproval(deps(client), instanceId, form, request.headers);
  context.log(`approval decision for ${instanceId}: ${response.status}${response.status === 200 ? ` ${String(form.decision)}` : ''}`);
  return respond(request, response);
}

async function readForm(request: HttpRequest): Promise<{ token?: string; decision?: string }> {
  const type = request.headers.get('content-type') ?? '';
  const text = await request.text();
  if (type.includes('application/json')) {
    try {
      const body = JSON.parse(text) as { t?: unknown; token?: unknown; decision?: unknown };
      const token = typeof body.t === 'string' ? body.t : typeof body.token === 'string' ? body.token : undefined;
      return { ...(token ? { token } : {}), ...(typeof body.decision === 'string' ? { decision: body.decision } : {}) };
    } catch {
      return {};
    }
  }
  const params = new URLSearchParams(text);
  const token = params.get('t') ?? undefined;
  const decision = params.get('decision') ?? undefined;
  return { ...(token ? { token } : {}), ...(decision ? { decision } : {}) };
}

df.app.client.http(FunctionNames.approvalPage, {
  methods: ['GET'],
  route: 'approvals/{instanceId}',
  authLevel: 'anonymous',
  handler: approvalPageHandler,
});
df.app.client.http(FunctionNames.approvalDecision, {
  methods: ['POST'],
  route: 'approvals/{instanceId}/decision',
  authLevel: 'anonymous',
  handler: approvalDecisionHandler,
});
