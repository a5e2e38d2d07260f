export { ArmNetworkGateway } from './armNetworkGateway';
export { ArmAuthorizationGateway } from './armAuthorizationGateway';
export { KeyVaultSecretsGateway } from './keyVaultSecretsGateway';
export { type AzureConnection, connectionFromEnv, credentialFor, emulatorTokenCredential, DEFAULT_RETRY, type RetrySettings } from './connection';
