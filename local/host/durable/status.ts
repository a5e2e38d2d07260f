/**
 * The status payload of the Durable HTTP API (the extension's StatusResponsePayload), which `DurableClient.getStatus`
 * turns into a `DurableOrchestrationStatus`. `input` and `output` are always present (null when empty): the client
 * rejects a payload without them.
 */
import { EventType, eventTypeName, type HistoryEvent } from './history';
import type { InstanceRecord, RuntimeStatus } from './types';

export interface StatusOptions {
  showHistory?: boolean;
  showHistoryOutput?: boolean;
  /** Defaults to true, as in the extension. */
  showInput?: boolean;
}

export interface InstanceStatus {
  name: string;
  instanceId: string;
  runtimeStatus: RuntimeStatus;
  input: unknown;
  customStatus: unknown;
  output: unknown;
  createdTime: string;
  lastUpdatedTime: string;
  /** The extension's field name; `history` carries the same array because the JS client reads that name. */
  historyEvents?: Array<Record<string, unknown>>;
  history?: Array<Record<string, unknown>>;
}

/** The extension prints times with `ToString("s") + "Z"`: whole seconds. */
function seconds(iso: string): string {
  return new Date(iso).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function parseJson(text: string | undefined): unknown {
  if (text === undefined) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** The user-facing history, shaped like the extension's: scheduling events are folded into their completions. */
export function projectHistory(history: readonly HistoryEvent[], options: StatusOptions): Array<Record<string, unknown>> {
  const scheduledBy = new Map<number, HistoryEvent>();
  const result: Array<Record<string, unknown>> = [];
  for (const event of history) {
    const base: Record<string, unknown> = { EventType: eventTypeName(event.EventType), Timestamp: event.Timestamp };
    switch (event.EventType) {
      case EventType.TaskScheduled:
      case EventType.SubOrchestrationInstanceCreated:
      case EventType.TimerCreated:
        scheduledBy.set(event.EventId, event);
        continue;
      case EventType.OrchestratorStarted:
      case EventType.OrchestratorCompleted:
        continue;
      case EventType.ExecutionStarted:
        base.FunctionName = event.Name;
        if (options.showInput !== false) base.Input = parseJson(event.Input);
        break;
      case EventType.TaskCompleted:
      case EventType.TaskFailed:
      case EventType.SubOrchestrationInstanceCompleted:
      case EventType.SubOrchestrationInstanceFailed: {
        const scheduled = event.TaskScheduledId === undefined ? undefined : scheduledBy.get(event.TaskScheduledId);
        base.FunctionName = scheduled?.Name;
        base.ScheduledTime = scheduled?.Timestamp;
        if (scheduled?.InstanceId) base.InstanceId = scheduled.InstanceId;
        if (event.Reason !== undefined) base.Reason = event.Reason;
        if (event.Details !== undefined) base.Details = event.Details;
        if (options.showHistoryOutput && event.Result !== undefined) base.Result = parseJson(event.Result);
        break;
      }
      case EventType.TimerFired:
        base.FireAt = event.FireAt;
        break;
      case EventType.EventRaised:
        base.Name = event.Name;
        if (options.showHistoryOutput) base.Input = parseJson(event.Input);
        break;
      case EventType.ExecutionCompleted:
        base.OrchestrationStatus = event.OrchestrationStatus;
        if (options.showHistoryOutput) base.Result = parseJson(event.Result);
        break;
      case EventType.ExecutionTerminated:
        base.Input = parseJson(event.Input);
        break;
      case EventType.ExecutionSuspended:
      case EventType.ExecutionResumed:
        base.Reason = event.Reason;
        break;
      default:
        break;
    }
    result.push(base);
  }
  return result;
}

export function toStatus(record: InstanceRecord, options: StatusOptions = {}): InstanceStatus {
  const status: InstanceStatus = {
    name: record.name,
    instanceId: record.instanceId,
    runtimeStatus: record.runtimeStatus,
    input: options.showInput === false ? null : structuredClone(record.input ?? null),
    customStatus: structuredClone(record.customStatus ?? null),
    output: structuredClone(record.output ?? null),
    createdTime: seconds(record.createdTime),
    lastUpdatedTime: seconds(record.lastUpdatedTime),
  };
  if (options.showHistory) {
    status.historyEvents = projectHistory(record.history, options);
    status.history = status.historyEvents;
  }
  return status;
}
