/**
 * Synthetic events built on the corpus shapes (`eventgrid-schema/arm-resource-*.docs.json`): the corpus has no
 * captured NSG or role-assignment event, so these fill that gap with the same envelope and data layout.
 */

export const SUB = '0b1f6471-1bf0-4dda-aec3-cb9272f09590';
export const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
export const RG = `/subscriptions/${SUB}/resourceGroups/RG-ML`;
export const NSG = `${RG}/providers/Microsoft.Network/networkSecurityGroups/NSG-Train`;
export const RULE = `${NSG}/securityRules/Allow-SSH`;
export const ASSIGNMENT_GUID = '9f3c2b1a-4d5e-4f60-8a7b-1c2d3e4f5a6b';
export const ROLE_ASSIGNMENT = `${RG}/providers/Microsoft.Authorization/roleAssignments/${ASSIGNMENT_GUID}`;

export const USER_OID = 'a1b2c3d4-e5f6-4789-9abc-def012345678';
export const SP_OID = '11111111-2222-4333-8444-555555555555';
export const SP_APPID = '66666666-7777-4888-9999-aaaaaaaaaaaa';
export const MI_OID = 'bbbbbbbb-cccc-4ddd-8eee-ffffffffffff';
export const MI_APPID = '12345678-90ab-4cde-8f01-234567890abc';
export const MI_ID = `/subscriptions/${SUB}/resourcegroups/rg-ml/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-train`;

/** A user through the Portal, with ARM's WS-Fed claim names (as in the corpus storage events) and IPv6 `ipaddr`. */
export function userClaims(): Record<string, string> {
  return {
    aud: 'https://management.core.windows.net/',
    iss: `https://sts.windows.net/${TENANT}/`,
    iat: '1733220000',
    nbf: '1733220000',
    exp: '1733224500',
    _claim_names: '{"groups":"src1"}',
    _claim_sources: '{"src1":{"endpoint":"https://graph.windows.net/x/users/y/getMemberObjects"}}',
    'http://schemas.microsoft.com/claims/authnclassreference': '1',
    'http://schemas.microsoft.com/claims/authnmethodsreferences': 'pwd,mfa',
    appid: 'c44b4083-3bb0-49c1-b47d-974e53cbdf3c',
    appidacr: '0',
    ipaddr: '2001:db8:85a3::8a2e:370:7334',
    name: 'Ada Lovelace',
    // Dash-less, upper-case: must come out canonical.
    'http://schemas.microsoft.com/identity/claims/objectidentifier': USER_OID.replace(/-/g, '').toUpperCase(),
    puid: '10032001A2B3C4D5',
    'http://schemas.microsoft.com/identity/claims/scope': 'user_impersonation',
    'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/nameidentifier': 'k2b7Yx0fTq3lWm9nR4sV1uZ8cE6hJ5aD0gF2iL7oP3Q',
    'http://schemas.microsoft.com/identity/claims/tenantid': TENANT,
    'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name': 'ada@contoso.example',
    'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn': 'ada@contoso.example',
    uti: 'Xz3kQ0m1o0a9zq1XqE0AAA',
    ver: '1.0',
  };
}

/** An app-only token for a service principal with a secret (`idtyp: app`, short claim names). */
export function servicePrincipalClaims(): Record<string, string> {
  return {
    aud: 'https://management.azure.com',
    iss: `https://sts.windows.net/${TENANT}/`,
    appid: SP_APPID,
    appidacr: '1',
    idtyp: 'app',
    oid: SP_OID,
    tid: TENANT,
    'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/nameidentifier': SP_OID,
    ver: '1.0',
  };
}

/** A user-assigned managed identity (`xms_mirid`), with a dash-less app id. */
export function managedIdentityClaims(): Record<string, string> {
  return {
    aud: 'https://management.azure.com/',
    appid: MI_APPID.replace(/-/g, ''),
    appidacr: '2',
    idtyp: 'app',
    'http://schemas.microsoft.com/identity/claims/objectidentifier': MI_OID,
    'http://schemas.microsoft.com/identity/claims/tenantid': TENANT,
    xms_mirid: MI_ID,
    ver: '1.0',
  };
}

export interface ArmEventSpec {
  id?: string;
  resourceUri: string;
  operationName: string;
  eventType?: string;
  claims?: Record<string, string>;
  clientIpAddress?: string;
  time?: string;
}

const VERB_TYPES: Record<string, string> = {
  write: 'Microsoft.Resources.ResourceWriteSuccess',
  delete: 'Microsoft.Resources.ResourceDeleteSuccess',
  action: 'Microsoft.Resources.ResourceActionSuccess',
};

function armData(spec: ArmEventSpec): Record<string, unknown> {
  const data: Record<string, unknown> = {
    authorization: {
      scope: spec.resourceUri,
      action: spec.operationName,
      // The granting assignment (a group's, here): must never be taken for the actor.
      evidence: {
        role: 'Contributor',
        roleAssignmentScope: `/subscriptions/${SUB}`,
        roleAssignmentId: 'e1f2a3b4c5d64e7f8091a2b3c4d5e6f7',
        roleDefinitionId: 'b24988ac618042a0ab8820f7382dd24c',
        principalId: 'deadbeefdeadbeefdeadbeefdeadbeef',
        principalType: 'Group',
      },
    },
    claims: spec.claims ?? userClaims(),
    correlationId: 'c0ffee00-1234-4567-89ab-cdef01234567',
    resourceProvider: spec.operationName.slice(0, spec.operationName.indexOf('/')),
    resourceUri: spec.resourceUri,
    operationName: spec.operationName,
    status: 'Succeeded',
    subscriptionId: SUB,
    tenantId: TENANT,
  };
  if (spec.clientIpAddress !== undefined) {
    data.httpRequest = {
      clientRequestId: '0d9c8b7a-6f5e-4d3c-2b1a-0f9e8d7c6b5a',
      clientIpAddress: spec.clientIpAddress,
      method: spec.operationName.endsWith('/delete') ? 'DELETE' : 'PUT',
      url: `https://management.azure.com${spec.resourceUri}?api-version=2024-05-01`,
    };
  }
  return data;
}

function eventTypeOf(spec: ArmEventSpec): string {
  return spec.eventType ?? VERB_TYPES[spec.operationName.slice(spec.operationName.lastIndexOf('/') + 1)]!;
}

/** An ARM event in the Event Grid schema (one element; wrap it in an array for a delivery). */
export function armEventGrid(spec: ArmEventSpec): Record<string, unknown> {
  return {
    subject: spec.resourceUri,
    eventType: eventTypeOf(spec),
    eventTime: spec.time ?? '2026-12-03T10:15:04.6117357Z',
    id: spec.id ?? '4db48cba-50a2-455a-93b4-de41a3b5b7f6',
    data: armData(spec),
    dataVersion: '2',
    metadataVersion: '1',
    topic: `/subscriptions/${SUB}`,
  };
}

/** The same ARM event as a CloudEvent 1.0. */
export function armCloudEvent(spec: ArmEventSpec): Record<string, unknown> {
  return {
    source: `/subscriptions/${SUB}`,
    subject: spec.resourceUri,
    type: eventTypeOf(spec),
    time: spec.time ?? '2026-12-03T10:15:04.6117357Z',
    id: spec.id ?? '4db48cba-50a2-455a-93b4-de41a3b5b7f6',
    data: armData(spec),
    specversion: '1.0',
  };
}

export const ruleWrite = (extra: Partial<ArmEventSpec> = {}): ArmEventSpec => ({
  resourceUri: RULE,
  operationName: 'Microsoft.Network/networkSecurityGroups/securityRules/write',
  ...extra,
});
export const ruleDelete = (extra: Partial<ArmEventSpec> = {}): ArmEventSpec => ({
  resourceUri: RULE,
  operationName: 'Microsoft.Network/networkSecurityGroups/securityRules/delete',
  ...extra,
});
export const nsgWrite = (extra: Partial<ArmEventSpec> = {}): ArmEventSpec => ({
  resourceUri: NSG,
  operationName: 'Microsoft.Network/networkSecurityGroups/write',
  ...extra,
});
export const assignmentWrite = (extra: Partial<ArmEventSpec> = {}): ArmEventSpec => ({
  resourceUri: ROLE_ASSIGNMENT,
  operationName: 'Microsoft.Authorization/roleAssignments/write',
  ...extra,
});
export const assignmentDelete = (extra: Partial<ArmEventSpec> = {}): ArmEventSpec => ({
  resourceUri: ROLE_ASSIGNMENT,
  operationName: 'Microsoft.Authorization/roleAssignments/delete',
  ...extra,
});

export const lower = (id: string): string => id.toLowerCase();
