/**
 * The composition root: configuration → gateways → the services activities and HTTP handlers use. Built once per
 * worker, on first use (cold start pays only for what a function touches). Tests and the local stack can replace
 * the whole set.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { ArmNetworkGateway } from '../gateways/azure/armNetworkGateway';
import { JwksProvider } from '../gateways/oidc/jwksProvider';
import { FileAuditLog } from '../gateways/local/fileAuditLog';
import { FileBaselineStore } from '../gateways/local/fileBaselineStore';
import { FileNonceStore } from '../gateways/local/fileNonceStore';
import { TeamsWorkflowNotifier, UnconfiguredNotifier } from '../gateways/teams/teamsWorkflowNotifier';
import type { RemediationServices } from '../remediation/services';
import { type AppConfig, loadAppConfig } from './config';

export interface AppServices extends RemediationServices {
  config: AppConfig;
  jwks: JwksProvider;
}

let current: AppServices | undefined;

export function buildServices(config: AppConfig): AppServices {
  return {
    config,
    network: new ArmNetworkGateway(config.azure, config.lroPollMs),
    baselines: new FileBaselineStore(join(config.dataDir, 'baselines')),
    audit: new FileAuditLog(config.dataDir),
    nonces: new FileNonceStore(join(config.dataDir, 'nonces')),
    notifier: config.teamsWebhookUrl ? new TeamsWorkflowNotifier(config.teamsWebhookUrl) : new UnconfiguredNotifier(),
    policy: config.policy,
    now: () => new Date(),
    randomNonce: () => randomBytes(16).toString('base64url'),
    approval: { baseUrl: config.publicUrl, signingKeys: config.signingKeys },
    jwks: new JwksProvider(config.approverAuth.oidc?.jwksUris),
  };
}

/** The services for this worker, built from the environment on first use. */
export function services(): AppServices {
  current ??= buildServices(loadAppConfig());
  return current;
}

/** Replaces the services (tests, the local stack); `undefined` rebuilds from the environment on next use. */
export function setServices(replacement: AppServices | undefined): void {
  current = replacement;
}
