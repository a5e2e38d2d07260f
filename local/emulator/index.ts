/**
 * driftwarden's local Azure: an emulator of the ARM (Microsoft.Network NSGs and security rules,
 * Microsoft.Authorization role assignments and definitions) and Key Vault secrets APIs, driven by the real SDK clients
 * over HTTPS, emitting Event Grid events to webhooks. See DESIGN.md "Local mode".
 */
export { startEmulator } from './emulator';
export type { RunningEmulator, EmulatorOptions } from './emulator';
export { runEmulatorCommand, describeEndpoints } from './command';
export type { EmulatorCommandIo } from './command';
export { tokenFor, emulatorCredential, claimsFor, decodeJwt, encodeJwt, flattenClaimsForEvent, ARM_AUDIENCE, VAULT_AUDIENCE, AZURE_CLI_APP_ID } from './identities';
export type { EmulatorIdentity, IdentityKind, JwtClaims, TokenOptions } from './identities';
export { parseSeed, readSeedFile, seedSchema } from './seed';
export type { SeedFile } from './seed';
export type { FaultSpec, FaultStatus, FaultKind } from './faults';
export type { EventSubscriptionSpec, SubscriptionStatus, DeliveryAttemptLog, DeadLetterEntry } from './events/delivery';
export type { EventGridEvent, CloudEvent, DeliverySchema } from './events/schema';
export type { EmulatorCertificate } from './certificate';
export { EmulatorStateFileError } from './persistence';
