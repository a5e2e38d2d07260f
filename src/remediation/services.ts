/** What the remediation activities need from the outside world; built from configuration by `src/app`. */
import type { AuditLog, BaselineStore, NetworkGateway, NonceStore, Notifier } from '../gateways/types';
import type { Policy } from '../policy/types';

export interface RemediationServices {
  network: NetworkGateway;
  baselines: BaselineStore;
  audit: AuditLog;
  notifier: Notifier;
  nonces: NonceStore;
  policy: Policy;
  /** The activities' clock (orchestrators use the replay-safe one). */
  now(): Date;
  /** Random single-use value for approval links. */
  randomNonce(): string;
  approval: {
    /** Public base URL of the function app (links in cards point here). */
    baseUrl: string;
    /** The first key signs; all verify (rotation). */
    signingKeys: Buffer[];
  };
}
