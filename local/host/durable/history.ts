/**
 * The orchestration history in the Durable extension's wire format (DurableTask.Core `HistoryEvent`s as JSON), which
 * is what the out-of-proc orchestrator handler replays. Field names and event type numbers must match
 * `durable-functions/lib/src/history/*` exactly.
 */

export const EventType = {
  ExecutionStarted: 0,
  ExecutionCompleted: 1,
  ExecutionFailed: 2,
  ExecutionTerminated: 3,
  TaskScheduled: 4,
  TaskCompleted: 5,
  TaskFailed: 6,
  SubOrchestrationInstanceCreated: 7,
  SubOrchestrationInstanceCompleted: 8,
  SubOrchestrationInstanceFailed: 9,
  TimerCreated: 10,
  TimerFired: 11,
  OrchestratorStarted: 12,
  OrchestratorCompleted: 13,
  EventSent: 14,
  EventRaised: 15,
  ContinueAsNew: 16,
  GenericEvent: 17,
  HistoryState: 18,
  ExecutionSuspended: 19,
  ExecutionResumed: 20,
} as const;

export type EventTypeName = keyof typeof EventType;
export type EventTypeNumber = (typeof EventType)[EventTypeName];

const NAMES = Object.fromEntries(Object.entries(EventType).map(([name, value]) => [value, name])) as Record<number, EventTypeName>;

export function eventTypeName(type: number): string {
  return NAMES[type] ?? `Unknown(${type})`;
}

/** The structured failure payload the extension sends next to Reason/Details (TaskFailedError reads it). */
export interface FailureDetailsDto {
  ErrorType: string;
  ErrorMessage: string;
  StackTrace?: string;
  IsNonRetriable?: boolean;
  Properties?: Record<string, unknown>;
}

export interface HistoryEvent {
  EventType: EventTypeNumber;
  /** The task id for TaskScheduled / TimerCreated / SubOrchestrationInstanceCreated; -1 otherwise. */
  EventId: number;
  IsPlayed: boolean;
  /** ISO 8601 (UTC). The library turns `Timestamp` strings into Dates. */
  Timestamp: string;
  Name?: string;
  /** JSON text. */
  Input?: string;
  /** JSON text. */
  Result?: string;
  TaskScheduledId?: number;
  TimerId?: number;
  FireAt?: string;
  Reason?: string;
  Details?: string;
  FailureDetails?: FailureDetailsDto;
  InstanceId?: string;
  OrchestrationStatus?: string;
}

export function historyEvent(type: EventTypeNumber, timestamp: string, fields: Partial<HistoryEvent> = {}): HistoryEvent {
  return { EventType: type, EventId: -1, IsPlayed: false, Timestamp: timestamp, ...fields };
}

/**
 * The history as sent to the orchestrator: a deep copy (the library mutates what it is given) in which every event
 * before the latest OrchestratorStarted is marked as played.
 */
export function historyForEpisode(history: readonly HistoryEvent[]): HistoryEvent[] {
  let lastStarted = -1;
  history.forEach((e, i) => {
    if (e.EventType === EventType.OrchestratorStarted) lastStarted = i;
  });
  return history.map((e, i) => ({ ...structuredClone(e), IsPlayed: i < lastStarted }));
}
