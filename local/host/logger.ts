/**
 * Where the host's own messages and the functions' `context.log` calls go. Tests pass `silentLogger` (or a collector);
 * `npm start` uses `consoleLogger`.
 */
export type LogLevel = 'trace' | 'debug' | 'information' | 'warning' | 'error' | 'critical' | 'none';

export interface LogEntry {
  level: LogLevel;
  /** `user`: a function's `context.log`; `system`: the host or the `@azure/functions` library itself. */
  category: 'system' | 'user';
  message: string;
  functionName?: string;
  invocationId?: string;
}

export type HostLogger = (entry: LogEntry) => void;

const LEVEL_ORDER: Record<LogLevel, number> = {
  trace: 0,
  debug: 1,
  information: 2,
  warning: 3,
  error: 4,
  critical: 5,
  none: 6,
};

export const silentLogger: HostLogger = () => undefined;

/** Prints entries at or above `minLevel`, prefixed with the function name when there is one. */
export function consoleLogger(minLevel: LogLevel = 'information'): HostLogger {
  return (entry) => {
    if (LEVEL_ORDER[entry.level] < LEVEL_ORDER[minLevel] || entry.level === 'none') return;
    const where = entry.functionName ? `[${entry.functionName}] ` : '[host] ';
    const line = `${where}${entry.message}`;
    if (LEVEL_ORDER[entry.level] >= LEVEL_ORDER.error) console.error(line);
    else if (entry.level === 'warning') console.warn(line);
    else console.log(line);
  };
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  if (typeof err === 'string') return err;
  try {
    return JSON.stringify(err) ?? String(err);
  } catch {
    return String(err);
  }
}
