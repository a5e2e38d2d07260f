import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { captureNsgBaseline } from '../../src/baseline/document';
import { describeDrift } from '../../src/evaluate/describe';
import { evaluateNsg } from '../../src/evaluate/evaluateNsg';
import { normalizeDelivery } from '../../src/events';
import type { RemediationNotice } from '../../src/notify/teamsCard';
import { parsePolicyText } from '../../src/policy/loadPolicy';
import { startFrontServer, type FrontOptions, type LocalUser, type RunningFront } from '../../local/front';
import { EXAMPLES, exampleJson } from '../helpers/examples';

export const USERS: LocalUser[] = [
  {
    name: 'carol',
    objectId: 'c0c0c0c0-0000-4000-8000-000000000003',
    upn: 'carol@contoso.example',
    displayName: 'Carol Approver',
    groups: ['9d1b7c2e-1111-4000-8000-00000000000a', 'netops'],
    roles: ['Driftwarden.Approver'],
  },
  { name: 'dave', objectId: 'd0d0d0d0-0000-4000-8000-000000000004', upn: 'dave@contoso.example' },
];

export interface Echo {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** An upstream that answers every request with what it received; `/status/<n>` answers n with extra headers. */
export async function startEchoUpstream(): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const status = /^\/status\/(\d{3})/.exec(req.url ?? '');
      const echo: Echo = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      res.writeHead(status ? Number(status[1]) : 200, {
        'content-type': 'application/json',
        'set-cookie': ['a=1; Path=/', 'b=2; Path=/'],
        'x-upstream': 'yes',
      });
      res.end(JSON.stringify(echo));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** A port nothing listens on. */
export async function closedPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const made: string[] = [];

export function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dw-front-'));
  made.push(dir);
  return dir;
}

/** Call from each test file's top-level afterAll. */
export function removeTempDirs(): void {
  for (const dir of made.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
}

export function startFront(options: Partial<FrontOptions> & { upstreamUrl: string; dataDir: string }): Promise<RunningFront> {
  return startFrontServer({ port: 0, users: USERS, ...options });
}

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A raw request: no redirects followed, no cookie jar, headers exactly as given, and no connection left open. */
export function request(url: string, init: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: init.method ?? 'GET', headers: { connection: 'close', ...(init.headers ?? {}) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(init.body);
  });
}

export function postForm(url: string, form: Record<string, string>, headers: Record<string, string> = {}): Promise<Reply> {
  return request(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams(form).toString() });
}

export function postJson(url: string, value: unknown): Promise<Reply> {
  return request(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(value) });
}

/** Signs in through the form and returns the `Cookie` header value for the session. */
export async function signIn(front: RunningFront, user: string): Promise<string> {
  const reply = await postForm(`${front.url}/.auth/login/aad`, { user, post_login_redirect_uri: '/' });
  const cookie = [reply.headers['set-cookie'] ?? []].flat()[0];
  if (reply.status !== 302 || !cookie) throw new Error(`sign-in failed: ${reply.status} ${reply.body}`);
  return cookie.split(';')[0]!;
}

/** The product's own sample: the ML workspace's SSH-to-Internet drift waiting for approval. */
export function sampleNotice(): RemediationNotice {
  const policy = parsePolicyText(readFileSync(path.join(EXAMPLES, 'ml-workspace.policy.yaml'), 'utf8'), 'p.yaml');
  const baseline = captureNsgBaseline(exampleJson('nsg-ml-training.json'), { capturedAt: '2026-12-01T00:00:00Z', source: { type: 'file' } });
  const change = normalizeDelivery(readFileSync(path.join(EXAMPLES, 'events', 'open-ssh.securityRules-write.eventgrid.json'), 'utf8')).changes[0]!;
  const e = evaluateNsg({ current: exampleJson('nsg-ml-training.drifted.json'), baseline, policy, now: '2026-12-03T10:00:00Z', change });
  return {
    stage: 'awaitingApproval',
    resourceId: e.resourceId,
    resourceName: 'nsg-ml-training',
    actor: change.actor,
    changedAt: change.time,
    severity: e.plan.severity!,
    findings: e.findings.map((f) => ({ title: f.title, severity: f.severity })),
    drift: e.drift.map(describeDrift),
    exposureAdded: e.exposureAdded,
    plan: { hash: e.plan.hash, mode: e.plan.mode, actions: e.plan.actions },
    links: {
      review: 'https://dw.example/api/approvals/nsg-1?t=abc',
      approve: 'https://dw.example/api/approvals/nsg-1?t=abc&intent=approve',
      reject: 'https://dw.example/api/approvals/nsg-1?t=abc&intent=reject',
      accept: 'https://dw.example/api/approvals/nsg-1?t=abc&intent=accept',
    },
  };
}
