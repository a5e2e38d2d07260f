/**
 * `driftwarden simulate`: makes a drift on the running local stack the way a person would — through the Azure SDK,
 * as a seeded identity (default alice) — so the whole loop can be watched: event → orchestration → card → approval.
 *
 *   driftwarden simulate open-port <port> [--from Internet|*|<cidr>|<tag>] [--protocol Tcp|Udp|*] [--as alice]
 *                                   [--nsg nsg-ml-training] [--resource-group rg-ml-workspace] [--priority n] [--name rule]
 *   driftwarden simulate delete-rule <rule> [--as alice] [--nsg …] [--resource-group …]
 */
import { request } from 'node:https';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { AccessToken, TokenCredential } from '@azure/core-auth';
import { parseArgsMessage } from '../../src/cli/args';
import { InputError, UsageError } from '../../src/errors';
import { parseAddressPrefix } from '../../src/network';
import { parsePortRange } from '../../src/network';
import { readStackFile, type StackFile } from './stackFile';

export async function runSimulateCommand(args: string[], io: { stdout(t: string): void }, env: Record<string, string | undefined> = process.env): Promise<number> {
  const [action, ...rest] = args;
  let parsed;
  try {
    parsed = parseArgs({
      args: rest,
      strict: true,
      allowPositionals: true,
      options: {
        from: { type: 'string' },
        protocol: { type: 'string' },
        as: { type: 'string' },
        nsg: { type: 'string' },
        'resource-group': { type: 'string' },
        priority: { type: 'string' },
        name: { type: 'string' },
        'data-dir': { type: 'string' },
      },
    });
  } catch (err) {
    throw new UsageError(parseArgsMessage(err as Error & { code?: string }));
  }
  const { values, positionals } = parsed;
  if (action !== 'open-port' && action !== 'delete-rule') throw new UsageError(`unknown simulation "${action ?? ''}" (expected "open-port" or "delete-rule")`);
  const target = positionals[0];
  if (!target) throw new UsageError(action === 'open-port' ? 'missing the port, e.g. `simulate open-port 22`' : 'missing the rule name, e.g. `simulate delete-rule DenyAllOtherInbound`');
  const stack = readStackFile(resolve(values['data-dir'] ?? env.DRIFTWARDEN_LOCAL_DIR ?? '.driftwarden'));
  const identity = values.as ?? 'alice';
  const subscriptionId = stack.subscriptionIds[0]!;
  const rg = values['resource-group'] ?? 'rg-ml-workspace';
  const nsgName = values.nsg ?? 'nsg-ml-training';
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { NetworkManagementClient } = require('@azure/arm-network') as typeof import('@azure/arm-network');
  const client = new NetworkManagementClient(await tokenCredential(stack, identity), subscriptionId, {
    endpoint: stack.emulatorUrl,
    tlsOptions: { ca: readFileSync(stack.caFile, 'utf8') },
  });
  try {
    return await simulate();
  } catch (err) {
    // Azure refused the change (a bad prefix, a priority clash): that is the user's input, not a crash.
    const e = err as { statusCode?: number; code?: string; message?: string };
    if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
      throw new InputError('simulation', action, `was refused by Azure: ${e.code ?? e.statusCode} ${(e.message ?? '').split('\n')[0]}`, { omitValue: true });
    }
    throw err;
  }

  async function simulate(): Promise<number> {
    if (action === 'delete-rule') {
      const rules = (await client.networkSecurityGroups.get(rg, nsgName)).securityRules ?? [];
      const rule = rules.find((r) => r.name?.toLowerCase() === target!.toLowerCase());
      if (!rule) throw new InputError('rule', target, `is not a rule of ${nsgName} (its rules: ${rules.map((r) => r.name).join(', ')})`);
      await client.securityRules.beginDeleteAndWait(rg, nsgName, rule.name!, { updateIntervalInMs: 20 });
      io.stdout(`${identity} deleted rule '${rule.name}' from ${nsgName}. Watch ${stack.frontUrl}/local/teams`);
      return 0;
    }
    parsePortRange(target, 'port');
    const from = values.from ?? 'Internet';
    parseAddressPrefix(from, '--from');
    const protocol = values.protocol ?? 'Tcp';
    const nsg = await client.networkSecurityGroups.get(rg, nsgName);
    const taken = new Set((nsg.securityRules ?? []).filter((r) => r.direction === 'Inbound').map((r) => r.priority));
    let priority = values.priority !== undefined ? Number(values.priority) : 200;
    if (!Number.isInteger(priority) || priority < 100 || priority > 4096) throw new InputError('--priority', values.priority, 'must be a whole number 100-4096');
    if (values.priority === undefined) while (taken.has(priority)) priority += 10;
    const name = values.name ?? `open-${target}-from-${from.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'any'}`;
    await client.securityRules.beginCreateOrUpdateAndWait(
      rg,
      nsgName,
      name,
      {
        protocol,
        sourcePortRange: '*',
        destinationPortRange: target,
        sourceAddressPrefix: from,
        destinationAddressPrefix: '*',
        access: 'Allow',
        priority,
        direction: 'Inbound',
        description: `opened by driftwarden simulate as ${identity}`,
      },
      { updateIntervalInMs: 20 },
    );
    io.stdout(`${identity} opened ${protocol} ${target} from ${from} on ${nsgName} (rule '${name}', priority ${priority}). Watch ${stack.frontUrl}/local/teams`);
    return 0;
  }
}

/** A token minted by the emulator's admin API for a seeded identity. */
async function tokenCredential(stack: StackFile, identity: string): Promise<TokenCredential> {
  const body = JSON.stringify({ identity });
  const ca = readFileSync(stack.caFile, 'utf8');
  const response = await new Promise<{ status: number; text: string }>((done, fail) => {
    const req = request(`${stack.emulatorUrl}/admin/tokens`, { method: 'POST', ca, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => done({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', (err) => fail(new InputError('local stack', stack.emulatorUrl, `does not answer (${err.message}); is \`npm start\` still running?`, { omitValue: true })));
    req.end(body);
  });
  if (response.status !== 200) {
    const message = (JSON.parse(response.text) as { error?: { message?: string } }).error?.message ?? response.text;
    throw new InputError('--as', identity, `is not usable: ${message.replace(/ \(got [^)]*\)/g, '')}`);
  }
  const token = JSON.parse(response.text) as { accessToken: string; expiresOn: string };
  return { getToken: async (): Promise<AccessToken> => ({ token: token.accessToken, expiresOnTimestamp: Date.parse(token.expiresOn) }) };
}
