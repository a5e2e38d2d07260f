/**
 * Exposure benchmark: an NSG at Azure's limit (1,000 rules), each rule with 50 address prefixes and a port list,
 * built deterministically from a seeded generator. Target: median `effectiveExposure` under 2 ms on an
 * already-normalized NSG (whose address index `normalizeNsg` built). Also printed: normalize + exposure from the
 * parsed JSON, exposure on an NSG that did not come from `normalizeNsg` (its index is built inside the timed call),
 * and a stress variant with far more sharing of prefixes between rules.
 */

import { effectiveExposure, normalizeNsg } from '../src/network';
import type { NetworkSecurityGroup } from '../src/network/types';
import { seededRandom } from '../local/emulator/rng';

const TARGET_MS = 2;
const RULES = 1000;
const PREFIXES_PER_RULE = 50;

const seeded = seededRandom;

const NSG_ID = '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-bench/providers/Microsoft.Network/networkSecurityGroups/nsg-bench';

/**
 * A large NSG shaped like the ones that reach Azure's limit: customer/partner allow-lists (mostly distinct public
 * hosts and small blocks, many per rule), teams' IP lists reused across rules (offices, jump hosts), the VNet's
 * address space and subnets (nested blocks named by many rules), a few tag rules (`Internet`, `*`,
 * `VirtualNetwork`, service tags); Allow and Deny interleaved; Tcp, Udp and `*`; port lists mixing well-known
 * ports and ranges; some rules with specific destinations or source ports. `reuse` scales how often the shared
 * lists and subnets appear (1 = the realistic mix; the stress variant uses far more sharing than real NSGs do).
 */
export function buildBenchNsgBody(seed = 20240501, reuse = 1): Record<string, unknown> {
  const rnd = seeded(seed);
  const int = (n: number): number => Math.floor(rnd() * n);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)]!;

  const uniquePrefix = (): string => {
    const kind = rnd();
    const a = 11 + int(180);
    if (kind < 0.7) return `${a}.${int(256)}.${int(256)}.${int(256)}`; // a public host, written as a bare IP
    if (kind < 0.85) return `${a}.${int(256)}.${int(256)}.${int(16) * 16}/28`;
    if (kind < 0.95) return `${a}.${int(256)}.${int(256)}.0/24`;
    return `2001:db8:${int(65536).toString(16)}:${int(65536).toString(16)}::/64`;
  };
  const teamLists: string[][] = [];
  for (let i = 0; i < 40; i++) {
    const size = 10 + int(16);
    const list = new Set<string>();
    while (list.size < size) list.add(rnd() < 0.8 ? `${11 + int(180)}.${int(256)}.${int(256)}.${int(256)}/32` : uniquePrefix());
    teamLists.push([...list]);
  }
  const vnetBlocks = ['10.0.0.0/16', '10.200.0.0/16', '172.16.0.0/12', '192.168.1.0/24'];
  for (let i = 0; i < 16; i++) vnetBlocks.push(`10.0.${i}.0/24`);

  const wellKnown = ['22', '80', '443', '3389', '1433', '5432', '6379', '8080-8090', '5985-5986', '445', '9200', '2379-2380'];
  const portList = (): string[] => {
    const count = 1 + int(6);
    const out = new Set<string>();
    while (out.size < count) {
      const r = rnd();
      if (r < 0.6) out.add(pick(wellKnown));
      else if (r < 0.85) out.add(String(1024 + int(60000)));
      else {
        const from = 1024 + int(60000);
        out.add(`${from}-${from + 1 + int(500)}`);
      }
    }
    return [...out];
  };

  const tagSources = ['*', 'Internet', 'VirtualNetwork', 'AzureLoadBalancer', 'AzureMachineLearning', 'Storage.WestEurope'];
  const securityRules: unknown[] = [];
  let inboundPriority = 100;
  let outboundPriority = 100;
  for (let i = 0; i < RULES; i++) {
    const inbound = rnd() < 0.85;
    const priority = inbound ? inboundPriority++ : outboundPriority++;
    const access = rnd() < 0.7 ? 'Allow' : 'Deny';
    const protocol = pick(['Tcp', 'Tcp', 'Tcp', 'Tcp', 'TCP', 'Udp', 'Udp', '*', '*', '*']);
    const ports = portList();
    let prefixes: string[];
    if (rnd() < 0.05) {
      prefixes = [pick(tagSources)];
    } else {
      const set = new Set<string>();
      for (let t = 0; t < reuse; t++) if (rnd() < 0.3 && set.size < PREFIXES_PER_RULE) for (const p of pick(teamLists)) set.add(p);
      for (let t = 0; t < reuse; t++) if (rnd() < 0.2) for (let v = 1 + int(3); v > 0; v--) set.add(pick(vnetBlocks));
      while (set.size < PREFIXES_PER_RULE) set.add(uniquePrefix());
      prefixes = [...set].slice(0, PREFIXES_PER_RULE);
    }
    const r = rnd();
    const other = r < 0.8 ? '*' : r < 0.9 ? 'VirtualNetwork' : `10.0.${int(16)}.0/24`;
    const properties: Record<string, unknown> = {
      protocol,
      sourcePortRange: rnd() < 0.95 ? '*' : '1024-65535',
      access,
      priority,
      direction: inbound ? 'Inbound' : 'Outbound',
      sourcePortRanges: [],
      destinationPortRanges: ports.length > 1 ? ports : [],
      sourceAddressPrefixes: [],
      destinationAddressPrefixes: [],
    };
    if (ports.length === 1) properties.destinationPortRange = ports[0];
    const [addrSide, otherSide] = inbound ? ['source', 'destination'] : ['destination', 'source'];
    if (prefixes.length === 1) properties[`${addrSide}AddressPrefix`] = prefixes[0];
    else properties[`${addrSide}AddressPrefixes`] = prefixes;
    properties[`${otherSide}AddressPrefix`] = other;
    securityRules.push({ name: `rule-${String(i).padStart(4, '0')}`, id: `${NSG_ID}/securityRules/rule-${i}`, properties });
  }
  return { name: 'nsg-bench', id: NSG_ID, type: 'Microsoft.Network/networkSecurityGroups', location: 'westeurope', properties: { securityRules } };
}

function stats(samples: number[]): { median: number; p95: number } {
  const sorted = samples.slice().sort((a, b) => a - b);
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return { median: at(0.5), p95: at(0.95) };
}

function time(fn: () => void): number {
  const start = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

const fmt = (ms: number): string => `${ms.toFixed(3)} ms`;

export async function benchExposure(): Promise<void> {
  const body = buildBenchNsgBody();
  const raw = JSON.stringify(body);
  const nsg = normalizeNsg(JSON.parse(raw));
  const prefixCount = nsg.rules.reduce((n, r) => n + r.sources.length + r.destinations.length, 0);
  const first = effectiveExposure(nsg);

  // Exposure on the normalized NSG.
  for (let i = 0; i < 50; i++) effectiveExposure(nsg);
  const samples: number[] = [];
  for (let i = 0; i < 300; i++) samples.push(time(() => effectiveExposure(nsg)));
  const hot = stats(samples);

  // Normalize + exposure from the raw JSON text's parsed body.
  const fromRaw: number[] = [];
  for (let i = 0; i < 5; i++) effectiveExposure(normalizeNsg(JSON.parse(raw)));
  for (let i = 0; i < 40; i++) {
    const parsed: unknown = JSON.parse(raw);
    fromRaw.push(time(() => effectiveExposure(normalizeNsg(parsed))));
  }
  const cold = stats(fromRaw);

  // Exposure on NSGs that did not come from normalizeNsg (deserialized copies): the address index is built in the call.
  const copies: NetworkSecurityGroup[] = [];
  for (let i = 0; i < 40; i++) copies.push(JSON.parse(JSON.stringify(nsg)) as NetworkSecurityGroup);
  const uncached = stats(copies.map((copy) => time(() => effectiveExposure(copy))));

  // Informational: far more sharing of lists and subnets between rules than real NSGs show (longer histories).
  const stressNsg = normalizeNsg(buildBenchNsgBody(20240501, 3));
  for (let i = 0; i < 30; i++) effectiveExposure(stressNsg);
  const stress = stats(Array.from({ length: 200 }, () => time(() => effectiveExposure(stressNsg))));

  const pass = hot.median < TARGET_MS;
  console.log(`exposure: NSG with ${nsg.rules.length} rules, ${prefixCount} prefixes; ${first.inbound.length} inbound and ${first.outbound.length} outbound entries`);
  console.log(`  effectiveExposure (normalized NSG): median ${fmt(hot.median)}, p95 ${fmt(hot.p95)} over ${samples.length} runs`);
  console.log(`  normalizeNsg + effectiveExposure (from parsed JSON): median ${fmt(cold.median)}, p95 ${fmt(cold.p95)} over ${fromRaw.length} runs`);
  console.log(`  effectiveExposure (deserialized NSG, index built in the call): median ${fmt(uncached.median)}, p95 ${fmt(uncached.p95)} over ${copies.length} runs`);
  console.log(`  stress (lists and subnets 3x as shared): median ${fmt(stress.median)}, p95 ${fmt(stress.p95)} over 200 runs (informational)`);
  console.log(`  target: median < ${TARGET_MS} ms → ${pass ? 'PASS' : 'FAIL'}`);
  if (!pass) process.exitCode = 1;
}
