/**
 * Shared setup for the emulator tests: the example ML-workspace seed, SDK clients wired to the emulator the way the
 * product's gateways will be (endpoint, CA, emulator credential), a plain-http webhook receiver, and corpus access.
 */
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { NetworkManagementClient } from '@azure/arm-network';
import { AuthorizationManagementClient } from '@azure/arm-authorization';
import { SecretClient } from '@azure/keyvault-secrets';
import { startEmulator } from '../../local/emulator';
import type { EmulatorOptions, RunningEmulator } from '../../local/emulator';

export const SEED_FILE = path.join(__dirname, '..', '..', 'examples', 'ml-workspace.env.json');
import { CORPUS } from '../helpers/corpus';
export { CORPUS };
export const SUB = '9c2f4e1a-7b3d-4a6e-8f05-2d1c6b9e7a34';
export const RG = 'rg-ml-workspace';
export const NSG = 'nsg-ml-training';
export const VAULT = 'kv-ml-workspace';
export const RG_SCOPE = `subscriptions/${SUB}/resourceGroups/${RG}`;
export const ROLE = {
  owner: '8e3af657-a8ff-443c-a75c-2fe8c4bcb635',
  contributor: 'b24988ac-6180-42a0-ab88-20f7382dd24c',
  reader: 'acdd72a7-3385-48ef-bd42-f606fba81ae7',
  userAccessAdministrator: '18d7d88d-d35e-4fb5-a5c3-7773c20a72d9',
  rbacAdministrator: 'f58310d9-a9f6-439a-9e8d-f62e7b41a168',
  networkContributor: '4d97b98b-1d4f-4787-a291-c67834d212e7',
  keyVaultAdministrator: '00482a5a-887f-4fb3-b363-3b7fe8e74483',
  keyVaultSecretsOfficer: 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7',
  keyVaultSecretsUser: '4633458b-17de-408a-b874-0445c86b69e6',
};

export function seedJson(): Record<string, unknown> {
  return JSON.parse(readFileSync(SEED_FILE, 'utf8')) as Record<string, unknown>;
}

export function corpus<T = unknown>(relative: string): T {
  return JSON.parse(readFileSync(path.join(CORPUS, relative), 'utf8')) as T;
}

const tempDirs: string[] = [];

/** A fresh temp folder, removed after the test file that asked for it. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), `dw-emulator-${prefix}-`));
  tempDirs.push(dir);
  return dir;
}

// Jest gives every test file its own copy of this module, so this hook cleans up after each file.
afterAll(() => {
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A fast emulator: LROs finish on the first poll, no expiry timer, dead letters in a temp folder. */
export async function startTestEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  return startEmulator({
    seed: SEED_FILE,
    secretExpiryCheckIntervalMs: 0,
    deadLetterDir: tempDir('dl'),
    lro: { inProgressPolls: 1, completeAfterMs: 5_000, retryAfterSeconds: 0 },
    ...options,
  });
}

export const FAST_POLL = { updateIntervalInMs: 5 };

export function networkClient(emu: RunningEmulator, identity = 'alice', maxRetries = 0): NetworkManagementClient {
  return new NetworkManagementClient(emu.credential(identity), SUB, {
    endpoint: emu.url,
    tlsOptions: { ca: emu.caPem },
    retryOptions: { maxRetries, retryDelayInMs: 10, maxRetryDelayInMs: 50 },
  });
}

export function authorizationClient(emu: RunningEmulator, identity = 'alice', maxRetries = 0): AuthorizationManagementClient {
  return new AuthorizationManagementClient(emu.credential(identity), SUB, {
    endpoint: emu.url,
    tlsOptions: { ca: emu.caPem },
    retryOptions: { maxRetries, retryDelayInMs: 10, maxRetryDelayInMs: 50 },
  });
}

export function secretClient(emu: RunningEmulator, identity = 'id-driftwarden', maxRetries = 0): SecretClient {
  return new SecretClient(emu.vaultUrl(VAULT), emu.credential(identity), {
    disableChallengeResourceVerification: true,
    tlsOptions: { ca: emu.caPem },
    retryOptions: { maxRetries, retryDelayInMs: 10, maxRetryDelayInMs: 50 },
  });
}

export interface ReceivedRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export type Responder = (req: ReceivedRequest) => { status: number; headers?: Record<string, string>; body?: string };

/**
 * A webhook endpoint like the product's local intake (plain http on localhost). By default it performs both
 * handshakes correctly and accepts everything; `respond` overrides that.
 */
export class WebhookReceiver {
  readonly requests: ReceivedRequest[] = [];
  private server?: http.Server;
  url = '';
  respond?: Responder;

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const received: ReceivedRequest = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
        this.requests.push(received);
        const answer = this.respond?.(received) ?? defaultAnswer(received);
        res.writeHead(answer.status, answer.headers ?? {});
        res.end(answer.body ?? '');
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/api/events`;
    return this;
  }

  /** Event deliveries (not handshakes). */
  notifications(): ReceivedRequest[] {
    return this.requests.filter((r) => r.method === 'POST' && r.headers['aeg-event-type'] === 'Notification');
  }

  /** Every event delivered, flattened out of batches, in arrival order. */
  events(): Record<string, unknown>[] {
    return this.notifications().flatMap((r) => {
      const parsed = JSON.parse(r.body) as unknown;
      return (Array.isArray(parsed) ? parsed : [parsed]) as Record<string, unknown>[];
    });
  }

  async close(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }
}

function defaultAnswer(req: ReceivedRequest): { status: number; headers?: Record<string, string>; body?: string } {
  if (req.method === 'OPTIONS') {
    const origin = req.headers['webhook-request-origin'];
    return { status: 200, headers: { 'WebHook-Allowed-Origin': typeof origin === 'string' ? origin : '*', 'WebHook-Allowed-Rate': '*', Allow: 'POST' } };
  }
  if (req.headers['aeg-event-type'] === 'SubscriptionValidation') {
    const events = JSON.parse(req.body) as { data: { validationCode: string } }[];
    return { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ validationResponse: events[0]!.data.validationCode }) };
  }
  return { status: 200 };
}

export function sortedKeys(value: unknown): string[] {
  return Object.keys(value as Record<string, unknown>).sort();
}

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  json: Record<string, unknown>;
}

/**
 * One request straight over HTTPS (no SDK), for checking wire shapes, headers and error envelopes. `token: null`
 * sends no Authorization header; a string is sent as the whole header value.
 */
export async function raw(
  emu: RunningEmulator,
  method: string,
  pathAndQuery: string,
  options: { body?: unknown; headers?: Record<string, string>; identity?: string; token?: string | null; baseUrl?: string } = {},
): Promise<RawResponse> {
  const url = new URL((options.baseUrl ?? emu.url) + pathAndQuery);
  const headers: Record<string, string> = { ...(options.headers ?? {}) };
  if (options.token === undefined) headers['authorization'] = `Bearer ${emu.tokenFor(options.identity ?? 'alice', options.baseUrl && options.baseUrl !== emu.url ? { audience: 'https://vault.azure.net' } : {})}`;
  else if (options.token !== null) headers['authorization'] = options.token;
  const payload = options.body === undefined ? undefined : typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
  if (payload !== undefined) headers['content-type'] = 'application/json';
  return new Promise<RawResponse>((resolve, reject) => {
    const req = https.request(url, { method, headers, ca: emu.caPem, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: Record<string, unknown>;
        try {
          json = text.length > 0 ? (JSON.parse(text) as Record<string, unknown>) : {};
        } catch {
          json = {};
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
      });
    });
    req.on('error', reject);
    req.end(payload);
  });
}

export const NSG_PATH = `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.Network/networkSecurityGroups/${NSG}`;
export const NET_API = 'api-version=2025-05-01';
