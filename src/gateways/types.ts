/**
 * The gateways: the only way driftwarden touches Azure or its own stores. Orchestrations and activities depend on
 * these interfaces; adapters in `azure/` implement them on the Azure SDK, for real Azure or the local emulator;
 * `local/` keeps driftwarden's own state (baselines, audit, nonces) in files; `teams/` posts to Teams.
 */
import type { AuditRecord, AuditRecordInput } from '../audit/types';
import type { NsgBaseline } from '../baseline/document';

/** An ARM body as Azure sent it (wire shape, `properties` nested) with its etag. */
export interface ArmSnapshot {
  body: Record<string, unknown>;
  etag: string;
}

export interface WriteOptions {
  /** Only write if the resource still has this etag (412 otherwise). */
  ifMatch?: string;
  /** `*`: only create, never replace an existing resource (412 otherwise). */
  ifNoneMatch?: '*';
}

export interface NetworkGateway {
  /** The NSG with its inline rules; undefined when it does not exist. */
  getNsg(nsgId: string): Promise<ArmSnapshot | undefined>;
  /** NSGs of a subscription, or of one resource group. */
  listNsgs(scope: { subscriptionId: string; resourceGroup?: string }): Promise<ArmSnapshot[]>;
  getSecurityRule(nsgId: string, ruleName: string): Promise<ArmSnapshot | undefined>;
  /** Creates or replaces a rule (long-running); resolves when Azure reports it done. */
  putSecurityRule(nsgId: string, ruleName: string, properties: Record<string, unknown>, options?: WriteOptions): Promise<void>;
  deleteSecurityRule(nsgId: string, ruleName: string, options?: WriteOptions): Promise<void>;
}

export interface RoleAssignmentRecord {
  /** Full ARM id. */
  id: string;
  /** The assignment's name (a GUID). */
  name: string;
  scope: string;
  roleDefinitionId: string;
  principalId: string;
  principalType?: string;
  condition?: string;
  description?: string;
  createdOn?: string;
  createdBy?: string;
}

export interface RoleDefinitionRecord {
  id: string;
  name: string;
  roleName: string;
  roleType: string;
  actions: string[];
  notActions: string[];
  dataActions: string[];
  notDataActions: string[];
  assignableScopes: string[];
}

export interface AuthorizationGateway {
  /** Assignments at a scope and above/below as ARM lists them; `atScope` restricts to assignments at or above it. */
  listRoleAssignments(scope: string, filter?: { principalId?: string; atScope?: boolean }): Promise<RoleAssignmentRecord[]>;
  getRoleAssignment(id: string): Promise<RoleAssignmentRecord | undefined>;
  createRoleAssignment(
    scope: string,
    name: string,
    properties: { roleDefinitionId: string; principalId: string; principalType?: string; description?: string },
  ): Promise<RoleAssignmentRecord>;
  /** Deletes by id; resolves to the deleted assignment, or undefined when it did not exist. */
  deleteRoleAssignment(id: string): Promise<RoleAssignmentRecord | undefined>;
  getRoleDefinition(id: string): Promise<RoleDefinitionRecord | undefined>;
  listRoleDefinitions(scope: string, filter?: { roleName?: string }): Promise<RoleDefinitionRecord[]>;
}

/** Secret metadata. Secret values never enter driftwarden: the gateway has no method that returns one. */
export interface SecretPropertiesRecord {
  vaultUrl: string;
  name: string;
  version?: string;
  enabled: boolean;
  /** ISO 8601. */
  expiresOn?: string;
  notBefore?: string;
  createdOn?: string;
  updatedOn?: string;
  contentType?: string;
  tags: Record<string, string>;
  /** Certificate-backed secrets must not be changed through the secrets API. */
  managed: boolean;
}

export interface SecretsGateway {
  listSecrets(vaultUrl: string): Promise<SecretPropertiesRecord[]>;
  listSecretVersions(vaultUrl: string, name: string): Promise<SecretPropertiesRecord[]>;
  /** Properties of the latest version (or of `version`); undefined when the secret does not exist. */
  getSecretProperties(vaultUrl: string, name: string, version?: string): Promise<SecretPropertiesRecord | undefined>;
  /** Enables or disables one version (driftwarden disables, it never purges). */
  setSecretEnabled(vaultUrl: string, name: string, version: string, enabled: boolean): Promise<SecretPropertiesRecord>;
  updateSecretTags(vaultUrl: string, name: string, version: string, tags: Record<string, string>): Promise<SecretPropertiesRecord>;
}

/** Versioned baselines with optimistic concurrency: a write names the version it replaces. */
export interface BaselineStore {
  get(resourceId: string): Promise<NsgBaseline | undefined>;
  /**
   * Stores `baseline` as the current one. `expectedVersion` is the version it replaces (`null` = there must be none);
   * throws BaselineConflictError when the stored version differs.
   */
  put(baseline: NsgBaseline, expectedVersion: number | null): Promise<void>;
  /** Every stored version, oldest first. */
  history(resourceId: string): Promise<NsgBaseline[]>;
  /** The current baseline of every resource; unreadable ones are reported to `onUnreadable` and skipped. */
  list(onUnreadable?: (path: string, error: string) => void): Promise<NsgBaseline[]>;
}

export class BaselineConflictError extends Error {
  override readonly name = 'BaselineConflictError';
  constructor(readonly resourceId: string, readonly expected: number | null, readonly actual: number | null) {
    super(
      `the baseline of ${resourceId} is at version ${actual ?? 'none'}, not ${expected ?? 'none'}: it was changed meanwhile; re-read it and decide again`,
    );
  }
}

export interface AuditLog {
  append(record: AuditRecordInput): Promise<AuditRecord>;
  /** Newest last. */
  list(filter?: { resourceId?: string; instanceId?: string; type?: string }): Promise<AuditRecord[]>;
  get(id: string): Promise<AuditRecord | undefined>;
}

/**
 * Single-use markers (approval link nonces) with what they were used for. `claim` is atomic: exactly one caller
 * gets true. The orchestration reads the record back to confirm that a decision really came through the endpoint.
 */
export interface NonceStore {
  claim(nonce: string, record: Record<string, unknown>): Promise<boolean>;
  read(nonce: string): Promise<Record<string, unknown> | undefined>;
}

export type NotifyResult = { delivered: true; status: number; attempts: number } | { delivered: false; status?: number; attempts: number; error: string };

export interface Notifier {
  /** Posts a message; never throws: a failed post is reported in the result (and recorded by the caller). */
  post(message: Record<string, unknown>): Promise<NotifyResult>;
}
