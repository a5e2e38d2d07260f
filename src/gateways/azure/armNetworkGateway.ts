/**
 * NetworkGateway on `@azure/arm-network`. The client is created on first use (the package alone costs ~200 ms to
 * load), bodies are returned in ARM's wire shape (what baselines and plans store), and writes carry If-Match.
 */
import type { NetworkManagementClient } from '@azure/arm-network';
import { parseResourceId } from '../../arm/resourceId';
import { toGatewayError } from '../errors';
import type { ArmSnapshot, NetworkGateway, WriteOptions } from '../types';
import { type AzureConnection, credentialFor, sdkClientOptions } from './connection';

interface RawCapture {
  body?: Record<string, unknown>;
}

export class ArmNetworkGateway implements NetworkGateway {
  private readonly clients = new Map<string, NetworkManagementClient>();

  constructor(
    private readonly connection: AzureConnection,
    /** Long-running operation poll interval; Azure's own Retry-After wins when it is longer. */
    private readonly pollIntervalMs = 1000,
  ) {}

  private client(subscriptionId: string): NetworkManagementClient {
    let client = this.clients.get(subscriptionId);
    if (!client) {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { NetworkManagementClient: Client } = require('@azure/arm-network') as typeof import('@azure/arm-network');
      client = new Client(credentialFor(this.connection), subscriptionId, {
        endpoint: this.connection.armEndpoint,
        ...sdkClientOptions(this.connection),
      });
      this.clients.set(subscriptionId, client);
    }
    return client;
  }

  async getNsg(nsgId: string): Promise<ArmSnapshot | undefined> {
    const { sub, rg, nsg } = nsgParts(nsgId);
    const capture: RawCapture = {};
    try {
      await this.client(sub).networkSecurityGroups.get(rg, nsg, { onResponse: captureBody(capture) });
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode === 404) return undefined;
      throw toGatewayError(err, 'reading NSG', nsgId);
    }
    return snapshot(capture, nsgId);
  }

  async listNsgs(scope: { subscriptionId: string; resourceGroup?: string }): Promise<ArmSnapshot[]> {
    const label = scope.resourceGroup ? `/subscriptions/${scope.subscriptionId}/resourceGroups/${scope.resourceGroup}` : `/subscriptions/${scope.subscriptionId}`;
    const pages: Record<string, unknown>[] = [];
    const onResponse = (raw: { bodyAsText?: string | null; status: number }) => {
      const value = (wireBody(raw) as { value?: unknown } | undefined)?.value;
      if (raw.status === 200 && Array.isArray(value)) pages.push(...(value as Record<string, unknown>[]));
    };
    try {
      const client = this.client(scope.subscriptionId).networkSecurityGroups;
      const iterator = scope.resourceGroup ? client.list(scope.resourceGroup, { onResponse }) : client.listAll({ onResponse });
      for await (const _page of iterator.byPage()) {
        // Pages are captured raw by onResponse (wire shape); the SDK's flattened models are not used.
      }
    } catch (err) {
      throw toGatewayError(err, 'listing NSGs in', label);
    }
    return pages.map((body) => ({ body, etag: String(body.etag ?? '') }));
  }

  async getSecurityRule(nsgId: string, ruleName: string): Promise<ArmSnapshot | undefined> {
    const { sub, rg, nsg } = nsgParts(nsgId);
    const capture: RawCapture = {};
    try {
      await this.client(sub).securityRules.get(rg, nsg, ruleName, { onResponse: captureBody(capture) });
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode === 404) return undefined;
      throw toGatewayError(err, 'reading security rule', `${nsgId}/securityRules/${ruleName}`);
    }
    return snapshot(capture, `${nsgId}/securityRules/${ruleName}`);
  }

  async putSecurityRule(nsgId: string, ruleName: string, properties: Record<string, unknown>, options: WriteOptions = {}): Promise<void> {
    const { sub, rg, nsg } = nsgParts(nsgId);
    const target = `${nsgId}/securityRules/${ruleName}`;
    try {
      // The SDK model is the flattened rule: ARM's `properties` fields at the top level.
      await this.client(sub).securityRules.beginCreateOrUpdateAndWait(rg, nsg, ruleName, { ...properties } as never, {
        updateIntervalInMs: this.pollIntervalMs,
        requestOptions: { customHeaders: conditionalHeaders(options) },
      });
    } catch (err) {
      throw toGatewayError(err, 'writing security rule', target);
    }
  }

  async deleteSecurityRule(nsgId: string, ruleName: string, options: WriteOptions = {}): Promise<void> {
    const { sub, rg, nsg } = nsgParts(nsgId);
    const target = `${nsgId}/securityRules/${ruleName}`;
    try {
      await this.client(sub).securityRules.beginDeleteAndWait(rg, nsg, ruleName, {
        updateIntervalInMs: this.pollIntervalMs,
        requestOptions: { customHeaders: conditionalHeaders(options) },
      });
    } catch (err) {
      throw toGatewayError(err, 'deleting security rule', target);
    }
  }
}

function nsgParts(nsgId: string): { sub: string; rg: string; nsg: string } {
  const parts = parseResourceId(nsgId);
  const nsg = parts.resources.find((r) => r.type.toLowerCase() === 'networksecuritygroups')?.name;
  if (!parts.subscriptionId || !parts.resourceGroup || !nsg) {
    throw new Error(`"${nsgId}" is not an NSG id (/subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.Network/networkSecurityGroups/<name>)`);
  }
  return { sub: parts.subscriptionId, rg: parts.resourceGroup, nsg };
}

/** ARM's JSON as sent: `parsedBody` would be the SDK's flattened model, not the wire shape baselines keep. */
function wireBody(raw: { bodyAsText?: string | null }): unknown {
  if (!raw.bodyAsText) return undefined;
  try {
    return JSON.parse(raw.bodyAsText) as unknown;
  } catch {
    return undefined;
  }
}

function captureBody(capture: RawCapture) {
  return (raw: { bodyAsText?: string | null }) => {
    const body = wireBody(raw);
    if (body && typeof body === 'object') capture.body = body as Record<string, unknown>;
  };
}

function snapshot(capture: RawCapture, what: string): ArmSnapshot {
  if (!capture.body) throw new Error(`Azure returned no body for ${what}`);
  return { body: capture.body, etag: String(capture.body.etag ?? '') };
}

function conditionalHeaders(options: WriteOptions): Record<string, string> {
  return {
    ...(options.ifMatch ? { 'If-Match': options.ifMatch } : {}),
    ...(options.ifNoneMatch ? { 'If-None-Match': options.ifNoneMatch } : {}),
  };
}
