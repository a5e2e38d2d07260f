/** Durations and retry delays exactly as the Durable extension computes them. */

/** Parses a .NET TimeSpan string (`d.hh:mm:ss[.fff]` or `hh:mm:ss[.fff]`) into milliseconds. */
export function parseTimeSpan(text: string): number {
  const match = /^(?:(\d+)\.)?(\d{1,2}):(\d{1,2}):(\d{1,2})(?:\.(\d{1,7}))?$/.exec(text.trim());
  if (!match) throw new Error(`"${text}" is not a TimeSpan (expected d.hh:mm:ss)`);
  const [, days = '0', hours = '0', minutes = '0', seconds = '0', fraction = ''] = match;
  const ms = Number(`0.${fraction || '0'}`) * 1000;
  return ((Number(days) * 24 + Number(hours)) * 60 + Number(minutes)) * 60_000 + Number(seconds) * 1000 + ms;
}

/** `RetryOptions` as `durable-functions` serializes it into a CallActivityWithRetry / CallSubOrchestratorWithRetry action. */
export interface RetryPolicy {
  firstRetryIntervalInMilliseconds: number;
  maxNumberOfAttempts: number;
  backoffCoefficient?: number;
  maxRetryIntervalInMilliseconds?: number;
  retryTimeoutInMilliseconds?: number;
}

function finiteOrUndefined(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

export function toRetryPolicy(raw: unknown): RetryPolicy {
  const source = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  const policy: RetryPolicy = {
    firstRetryIntervalInMilliseconds: finiteOrUndefined(source.firstRetryIntervalInMilliseconds) ?? 1000,
    maxNumberOfAttempts: finiteOrUndefined(source.maxNumberOfAttempts) ?? 1,
  };
  const backoff = finiteOrUndefined(source.backoffCoefficient);
  const maxInterval = finiteOrUndefined(source.maxRetryIntervalInMilliseconds);
  const timeout = finiteOrUndefined(source.retryTimeoutInMilliseconds);
  if (backoff !== undefined) policy.backoffCoefficient = backoff;
  if (maxInterval !== undefined && maxInterval > 0) policy.maxRetryIntervalInMilliseconds = maxInterval;
  if (timeout !== undefined && timeout > 0) policy.retryTimeoutInMilliseconds = timeout;
  return policy;
}

/**
 * DurableTask.Core's RetryInterceptor: after failed attempt number `failedAttempt` (1-based) the next try waits
 * `first * backoff^(failedAttempt-1)`, capped by the max interval.
 */
export function retryDelayMs(policy: RetryPolicy, failedAttempt: number): number {
  const backoff = policy.backoffCoefficient ?? 1;
  const delay = policy.firstRetryIntervalInMilliseconds * Math.pow(backoff, Math.max(0, failedAttempt - 1));
  const cap = policy.maxRetryIntervalInMilliseconds;
  return cap !== undefined && delay > cap ? cap : delay;
}

/** True once the retry timeout, counted from the first attempt, has run out: no further attempt is made. */
export function retryExpired(policy: RetryPolicy, firstAttemptAt: string, now: Date): boolean {
  if (policy.retryTimeoutInMilliseconds === undefined) return false;
  return now.getTime() >= new Date(firstAttemptAt).getTime() + policy.retryTimeoutInMilliseconds;
}
