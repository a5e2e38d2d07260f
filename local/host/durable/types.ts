/**
 * The persisted state of one orchestration instance. One JSON file per instance under
 * `<dataDir>/durable/<taskHub>/instances/`, rewritten atomically after every step, holds everything needed to resume:
 * the history the replay engine needs, the messages not yet applied (inbox), and the work scheduled but not finished.
 */
import type { FailureDetailsDto, HistoryEvent } from './history';
import type { RetryPolicy } from './timing';

export const FORMAT_VERSION = 1;

export type RuntimeStatus = 'Pending' | 'Running' | 'Completed' | 'ContinuedAsNew' | 'Failed' | 'Canceled' | 'Terminated' | 'Suspended';

export const TERMINAL_STATUSES: readonly RuntimeStatus[] = ['Completed', 'Failed', 'Canceled', 'Terminated'];

export function isTerminal(status: RuntimeStatus): boolean {
  return TERMINAL_STATUSES.includes(status);
}

export interface RetryState {
  policy: RetryPolicy;
  /** Attempts that have failed so far. */
  failures: number;
  /** When the first attempt was scheduled (orchestration time); the retry timeout counts from here. */
  firstAttemptAt: string;
  /** The retry timeout ran out: remaining attempts fail without running. */
  expired: boolean;
  lastReason?: string;
  lastDetails?: string;
  lastFailureDetails?: FailureDetailsDto;
}

export interface ActivityWork {
  kind: 'activity';
  taskId: number;
  name: string;
  /** JSON value; absent when the orchestrator passed no input. */
  input?: unknown;
  retry?: RetryState;
}

export interface SubOrchestrationWork {
  kind: 'subOrchestration';
  taskId: number;
  name: string;
  instanceId: string;
  input?: unknown;
  retry?: RetryState;
}

export interface TimerWork {
  kind: 'timer';
  timerId: number;
  fireAt: string;
  /**
   * `user`: a createTimer; `long`: one leg of a timer longer than maximumShortTimerDuration (the library splits
   * those); `retry`: the wait between two attempts of a *WithRetry call.
   */
  purpose: 'user' | 'long' | 'retry';
  /** The task id of the orchestrator's createTimer action (legs of a long timer share it). */
  rootId: number;
  finalFireAt?: string;
  /** For `retry`: what to try again. */
  retryOf?: Omit<ActivityWork, 'taskId'> | Omit<SubOrchestrationWork, 'taskId'>;
}

export type WorkItem = ActivityWork | SubOrchestrationWork | TimerWork;

export type InboxMessage =
  | { type: 'start' }
  | { type: 'taskCompleted'; taskId: number; result: string; work?: WorkItem }
  | { type: 'taskFailed'; taskId: number; reason: string; details: string; failureDetails?: FailureDetailsDto; work?: WorkItem }
  | { type: 'subOrchestrationCompleted'; taskId: number; result: string; work?: WorkItem }
  | { type: 'subOrchestrationFailed'; taskId: number; reason: string; details: string; failureDetails?: FailureDetailsDto; work?: WorkItem }
  | { type: 'timerFired'; timerId: number; fireAt: string; work?: WorkItem }
  | { type: 'eventRaised'; name: string; input?: string };

export interface ParentLink {
  instanceId: string;
  executionId: string;
  taskId: number;
}

export interface InstanceRecord {
  formatVersion: typeof FORMAT_VERSION;
  instanceId: string;
  /** Orchestrator function name, as registered. */
  name: string;
  /** Changes with every fresh start and continue-as-new; late results of an older execution are dropped by it. */
  executionId: string;
  runtimeStatus: RuntimeStatus;
  suspended?: boolean;
  input: unknown;
  output: unknown;
  customStatus: unknown;
  createdTime: string;
  lastUpdatedTime: string;
  /** Orchestration time of the latest episode; episode timestamps never go backwards. */
  lastEpisodeAt?: string;
  parent?: ParentLink;
  history: HistoryEvent[];
  /** The next task id the replay engine will assign (it numbers activities, timers and sub-orchestrations in order). */
  nextSequence: number;
  /** Task ids of the orchestrator's id-consuming actions seen so far, in the order the replay produces them. */
  actionTaskIds: number[];
  inbox: InboxMessage[];
  work: WorkItem[];
}
