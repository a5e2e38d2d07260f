/**
 * The local stack for end-to-end tests: the emulator, the local Functions host running functions/ unchanged, the
 * front server, driftwarden configured for them. Test files must mock `@azure/functions-core` first:
 *   jest.mock('@azure/functions-core', () => require('../../local/host/functionsCore').createFunctionsCore(), { virtual: true });
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NetworkManagementClient } from '@azure/arm-network';
import { type Clock, loadFunctionApp, silentLogger } from '../../local/host';
import { type RunningStack, startLocalStack } from '../../local/stack/startLocalStack';
import { nsgInstanceId } from '../../src/remediation/instanceId';

export const REPO = join(__dirname, '..', '..');
export const SUB = '9c2f4e1a-7b3d-4a6e-8f05-2d1c6b9e7a34';
export const RG = 'rg-ml-workspace';
export const NSG_NAME = 'nsg-ml-training';
export const NSG_ID = `/subscriptions/${SUB}/resourcegroups/${RG}/providers/microsoft.network/networksecuritygroups/${NSG_NAME}`;
export const INSTANCE = nsgInstanceId(NSG_ID);

export interface StackHandle {
  stack: RunningStack;
  dataDir: string;
  stop(): Promise<void>;
}

/** The example policy with `edit` applied (YAML appended at the end overrides nothing; we rewrite keys instead). */
export function policyYaml(overrides: { modes?: Record<string, string>; onTimeout?: string; timeout?: string } = {}): string {
  let text = readFileSync(join(REPO, 'examples', 'ml-workspace.policy.yaml'), 'utf8');
  for (const [severity, mode] of Object.entries(overrides.modes ?? {})) {
    text = text.replace(new RegExp(`^(\\s+${severity}:) \\w+`, 'm'), `$1 ${mode}`);
  }
  if (overrides.onTimeout) text = text.replace(/^(\s+onTimeout:) \w+/m, `$1 ${overrides.onTimeout}`);
  if (overrides.timeout) text = text.replace(/^(\s+timeout:) \w+/m, `$1 ${overrides.timeout}`);
  return text;
}

let registryLoaded = false;

export async function startStack(options: { policy?: string; clock?: Clock; dataDir?: string } = {}): Promise<StackHandle> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'dw-e2e-'));
  const policyFile = join(dataDir, 'policy.yaml');
  writeFileSync(policyFile, options.policy ?? policyYaml());
  const registry = loadFunctionApp({ modules: ['intake', 'remediation', 'approval', 'sweep'].map((m) => join(REPO, 'functions', `${m}.ts`)) });
  registryLoaded = true;
  const stack = await startLocalStack({
    dataDir,
    port: 0,
    emulatorPort: 0,
    seedFile: join(REPO, 'examples', 'ml-workspace.env.json'),
    policyFile,
    registry,
    appRoot: REPO,
    hostLog: silentLogger,
    disableTimers: true,
    ...(options.clock ? { clock: options.clock } : {}),
    lroPollMs: 5,
  });
  return {
    stack,
    dataDir,
    async stop() {
      await stack.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export function isRegistryLoaded(): boolean {
  return registryLoaded;
}

export function networkAs(stack: RunningStack, identity: string): NetworkManagementClient {
  return new NetworkManagementClient(stack.emulator.credential(identity), SUB, {
    endpoint: stack.emulator.url,
    tlsOptions: { ca: stack.emulator.caPem },
    retryOptions: { maxRetries: 0 },
  });
}

/** What a person does by hand: open a port on the NSG through the SDK, as `identity`. */
export async function openPort(stack: RunningStack, options: { port?: string; from?: string; name?: string; priority?: number; as?: string } = {}): Promise<void> {
  await networkAs(stack, options.as ?? 'alice').securityRules.beginCreateOrUpdateAndWait(
    RG,
    NSG_NAME,
    options.name ?? 'allow-ssh-anywhere',
    {
      protocol: 'Tcp',
      sourcePortRange: '*',
      destinationPortRange: options.port ?? '22',
      sourceAddressPrefix: options.from ?? '*',
      destinationAddressPrefix: '*',
      access: 'Allow',
      priority: options.priority ?? 200,
      direction: 'Inbound',
      description: 'temporary, for debugging',
    },
    { updateIntervalInMs: 5 },
  );
}

export async function ruleNames(stack: RunningStack): Promise<string[]> {
  const nsg = await networkAs(stack, 'sam').networkSecurityGroups.get(RG, NSG_NAME);
  return (nsg.securityRules ?? []).map((r) => r.name ?? '');
}

export interface Status {
  runtimeStatus: string;
  input?: unknown;
  customStatus?: { stage?: string; planHash?: string; expiresAt?: string };
  output?: { outcome?: string; detail?: string };
}

export async function waitFor(stack: RunningStack, predicate: (s: Status) => boolean, timeoutMs = 15_000): Promise<Status> {
  const started = Date.now();
  let last: Status | undefined;
  while (Date.now() - started < timeoutMs) {
    try {
      last = (await stack.host.durableClient().getStatus(INSTANCE)) as unknown as Status;
      if (predicate(last)) return last;
    } catch {
      // not started yet
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out waiting; last status: ${JSON.stringify(last)}`);
}

export const awaitingApproval = (s: Status) => s.runtimeStatus === 'Running' && s.customStatus?.stage === 'awaitingApproval';
export const completed = (s: Status) => s.runtimeStatus === 'Completed';

export async function teamsMessages(stack: RunningStack): Promise<{ seq: number; message: { attachments: { content: { body: { text?: string; facts?: unknown }[]; actions?: { title: string; url: string }[] } }[] } }[]> {
  const response = await fetch(`${stack.frontUrl}/local/teams/messages`);
  return (await response.json()) as never;
}

export function cardTitle(m: { message: { attachments: { content: { body: { text?: string }[] } }[] } }): string {
  return m.message.attachments[0]!.content.body[0]!.text ?? '';
}

/** The approval link from the newest approval card. */
export async function approvalLink(stack: RunningStack): Promise<string> {
  const messages = await teamsMessages(stack);
  const card = [...messages].reverse().find((m) => cardTitle(m).startsWith('Approval needed'));
  const review = card?.message.attachments[0]!.content.actions?.find((a) => a.title === 'Review plan');
  if (!review) throw new Error(`no approval card yet: ${messages.map(cardTitle).join(' | ')}`);
  return review.url;
}

/** Signs in through the front's App Service Authentication stand-in; returns the session cookie. */
export async function signIn(stack: RunningStack, user: string): Promise<string> {
  const response = await fetch(`${stack.frontUrl}/.auth/login/aad`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ user, post_login_redirect_uri: '/' }).toString(),
    redirect: 'manual',
  });
  const cookie = response.headers.get('set-cookie');
  if (!cookie) throw new Error(`sign-in as ${user} set no cookie (${response.status})`);
  return cookie.split(';')[0]!;
}

/** POSTs a decision the way the approval page's form does. */
export async function decide(link: string, decision: string, options: { cookie?: string; token?: string; headers?: Record<string, string> } = {}) {
  const url = new URL(link);
  const token = options.token ?? url.searchParams.get('t') ?? '';
  const response = await fetch(`${url.origin}${url.pathname}/decision`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json', ...(options.cookie ? { cookie: options.cookie } : {}), ...options.headers },
    body: new URLSearchParams({ t: token, decision }).toString(),
  });
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

export async function auditTypes(stack: RunningStack): Promise<string[]> {
  return (await stack.services.audit.list({ resourceId: NSG_ID })).map((r) => r.type);
}
