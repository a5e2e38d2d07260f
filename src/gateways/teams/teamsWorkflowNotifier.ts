/**
 * Posts messages to a Teams Workflows webhook ("When a Teams webhook request is received"). The URL carries its
 * credential in the `sig` query parameter, so it never appears in errors or logs: only its host does. Transient
 * failures (network, 408, 429, 5xx) are retried with backoff, honouring Retry-After; the result says what happened
 * and the caller records it. A Teams outage never throws into a remediation.
 */
import type { Notifier, NotifyResult } from '../types';

export interface TeamsNotifierOptions {
  attempts?: number;
  /** First backoff; doubles per attempt. */
  backoffMs?: number;
  timeoutMs?: number;
  /** Injected for tests; defaults to global fetch. */
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
}

export class TeamsWorkflowNotifier implements Notifier {
  private readonly host: string;

  constructor(
    private readonly url: string,
    private readonly options: TeamsNotifierOptions = {},
  ) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new Error('DRIFTWARDEN_TEAMS_WEBHOOK_URL is not a URL (value not shown: it is a credential)');
    }
    const local = parsed.hostname === '127.0.0.1' || parsed.hostname === 'localhost';
    if (parsed.protocol !== 'https:' && !(local && parsed.protocol === 'http:')) {
      throw new Error(`DRIFTWARDEN_TEAMS_WEBHOOK_URL must be https (got ${parsed.protocol}//${parsed.host})`);
    }
    this.host = parsed.host;
  }

  async post(message: Record<string, unknown>): Promise<NotifyResult> {
    const attempts = this.options.attempts ?? 4;
    const doFetch = this.options.fetch ?? fetch;
    const sleep = this.options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
    let last: { status?: number; error: string } = { error: 'not attempted' };
    for (let attempt = 1; attempt <= attempts; attempt += 1) {
      let retryAfterMs: number | undefined;
      try {
        const response = await doFetch(this.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(message),
          signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000),
        });
        // Workflows answers 202 with an empty body; any 2xx means Teams took the message.
        if (response.ok) return { delivered: true, status: response.status, attempts: attempt };
        last = { status: response.status, error: `Teams webhook at ${this.host} answered ${response.status}` };
        const retryable = response.status === 408 || response.status === 429 || response.status >= 500;
        if (!retryable) return { delivered: false, status: response.status, attempts: attempt, error: last.error };
        const header = Number(response.headers.get('retry-after'));
        if (Number.isFinite(header) && header > 0) retryAfterMs = Math.min(header * 1000, 60_000);
      } catch (err) {
        last = { error: `Teams webhook at ${this.host} unreachable: ${(err as Error).name === 'TimeoutError' ? 'timed out' : ((err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message)}` };
      }
      if (attempt < attempts) await sleep(retryAfterMs ?? (this.options.backoffMs ?? 500) * 2 ** (attempt - 1));
    }
    return { delivered: false, ...(last.status !== undefined ? { status: last.status } : {}), attempts, error: last.error };
  }
}

/** A notifier for when no webhook is configured: records that nothing was sent, loudly. */
export class UnconfiguredNotifier implements Notifier {
  async post(): Promise<NotifyResult> {
    return { delivered: false, attempts: 0, error: 'no Teams webhook configured (set DRIFTWARDEN_TEAMS_WEBHOOK_URL)' };
  }
}
