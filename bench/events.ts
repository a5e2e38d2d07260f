/**
 * Intake speed: normalizing a 5,000-event delivery (Event Grid's largest batch) of ARM events with full claims must
 * reach 100,000 events/s on one core. Reported next to a bare JSON.parse of the same body, the floor any parser
 * pays.
 */

import { normalizeDelivery } from '../src/events';

const EVENTS = 5_000;
const WARMUP_RUNS = 5;
const RUNS = 31;
const TARGET_EVENTS_PER_SECOND = 100_000;

/** Deterministic pseudo-random numbers, so every run benchmarks the same body. */
function lcg(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 0x1_0000_0000;
  };
}

function guid(next: () => number): string {
  let hex = '';
  for (let i = 0; i < 32; i += 1) hex += Math.floor(next() * 16).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

type Caller = 'user' | 'servicePrincipal' | 'managedIdentity';

function claimsFor(caller: Caller, next: () => number, tenant: string, subscription: string): Record<string, string> {
  const common: Record<string, string> = {
    aud: 'https://management.core.windows.net/',
    iss: `https://sts.windows.net/${tenant}/`,
    iat: '1733220000',
    nbf: '1733220000',
    exp: '1733224500',
    aio: 'E2NgYNj8ZmXy9Xq1d5f+0aP3pBmSAA==',
    appidacr: caller === 'user' ? '0' : '2',
    'http://schemas.microsoft.com/identity/claims/identityprovider': `https://sts.windows.net/${tenant}/`,
    'http://schemas.microsoft.com/identity/claims/objectidentifier': guid(next),
    'http://schemas.microsoft.com/identity/claims/tenantid': tenant,
    rh: '0.AXEAv4j5cvGGr0GRqy180BHbR0ZIf3kAutdPukPawfj2MBNxAAA.',
    uti: 'Xz3kQ0m1o0a9zq1XqE0AAA',
    ver: '1.0',
    xms_tcdt: '1289241547',
  };
  if (caller === 'user') {
    return {
      ...common,
      acr: '1',
      'http://schemas.microsoft.com/claims/authnmethodsreferences': 'pwd,mfa',
      appid: 'c44b4083-3bb0-49c1-b47d-974e53cbdf3c',
      'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname': 'Lovelace',
      'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname': 'Ada',
      groups: Array.from({ length: 6 }, () => guid(next)).join(','),
      idtyp: 'user',
      ipaddr: next() < 0.5 ? '203.0.113.24' : '2001:db8:85a3::8a2e:370:7334',
      name: 'Ada Lovelace',
      puid: '10032001A2B3C4D5',
      'http://schemas.microsoft.com/identity/claims/scope': 'user_impersonation',
      'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/nameidentifier': 'k2b7Yx0fTq3lWm9nR4sV1uZ8cE6hJ5aD0gF2iL7oP3Q',
      'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name': 'ada@contoso.example',
      'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn': 'ada@contoso.example',
      wids: 'b79fbf4d-3ef9-4689-8143-76b194e85509',
      xms_cae: '1',
    };
  }
  const appId = guid(next);
  const app = { ...common, appid: appId, idtyp: 'app', 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/nameidentifier': common['http://schemas.microsoft.com/identity/claims/objectidentifier']! };
  if (caller === 'managedIdentity') {
    return { ...app, xms_mirid: `/subscriptions/${subscription}/resourcegroups/rg-ml/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-train`, xms_az_rid: `/subscriptions/${subscription}/resourcegroups/rg-ml/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-train` };
  }
  return app;
}

function armEvent(i: number, next: () => number, tenant: string, subscription: string): unknown {
  const roll = next();
  const rg = `/subscriptions/${subscription}/resourcegroups/rg-ml-${i % 7}`;
  const nsg = `${rg}/providers/Microsoft.Network/networkSecurityGroups/nsg-train-${i % 13}`;
  let resourceUri: string;
  let operationName: string;
  let eventType: string;
  if (roll < 0.45) {
    const del = next() < 0.3;
    resourceUri = `${nsg}/securityRules/allow-${1000 + (i % 50)}`;
    operationName = `Microsoft.Network/networkSecurityGroups/securityRules/${del ? 'delete' : 'write'}`;
    eventType = del ? 'Microsoft.Resources.ResourceDeleteSuccess' : 'Microsoft.Resources.ResourceWriteSuccess';
  } else if (roll < 0.65) {
    resourceUri = nsg;
    operationName = 'Microsoft.Network/networkSecurityGroups/write';
    eventType = 'Microsoft.Resources.ResourceWriteSuccess';
  } else {
    const del = next() < 0.4;
    resourceUri = `${next() < 0.5 ? `/subscriptions/${subscription}` : rg}/providers/Microsoft.Authorization/roleAssignments/${guid(next)}`;
    operationName = `Microsoft.Authorization/roleAssignments/${del ? 'delete' : 'write'}`;
    eventType = del ? 'Microsoft.Resources.ResourceDeleteSuccess' : 'Microsoft.Resources.ResourceWriteSuccess';
  }
  const callerRoll = next();
  const caller: Caller = callerRoll < 0.5 ? 'user' : callerRoll < 0.8 ? 'servicePrincipal' : 'managedIdentity';
  const correlationId = guid(next);
  return {
    subject: resourceUri,
    eventType,
    eventTime: `2026-12-03T10:${String(i % 60).padStart(2, '0')}:04.6117357Z`,
    id: guid(next),
    data: {
      authorization: {
        scope: resourceUri,
        action: operationName,
        evidence: {
          role: 'Contributor',
          roleAssignmentScope: `/subscriptions/${subscription}`,
          roleAssignmentId: guid(next).replace(/-/g, ''),
          roleDefinitionId: 'b24988ac618042a0ab8820f7382dd24c',
          principalId: guid(next).replace(/-/g, ''),
          principalType: caller === 'user' ? 'User' : 'ServicePrincipal',
        },
      },
      claims: claimsFor(caller, next, tenant, subscription),
      correlationId,
      httpRequest: {
        clientRequestId: guid(next),
        clientIpAddress: '203.0.113.24',
        method: eventType.includes('Delete') ? 'DELETE' : 'PUT',
        url: `https://management.azure.com${resourceUri}?api-version=2024-05-01`,
      },
      resourceProvider: operationName.slice(0, operationName.indexOf('/')),
      resourceUri,
      operationName,
      status: 'Succeeded',
      subscriptionId: subscription,
      tenantId: tenant,
    },
    dataVersion: '2',
    metadataVersion: '1',
    topic: `/subscriptions/${subscription}`,
  };
}

/** A 5,000-event Event Grid delivery body, as the JSON text the webhook receives. */
export function buildDeliveryBody(count = EVENTS): string {
  const next = lcg(20261203);
  const tenant = guid(next);
  const subscription = guid(next);
  const events: unknown[] = [];
  for (let i = 0; i < count; i += 1) events.push(armEvent(i, next, tenant, subscription));
  return JSON.stringify(events);
}

function medianMs(runs: number, work: () => unknown): number {
  const times: number[] = [];
  for (let i = 0; i < runs; i += 1) {
    const start = process.hrtime.bigint();
    work();
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

const fmt = (n: number): string => n.toLocaleString('en-US');
const rate = (ms: number): number => Math.round(EVENTS / (ms / 1000));
const msText = (ms: number): string => `${ms.toFixed(2).padStart(7)} ms`;

export async function benchEvents(): Promise<void> {
  const body = buildDeliveryBody();
  const check = normalizeDelivery(body);
  if (check.changes.length !== EVENTS || check.errors.length !== 0) {
    throw new Error(`bench body did not normalize cleanly: ${check.changes.length} changes, ${check.errors.length} errors`);
  }
  for (let i = 0; i < WARMUP_RUNS; i += 1) {
    JSON.parse(body);
    normalizeDelivery(body);
  }
  const parseMs = medianMs(RUNS, () => JSON.parse(body));
  const normalizeMs = medianMs(RUNS, () => normalizeDelivery(body));
  const pass = rate(normalizeMs) >= TARGET_EVENTS_PER_SECOND;

  console.log(`events: ${fmt(EVENTS)} ARM events with full claims in one delivery, ${(body.length / 1e6).toFixed(1)} MB, median of ${RUNS} runs`);
  console.log(`  node flags: ${process.execArgv.join(' ') || '(none)'} (the young generation must hold a parsed 15 MB body; see the README)`);
  console.log(`  JSON.parse alone             ${msText(parseMs)}  ${fmt(rate(parseMs))} events/s`);
  console.log(`  normalizeDelivery (w/ parse) ${msText(normalizeMs)}  ${fmt(rate(normalizeMs))} events/s  (${(normalizeMs / parseMs).toFixed(2)}x JSON.parse)`);
  console.log(`  ${pass ? 'PASS' : 'FAIL'}: target >= ${fmt(TARGET_EVENTS_PER_SECOND)} events/s on one core`);
  if (!pass) process.exitCode = 1;
}
