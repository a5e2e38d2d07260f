/**
 * Errors from Azure, translated: which operation on which resource failed, with ARM's status and code, and what
 * the user can do. Built from the SDK's RestError without its request/response (which carry headers and bodies).
 */
export type GatewayFailure = 'notFound' | 'conflict' | 'preconditionFailed' | 'throttled' | 'unavailable' | 'forbidden' | 'unauthorized' | 'invalid' | 'other';

export class GatewayError extends Error {
  override readonly name = 'GatewayError';
  readonly operation: string;
  readonly resource: string;
  readonly status?: number;
  readonly code?: string;
  readonly failure: GatewayFailure;

  constructor(operation: string, resource: string, detail: { status?: number; code?: string; message: string }) {
    const status = detail.status;
    const failure = classify(status, detail.code);
    super(`${operation} ${resource} failed${status ? ` with ${status}` : ''}${detail.code ? ` ${detail.code}` : ''}: ${detail.message}${hint(failure)}`);
    this.operation = operation;
    this.resource = resource;
    if (status !== undefined) this.status = status;
    if (detail.code !== undefined) this.code = detail.code;
    this.failure = failure;
  }

  /** Worth trying again later (after the SDK's own retries gave up). */
  get transient(): boolean {
    return this.failure === 'throttled' || this.failure === 'unavailable' || this.failure === 'other';
  }
}

function classify(status: number | undefined, code: string | undefined): GatewayFailure {
  if (status === 404) return 'notFound';
  if (status === 409) return 'conflict';
  if (status === 412 || code === 'PreconditionFailed') return 'preconditionFailed';
  if (status === 429) return 'throttled';
  if (status === 401) return 'unauthorized';
  if (status === 403) return 'forbidden';
  if (status === 400) return 'invalid';
  if (status !== undefined && status >= 500) return 'unavailable';
  return 'other';
}

function hint(failure: GatewayFailure): string {
  switch (failure) {
    case 'unauthorized':
      return ' (check the credential driftwarden runs with: managed identity, DefaultAzureCredential, or the emulator token)';
    case 'forbidden':
      return " (driftwarden's identity lacks a role for this; see the README, \"Permissions\")";
    case 'preconditionFailed':
      return ' (the resource changed since it was read; re-read and re-plan)';
    default:
      return '';
  }
}

/** Wraps anything the SDK threw into a GatewayError; passes GatewayErrors through. */
export function toGatewayError(err: unknown, operation: string, resource: string): GatewayError {
  if (err instanceof GatewayError) return err;
  const e = err as { statusCode?: number; code?: string; message?: string; details?: { error?: { code?: string; message?: string } } };
  const inner = e?.details?.error;
  return new GatewayError(operation, resource, {
    ...(typeof e?.statusCode === 'number' ? { status: e.statusCode } : {}),
    ...(inner?.code ?? e?.code ? { code: (inner?.code ?? e.code) as string } : {}),
    message: firstLine(inner?.message ?? e?.message ?? String(err)),
  });
}

function firstLine(text: string): string {
  const line = text.split('\n')[0] ?? text;
  return line.length > 300 ? `${line.slice(0, 297)}...` : line;
}
