/**
 * The emulator's in-memory world: what the seed declared and what clients changed since. Keys are normalized (lower
 * case) because ARM ids, resource names and Key Vault secret names are case-insensitive; records keep the casing
 * they were created with, which is what Azure echoes back.
 */
import type { EmulatorIdentity } from './identities';

export interface SubscriptionRecord {
  subscriptionId: string;
  displayName: string;
}

export interface ResourceGroupRecord {
  subscriptionId: string;
  name: string;
  location: string;
  tags?: Record<string, string>;
}

export interface SubnetRecord {
  name: string;
  addressPrefix?: string;
  addressPrefixes?: string[];
  /** ARM id of the NSG associated with the subnet. */
  networkSecurityGroupId?: string;
}

export interface VirtualNetworkRecord {
  subscriptionId: string;
  resourceGroup: string;
  name: string;
  location: string;
  addressPrefixes: string[];
  subnets: SubnetRecord[];
  tags?: Record<string, string>;
}

export interface AsgReference {
  id: string;
}

/** A security rule's `properties` as accepted from a client (validated), before ARM adds the computed fields. */
export interface RuleProperties {
  description?: string;
  protocol: string;
  sourcePortRange?: string;
  sourcePortRanges?: string[];
  destinationPortRange?: string;
  destinationPortRanges?: string[];
  sourceAddressPrefix?: string;
  sourceAddressPrefixes?: string[];
  destinationAddressPrefix?: string;
  destinationAddressPrefixes?: string[];
  sourceApplicationSecurityGroups?: AsgReference[];
  destinationApplicationSecurityGroups?: AsgReference[];
  access: 'Allow' | 'Deny';
  priority: number;
  direction: 'Inbound' | 'Outbound';
}

export interface SecurityRuleRecord {
  name: string;
  properties: RuleProperties;
  /** Id of the operation that last wrote the rule while it is still running (`provisioningState: Updating`). */
  pendingOperationId?: string;
}

export interface NsgRecord {
  subscriptionId: string;
  resourceGroup: string;
  name: string;
  location: string;
  tags?: Record<string, string>;
  resourceGuid: string;
  /** One etag for the NSG and all its children: any rule change changes it (see corpus nsg-list-* files). */
  etag: string;
  rules: Map<string, SecurityRuleRecord>;
  /** Operations still running against this NSG; while any is, the NSG reports `provisioningState: Updating`. */
  pendingOperations: number;
}

export interface RoleAssignmentRecord {
  /** The assignment's GUID name. */
  name: string;
  /** Scope as the client wrote it, with a leading slash (`/subscriptions/...`; `/` for the root). */
  scope: string;
  /** Role definition id as the client sent it (subscription-qualified or tenant-level). */
  roleDefinitionId: string;
  principalId: string;
  principalType: string;
  description?: string;
  condition?: string;
  conditionVersion?: string;
  delegatedManagedIdentityResourceId?: string;
  createdOn: string;
  updatedOn: string;
  createdBy: string | null;
  updatedBy: string | null;
}

export interface RolePermission {
  actions: string[];
  notActions: string[];
  dataActions: string[];
  notDataActions: string[];
}

export interface RoleDefinitionRecord {
  /** The role definition GUID (lower case). */
  name: string;
  roleName: string;
  type: 'BuiltInRole' | 'CustomRole';
  description: string;
  assignableScopes: string[];
  permissions: RolePermission[];
  createdOn: string;
  updatedOn: string;
  createdBy: string | null;
  updatedBy: string | null;
}

/** One version of a Key Vault secret. Times are epoch seconds, Key Vault's unit. */
export interface SecretVersionRecord {
  version: string;
  value: string;
  contentType?: string;
  tags?: Record<string, string>;
  enabled: boolean;
  nbf?: number;
  exp?: number;
  created: number;
  updated: number;
  /** Certificate-backed secret (`managed: true`); never rotated through the secrets API. */
  managed?: boolean;
}

export interface SecretRecord {
  name: string;
  /** In creation order; the last one is "latest". */
  versions: SecretVersionRecord[];
}

export interface DeletedSecretRecord {
  secret: SecretRecord;
  deletedDate: number;
  scheduledPurgeDate: number;
}

export interface VaultRecord {
  subscriptionId: string;
  resourceGroup: string;
  name: string;
  location: string;
  /** Soft-delete retention in days (7..90); 0 means soft delete is off and deletes purge immediately. */
  softDeleteRetentionDays: number;
  secrets: Map<string, SecretRecord>;
  deleted: Map<string, DeletedSecretRecord>;
  /** Expiry notifications already emitted, as `<eventType>|<secret name lc>|<version>`; each fires once. */
  notified: Set<string>;
}

export function key(...parts: string[]): string {
  return parts.map((p) => p.toLowerCase()).join('/');
}

export function nsgId(subscriptionId: string, resourceGroup: string, name: string): string {
  return `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/providers/Microsoft.Network/networkSecurityGroups/${name}`;
}

export function vnetId(subscriptionId: string, resourceGroup: string, name: string): string {
  return `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/providers/Microsoft.Network/virtualNetworks/${name}`;
}

export function vaultResourceId(vault: VaultRecord): string {
  return `/subscriptions/${vault.subscriptionId}/resourceGroups/${vault.resourceGroup}/providers/Microsoft.KeyVault/vaults/${vault.name}`;
}

export class EmulatorState {
  tenantId: string;
  readonly subscriptions = new Map<string, SubscriptionRecord>();
  /** Key: `<subscriptionId>/<resource group>` (lower case). */
  readonly resourceGroups = new Map<string, ResourceGroupRecord>();
  /** Key: normalized ARM id. */
  readonly vnets = new Map<string, VirtualNetworkRecord>();
  /** Key: normalized ARM id. */
  readonly nsgs = new Map<string, NsgRecord>();
  /** Key: `<normalized scope>|<assignment guid>` (see arm/authorization.ts assignmentKey). */
  readonly roleAssignments = new Map<string, RoleAssignmentRecord>();
  /** Key: role definition GUID (lower case). */
  readonly roleDefinitions = new Map<string, RoleDefinitionRecord>();
  /** Key: identity handle (lower case). */
  readonly identities = new Map<string, EmulatorIdentity>();
  /** Key: vault name (lower case). */
  readonly vaults = new Map<string, VaultRecord>();

  constructor(tenantId: string) {
    this.tenantId = tenantId;
  }

  subscription(subscriptionId: string): SubscriptionRecord | undefined {
    return this.subscriptions.get(subscriptionId.toLowerCase());
  }

  resourceGroup(subscriptionId: string, name: string): ResourceGroupRecord | undefined {
    return this.resourceGroups.get(key(subscriptionId, name));
  }

  nsg(subscriptionId: string, resourceGroup: string, name: string): NsgRecord | undefined {
    return this.nsgs.get(nsgId(subscriptionId, resourceGroup, name).toLowerCase());
  }

  identityByObjectId(objectId: string): EmulatorIdentity | undefined {
    const wanted = objectId.toLowerCase();
    for (const identity of this.identities.values()) if (identity.objectId.toLowerCase() === wanted) return identity;
    return undefined;
  }

  /** Subnets (with their vnet) whose NSG association points at the given NSG id. */
  subnetsOf(nsgResourceId: string): string[] {
    const wanted = nsgResourceId.toLowerCase();
    const ids: string[] = [];
    for (const vnet of this.vnets.values()) {
      for (const subnet of vnet.subnets) {
        if (subnet.networkSecurityGroupId?.toLowerCase() === wanted) {
          ids.push(`${vnetId(vnet.subscriptionId, vnet.resourceGroup, vnet.name)}/subnets/${subnet.name}`);
        }
      }
    }
    return ids;
  }
}
