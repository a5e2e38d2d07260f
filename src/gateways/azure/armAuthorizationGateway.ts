/**
 * AuthorizationGateway on `@azure/arm-authorization` (role assignments api 2022-04-01). ARM scopes are passed
 * without their leading slash: the SDK's path template adds one, and `//subscriptions/...` would be a different URL.
 */
import type { AuthorizationManagementClient, RoleAssignment, RoleDefinition } from '@azure/arm-authorization';
import { parseResourceId } from '../../arm/resourceId';
import { toGatewayError } from '../errors';
import type { AuthorizationGateway, RoleAssignmentRecord, RoleDefinitionRecord } from '../types';
import { type AzureConnection, credentialFor, sdkClientOptions } from './connection';

export class ArmAuthorizationGateway implements AuthorizationGateway {
  private readonly clients = new Map<string, AuthorizationManagementClient>();

  constructor(private readonly connection: AzureConnection) {}

  private client(scope: string): AuthorizationManagementClient {
    // The subscription id only fills the client's own path templates; scope-based calls ignore it.
    const subscriptionId = parseResourceId(scope).subscriptionId ?? '00000000-0000-0000-0000-000000000000';
    let client = this.clients.get(subscriptionId);
    if (!client) {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { AuthorizationManagementClient: Client } = require('@azure/arm-authorization') as typeof import('@azure/arm-authorization');
      client = new Client(credentialFor(this.connection), subscriptionId, {
        endpoint: this.connection.armEndpoint,
        ...sdkClientOptions(this.connection),
      });
      this.clients.set(subscriptionId, client);
    }
    return client;
  }

  async listRoleAssignments(scope: string, filter: { principalId?: string; atScope?: boolean } = {}): Promise<RoleAssignmentRecord[]> {
    const clauses = [
      ...(filter.atScope ? ['atScope()'] : []),
      ...(filter.principalId ? [`principalId eq '${filter.principalId}'`] : []),
    ];
    const out: RoleAssignmentRecord[] = [];
    try {
      const iterator = this.client(scope).roleAssignments.listForScope(stripSlash(scope), clauses.length ? { filter: clauses.join(' and ') } : {});
      for await (const assignment of iterator) out.push(toAssignment(assignment));
    } catch (err) {
      throw toGatewayError(err, 'listing role assignments at', scope);
    }
    return out;
  }

  async getRoleAssignment(id: string): Promise<RoleAssignmentRecord | undefined> {
    try {
      return toAssignment(await this.client(id).roleAssignments.getById(stripSlash(id)));
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode === 404) return undefined;
      throw toGatewayError(err, 'reading role assignment', id);
    }
  }

  async createRoleAssignment(
    scope: string,
    name: string,
    properties: { roleDefinitionId: string; principalId: string; principalType?: string; description?: string },
  ): Promise<RoleAssignmentRecord> {
    try {
      return toAssignment(await this.client(scope).roleAssignments.create(stripSlash(scope), name, properties as never));
    } catch (err) {
      throw toGatewayError(err, 'creating role assignment', `${scope}/providers/Microsoft.Authorization/roleAssignments/${name}`);
    }
  }

  async deleteRoleAssignment(id: string): Promise<RoleAssignmentRecord | undefined> {
    try {
      const deleted = await this.client(id).roleAssignments.deleteById(stripSlash(id));
      return deleted && deleted.id ? toAssignment(deleted) : undefined;
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode === 404) return undefined;
      throw toGatewayError(err, 'deleting role assignment', id);
    }
  }

  async getRoleDefinition(id: string): Promise<RoleDefinitionRecord | undefined> {
    try {
      return toDefinition(await this.client(id).roleDefinitions.getById(stripSlash(id)));
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode === 404) return undefined;
      throw toGatewayError(err, 'reading role definition', id);
    }
  }

  async listRoleDefinitions(scope: string, filter: { roleName?: string } = {}): Promise<RoleDefinitionRecord[]> {
    const out: RoleDefinitionRecord[] = [];
    try {
      const options = filter.roleName ? { filter: `roleName eq '${filter.roleName.replace(/'/g, "''")}'` } : {};
      for await (const definition of this.client(scope).roleDefinitions.list(stripSlash(scope), options)) out.push(toDefinition(definition));
    } catch (err) {
      throw toGatewayError(err, 'listing role definitions at', scope);
    }
    return out;
  }
}

function stripSlash(scope: string): string {
  return scope.replace(/^\/+/, '');
}

function toAssignment(a: RoleAssignment): RoleAssignmentRecord {
  return {
    id: a.id ?? '',
    name: a.name ?? '',
    scope: a.scope ?? '',
    roleDefinitionId: a.roleDefinitionId ?? '',
    principalId: a.principalId ?? '',
    ...(a.principalType ? { principalType: a.principalType } : {}),
    ...(a.condition ? { condition: a.condition } : {}),
    ...(a.description ? { description: a.description } : {}),
    ...(a.createdOn ? { createdOn: new Date(a.createdOn).toISOString() } : {}),
    ...(a.createdBy ? { createdBy: a.createdBy } : {}),
  };
}

function toDefinition(d: RoleDefinition): RoleDefinitionRecord {
  const perms = d.permissions ?? [];
  return {
    id: d.id ?? '',
    name: d.name ?? '',
    roleName: d.roleName ?? '',
    roleType: d.roleType ?? '',
    actions: perms.flatMap((p) => p.actions ?? []),
    notActions: perms.flatMap((p) => p.notActions ?? []),
    dataActions: perms.flatMap((p) => p.dataActions ?? []),
    notDataActions: perms.flatMap((p) => p.notDataActions ?? []),
    assignableScopes: d.assignableScopes ?? [],
  };
}
