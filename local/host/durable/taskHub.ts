/**
 * The local task hub: runs orchestrations through the app's registered orchestrationTrigger handler (the real
 * `durable-functions` replay engine) and executes the actions it returns, with all state on disk.
 *
 * One step per inbox message: append the message to the history (with the task ids the replay engine assigns while
 * applying it), run one episode, record the new scheduled work, write the instance file atomically, and only then
 * start that work. Completions are written to the inbox before anything else happens to them. So a host killed at
 * any point resumes from its files: a completed activity is never run again, one still running when the host died
 * runs again (at-least-once, as in Durable Functions).
 */
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Clock, TimerHandle } from '../clock';
import type { Invoker } from '../invoke';
import { errorMessage, type HostLogger } from '../logger';
import type { FunctionRegistry, RegisteredFunction } from '../registry';
import { ActionType, decodeActionInput, isOrchestratorState, scanActions, type OrchestratorAction, type OrchestratorStateLike } from './actions';
import { EventType, historyEvent, historyForEpisode, type FailureDetailsDto, type HistoryEvent } from './history';
import { toStatus, type InstanceStatus, type StatusOptions } from './status';
import type { InstanceStore } from './store';
import { parseTimeSpan, retryDelayMs, retryExpired, toRetryPolicy } from './timing';
import {
  FORMAT_VERSION,
  isTerminal,
  type ActivityWork,
  type InboxMessage,
  type InstanceRecord,
  type ParentLink,
  type RetryState,
  type RuntimeStatus,
  type SubOrchestrationWork,
  type TimerWork,
  type WorkItem,
} from './types';

export interface TaskHubOptions {
  name: string;
  registry: FunctionRegistry;
  invoker: Invoker;
  store: InstanceStore;
  clock: Clock;
  logger: HostLogger;
  /** Sent to the orchestrator as the extension does (Azure Storage defaults: 6 days / 3 days). */
  maximumShortTimerDuration?: string;
  longRunningTimerIntervalDuration?: string;
  /** How long a graceful stop waits for running activities and episodes (default 10 s). */
  closeTimeoutMs?: number;
}

export type StartResult = { ok: true; instanceId: string } | { ok: false; status: 400 | 409; message: string };
export type ControlResult = 'accepted' | 'notFound' | 'gone';
export type PurgeResult = 'deleted' | 'notFound' | 'notTerminal';

export interface InstanceQuery {
  runtimeStatus?: RuntimeStatus[];
  createdTimeFrom?: Date;
  createdTimeTo?: Date;
  instanceIdPrefix?: string;
}

const OUT_OF_PROC_LABEL = '\n\n$OutOfProcData$:';

/** DurableTask's rules for instance ids (Azure Storage provider): the id is a URL segment and a table key. */
export function validateInstanceId(instanceId: string): string | undefined {
  if (instanceId.length === 0 || instanceId.length > 256) return `Instance ID must be 1 to 256 characters long (got ${instanceId.length}).`;
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is being rejected
  if (/[/\\#?\u0000-\u001f\u007f-\u009f]/.test(instanceId)) {
    return `Instance ID "${instanceId}" contains a character that is not allowed ('/', '\\', '#', '?' or a control character).`;
  }
  return undefined;
}

function jsonValue(value: unknown): unknown {
  if (value === undefined) return null;
  return JSON.parse(JSON.stringify(value)) as unknown;
}

function failureDetailsOf(err: unknown): { message: string; details: string; failureDetails?: FailureDetailsDto } {
  const message = errorMessage(err);
  const details = err instanceof Error && err.stack ? err.stack : message;
  // df.setExceptionPropertiesProvider makes the activity wrapper put a JSON payload in the message.
  try {
    const payload = JSON.parse(message) as Record<string, unknown>;
    if (typeof payload.errorType === 'string' && typeof payload.errorMessage === 'string') {
      const failureDetails: FailureDetailsDto = { ErrorType: payload.errorType, ErrorMessage: payload.errorMessage, IsNonRetriable: payload.isNonRetriable === true };
      if (typeof payload.stackTrace === 'string') failureDetails.StackTrace = payload.stackTrace;
      if (typeof payload.properties === 'object' && payload.properties !== null) failureDetails.Properties = payload.properties as Record<string, unknown>;
      return { message: payload.errorMessage, details: failureDetails.StackTrace ?? details, failureDetails };
    }
  } catch {
    // An ordinary message.
  }
  return { message, details };
}

export class TaskHub {
  readonly name: string;
  readonly #options: TaskHubOptions;
  readonly #maxShortMs: number;
  readonly #longIntervalMs: number;
  readonly #records = new Map<string, InstanceRecord>();
  readonly #locks = new Map<string, Promise<unknown>>();
  readonly #driveQueued = new Set<string>();
  readonly #timers = new Map<string, TimerHandle>();
  readonly #inflight = new Set<Promise<unknown>>();
  readonly #events = new EventEmitter();
  #state: 'new' | 'running' | 'closing' | 'stopped' = 'new';

  constructor(options: TaskHubOptions) {
    this.name = options.name;
    const maxShort = options.maximumShortTimerDuration ?? '6.00:00:00';
    const longInterval = options.longRunningTimerIntervalDuration ?? '3.00:00:00';
    this.#maxShortMs = parseTimeSpan(maxShort);
    this.#longIntervalMs = parseTimeSpan(longInterval);
    this.#options = { ...options, maximumShortTimerDuration: maxShort, longRunningTimerIntervalDuration: longInterval };
    this.#events.setMaxListeners(0);
  }

  // ---------------------------------------------------------------- lifecycle

  /** Loads every instance from disk and resumes the unfinished ones: timers re-armed, pending work restarted. */
  start(): void {
    if (this.#state !== 'new') throw new Error('TaskHub.start: already started');
    for (const record of this.#options.store.loadAll()) this.#records.set(record.instanceId, record);
    this.#state = 'running';
    for (const record of this.#records.values()) {
      if (isTerminal(record.runtimeStatus)) {
        const parent = record.parent && this.#records.get(record.parent.instanceId);
        if (parent && record.parent && this.#hasWork(parent, record.parent)) this.#notifyParent(record);
        continue;
      }
      this.#dispatch(record, record.work);
      if (record.inbox.length > 0) this.#requestDrive(record.instanceId);
    }
  }

  /**
   * `graceful`: finish what is running (bounded), write its results, start nothing new. Otherwise stop at once and
   * write nothing more: what is on disk is what the next host resumes from.
   */
  async stop(graceful: boolean): Promise<void> {
    if (this.#state === 'stopped') return;
    if (graceful && this.#state === 'running') {
      this.#state = 'closing';
      const deadline = Date.now() + (this.#options.closeTimeoutMs ?? 10_000);
      while (this.#inflight.size > 0 && Date.now() < deadline) {
        const remaining = deadline - Date.now();
        let timeout: NodeJS.Timeout | undefined;
        await Promise.race([
          Promise.allSettled([...this.#inflight]),
          new Promise((resolve) => {
            timeout = setTimeout(resolve, remaining);
          }),
        ]);
        clearTimeout(timeout);
      }
    }
    this.#state = 'stopped';
    for (const handle of this.#timers.values()) handle.cancel();
    this.#timers.clear();
    this.#events.removeAllListeners();
  }

  // ---------------------------------------------------------------- client operations (the Durable HTTP API)

  async startNew(name: string, options: { instanceId?: string; input?: unknown } = {}): Promise<StartResult> {
    const fn = this.#function(name, 'orchestration');
    if (!fn) {
      const known = this.#options.registry.list('orchestration').map((f) => `'${f.name}'`);
      return {
        ok: false,
        status: 400,
        message: `The function '${name}' doesn't exist, is disabled, or is not an orchestrator function. Known orchestrator functions: ${known.join(', ') || '(none)'}.`,
      };
    }
    const instanceId = options.instanceId ?? randomUUID().replace(/-/g, '');
    const invalid = validateInstanceId(instanceId);
    if (invalid) return { ok: false, status: 400, message: invalid };
    return this.#withLock(instanceId, (): StartResult => {
      const existing = this.#records.get(instanceId);
      if (existing && !isTerminal(existing.runtimeStatus)) {
        return { ok: false, status: 409, message: `An Orchestration instance with the status ${existing.runtimeStatus} already exists.` };
      }
      const record = this.#newRecord(instanceId, fn.name, options.input);
      this.#records.set(instanceId, record);
      this.#persist(record);
      this.#requestDrive(instanceId);
      return { ok: true, instanceId };
    });
  }

  /** `input`: the event payload as JSON text (absent for no payload). Events to a finished instance are refused. */
  async raiseEvent(instanceId: string, eventName: string, input?: string): Promise<ControlResult> {
    return this.#withLock(instanceId, (): ControlResult => {
      const record = this.#records.get(instanceId);
      if (!record) return 'notFound';
      if (isTerminal(record.runtimeStatus)) return 'gone';
      const message: InboxMessage = { type: 'eventRaised', name: eventName };
      if (input !== undefined && input.trim() !== '') message.input = input;
      record.inbox.push(message);
      this.#persist(record);
      this.#requestDrive(instanceId);
      return 'accepted';
    });
  }

  async terminate(instanceId: string, reason?: string): Promise<ControlResult> {
    const result = await this.#withLock(instanceId, (): ControlResult => {
      const record = this.#records.get(instanceId);
      if (!record) return 'notFound';
      if (isTerminal(record.runtimeStatus)) return 'gone';
      const now = this.#options.clock.now().toISOString();
      record.history.push(historyEvent(EventType.ExecutionTerminated, now, { Input: JSON.stringify(reason ?? null) }));
      this.#finish(record, 'Terminated', reason ?? null);
      this.#persist(record);
      return 'accepted';
    });
    const record = this.#records.get(instanceId);
    if (result === 'accepted' && record) this.#notifyParent(record);
    return result;
  }

  async suspend(instanceId: string, reason?: string): Promise<ControlResult> {
    return this.#withLock(instanceId, (): ControlResult => {
      const record = this.#records.get(instanceId);
      if (!record) return 'notFound';
      if (isTerminal(record.runtimeStatus)) return 'gone';
      if (record.runtimeStatus !== 'Suspended') {
        record.runtimeStatus = 'Suspended';
        record.history.push(historyEvent(EventType.ExecutionSuspended, this.#options.clock.now().toISOString(), { Reason: reason ?? '' }));
        this.#persist(record);
      }
      return 'accepted';
    });
  }

  async resume(instanceId: string, reason?: string): Promise<ControlResult> {
    return this.#withLock(instanceId, (): ControlResult => {
      const record = this.#records.get(instanceId);
      if (!record) return 'notFound';
      if (isTerminal(record.runtimeStatus)) return 'gone';
      if (record.runtimeStatus === 'Suspended') {
        const started = record.history.some((e) => e.EventType === EventType.ExecutionStarted);
        record.runtimeStatus = started ? 'Running' : 'Pending';
        record.history.push(historyEvent(EventType.ExecutionResumed, this.#options.clock.now().toISOString(), { Reason: reason ?? '' }));
        this.#persist(record);
        this.#requestDrive(instanceId);
      }
      return 'accepted';
    });
  }

  async purge(instanceId: string): Promise<PurgeResult> {
    return this.#withLock(instanceId, (): PurgeResult => {
      const record = this.#records.get(instanceId);
      if (!record) return 'notFound';
      if (!isTerminal(record.runtimeStatus)) return 'notTerminal';
      this.#records.delete(instanceId);
      if (this.#state !== 'stopped') this.#options.store.delete(instanceId);
      return 'deleted';
    });
  }

  async purgeWhere(query: InstanceQuery): Promise<number> {
    const candidates = this.#query(query).filter((r) => isTerminal(r.runtimeStatus));
    let deleted = 0;
    for (const record of candidates) if ((await this.purge(record.instanceId)) === 'deleted') deleted++;
    return deleted;
  }

  getStatus(instanceId: string, options: StatusOptions = {}): InstanceStatus | undefined {
    const record = this.#records.get(instanceId);
    return record ? toStatus(record, options) : undefined;
  }

  listStatuses(query: InstanceQuery = {}, options: StatusOptions = {}): InstanceStatus[] {
    return this.#query(query).map((r) => toStatus(r, options));
  }

  /** Resolves with the status once `predicate` holds (checked now and after every change); rejects after `timeoutMs`. */
  waitFor(instanceId: string, predicate: (status: InstanceStatus) => boolean, timeoutMs = 10_000, options: StatusOptions = {}): Promise<InstanceStatus> {
    return new Promise((resolve, reject) => {
      const initial = this.getStatus(instanceId, options);
      if (initial && predicate(initial)) {
        resolve(initial);
        return;
      }
      const onChange = (changedId: string): void => {
        if (changedId !== instanceId) return;
        const status = this.getStatus(instanceId, options);
        if (!status || !predicate(status)) return;
        this.#events.off('change', onChange);
        clearTimeout(timeout);
        resolve(status);
      };
      this.#events.on('change', onChange);
      const timeout = setTimeout(() => {
        this.#events.off('change', onChange);
        const last = this.getStatus(instanceId);
        reject(new Error(`instance "${instanceId}" did not reach the expected state within ${timeoutMs} ms; last status: ${JSON.stringify(last ?? 'unknown')}`));
      }, timeoutMs);
    });
  }

  /** Called with the instance id after every state change written to disk. */
  onChange(listener: (instanceId: string) => void): () => void {
    this.#events.on('change', listener);
    return () => this.#events.off('change', listener);
  }

  /** A copy of the stored record (history, inbox, pending work), for diagnostics and tests. */
  inspect(instanceId: string): InstanceRecord | undefined {
    const record = this.#records.get(instanceId);
    return record ? structuredClone(record) : undefined;
  }

  // ---------------------------------------------------------------- the engine

  #function(name: string, kind: 'orchestration' | 'activity'): RegisteredFunction | undefined {
    const fn = this.#options.registry.get(name);
    return fn?.kind === kind ? fn : undefined;
  }

  #newRecord(instanceId: string, name: string, input: unknown, parent?: ParentLink): InstanceRecord {
    const now = this.#options.clock.now().toISOString();
    const record: InstanceRecord = {
      formatVersion: FORMAT_VERSION,
      instanceId,
      name,
      executionId: randomUUID(),
      runtimeStatus: 'Pending',
      input: jsonValue(input),
      output: null,
      customStatus: null,
      createdTime: now,
      lastUpdatedTime: now,
      history: [],
      nextSequence: 0,
      actionTaskIds: [],
      inbox: [{ type: 'start' }],
      work: [],
    };
    if (parent) record.parent = parent;
    return record;
  }

  #withLock<T>(instanceId: string, fn: () => T | Promise<T>): Promise<T> {
    const previous = this.#locks.get(instanceId) ?? Promise.resolve();
    const run = previous.then(fn);
    const tail = run.then(
      () => undefined,
      () => undefined,
    );
    this.#locks.set(instanceId, tail);
    void tail.then(() => {
      if (this.#locks.get(instanceId) === tail) this.#locks.delete(instanceId);
    });
    this.#track(tail);
    return run;
  }

  #track(promise: Promise<unknown>): void {
    this.#inflight.add(promise);
    void promise.finally(() => this.#inflight.delete(promise)).catch(() => undefined);
  }

  #persist(record: InstanceRecord): void {
    if (this.#state === 'stopped') return;
    record.lastUpdatedTime = this.#options.clock.now().toISOString();
    this.#options.store.save(record);
    this.#events.emit('change', record.instanceId);
  }

  #requestDrive(instanceId: string): void {
    if (this.#driveQueued.has(instanceId)) return;
    this.#driveQueued.add(instanceId);
    void this.#withLock(instanceId, async () => {
      this.#driveQueued.delete(instanceId);
      await this.#drain(instanceId);
    }).catch((err: unknown) => {
      this.#options.logger({ level: 'error', category: 'system', message: `orchestration ${instanceId}: ${errorMessage(err)}` });
    });
  }

  async #drain(instanceId: string): Promise<void> {
    for (;;) {
      if (this.#state === 'stopped') return;
      const record = this.#records.get(instanceId);
      if (!record || isTerminal(record.runtimeStatus) || record.runtimeStatus === 'Suspended' || record.inbox.length === 0) return;
      // The step works on a copy: if the host itself fails midway, memory still matches what is on disk.
      try {
        await this.#step(structuredClone(record));
      } catch (err) {
        this.#stepCrashed(record, err);
      }
    }
  }

  /** A fault of the host (not of the orchestrator) while stepping: fail the instance loudly rather than retry forever. */
  #stepCrashed(record: InstanceRecord, err: unknown): void {
    const output = `Orchestrator function '${record.name}' failed: the local host could not process a message: ${errorMessage(err)}`;
    const nowIso = this.#options.clock.now().toISOString();
    record.history.push(historyEvent(EventType.ExecutionCompleted, nowIso, { OrchestrationStatus: 'Failed', Result: output }));
    this.#finish(record, 'Failed', output);
    this.#logFailure(record, output);
    this.#persist(record);
    this.#notifyParent(record);
  }

  #episodeTime(record: InstanceRecord): Date {
    const now = this.#options.clock.now();
    const last = record.lastEpisodeAt ? new Date(record.lastEpisodeAt) : undefined;
    const time = last && last > now ? last : now;
    record.lastEpisodeAt = time.toISOString();
    return time;
  }

  /** One message → one episode → new work recorded → state written → new work started. */
  async #step(record: InstanceRecord): Promise<void> {
    const message = record.inbox[0]!;
    const now = this.#episodeTime(record);
    const nowIso = now.toISOString();
    const incoming: HistoryEvent[] = [historyEvent(EventType.OrchestratorStarted, nowIso)];
    const scheduled: HistoryEvent[] = [];
    const newWork: WorkItem[] = [];
    const follow: InboxMessage[] = [];

    switch (message.type) {
      case 'start':
        record.runtimeStatus = 'Running';
        incoming.push(historyEvent(EventType.ExecutionStarted, nowIso, { Name: record.name, Input: JSON.stringify(record.input) }));
        break;
      case 'taskCompleted':
        incoming.push(historyEvent(EventType.TaskCompleted, nowIso, { TaskScheduledId: message.taskId, Result: message.result }));
        break;
      case 'subOrchestrationCompleted':
        incoming.push(historyEvent(EventType.SubOrchestrationInstanceCompleted, nowIso, { TaskScheduledId: message.taskId, Result: message.result }));
        break;
      case 'taskFailed':
      case 'subOrchestrationFailed': {
        const type = message.type === 'taskFailed' ? EventType.TaskFailed : EventType.SubOrchestrationInstanceFailed;
        const failed = historyEvent(type, nowIso, { TaskScheduledId: message.taskId, Reason: message.reason, Details: message.details });
        if (message.failureDetails) failed.FailureDetails = message.failureDetails;
        incoming.push(failed);
        this.#afterAttemptFailed(record, message, now, newWork, scheduled);
        break;
      }
      case 'timerFired':
        incoming.push(historyEvent(EventType.TimerFired, nowIso, { TimerId: message.timerId, FireAt: message.fireAt }));
        this.#afterTimerFired(record, message.work, now, newWork, scheduled, follow);
        break;
      case 'eventRaised': {
        const raised = historyEvent(EventType.EventRaised, nowIso, { Name: message.name });
        if (message.input !== undefined) raised.Input = message.input;
        incoming.push(raised);
        break;
      }
    }

    const episode = await this.#runEpisode(record, incoming);
    record.history.push(...incoming);
    record.inbox.shift();
    let failure = episode.failure;
    const state = episode.state;
    if (state) {
      try {
        record.customStatus = jsonValue(state.customStatus ?? null);
      } catch (err) {
        failure ??= { message: `its custom status is not JSON-serializable (${errorMessage(err)})` };
      }
    }
    let continueAsNew: OrchestratorAction | undefined;
    if (!failure && state) {
      const scan = scanActions(state.actions);
      continueAsNew = scan.continueAsNew;
      failure = scan.unsupported
        ? { message: `${scan.unsupported} is not supported by the local host` }
        : this.#scheduleActions(record, scan.tasks, now, newWork, scheduled);
    }

    if (failure) {
      const output = `Orchestrator function '${record.name}' failed: ${failure.message}`;
      const completed = historyEvent(EventType.ExecutionCompleted, nowIso, { OrchestrationStatus: 'Failed', Result: output });
      if (failure.details) completed.Details = failure.details;
      record.history.push(completed, historyEvent(EventType.OrchestratorCompleted, nowIso));
      this.#finish(record, 'Failed', output);
      this.#logFailure(record, output);
    } else if (state?.isDone && continueAsNew) {
      record.history.push(historyEvent(EventType.OrchestratorCompleted, nowIso));
      this.#continueAsNew(record, decodeActionInput(continueAsNew.input));
    } else if (state?.isDone) {
      const output = jsonValue(state.output);
      record.history.push(
        historyEvent(EventType.ExecutionCompleted, nowIso, { OrchestrationStatus: 'Completed', Result: JSON.stringify(output) }),
        historyEvent(EventType.OrchestratorCompleted, nowIso),
      );
      this.#finish(record, 'Completed', output);
    } else {
      record.history.push(...scheduled, historyEvent(EventType.OrchestratorCompleted, nowIso));
      record.work.push(...newWork);
      record.inbox.push(...follow);
    }

    this.#records.set(record.instanceId, record);
    this.#persist(record);
    if (isTerminal(record.runtimeStatus)) this.#notifyParent(record);
    else if (!failure && !state?.isDone) this.#dispatch(record, newWork);
  }

  async #runEpisode(record: InstanceRecord, incoming: HistoryEvent[]): Promise<{ state?: OrchestratorStateLike; failure?: { message: string; details?: string } }> {
    const fn = this.#function(record.name, 'orchestration');
    if (!fn) return { failure: { message: `The function '${record.name}' doesn't exist, is disabled, or is not an orchestrator function.` } };
    const history = historyForEpisode([...record.history, ...incoming]);
    const trigger = {
      history,
      input: structuredClone(record.input),
      instanceId: record.instanceId,
      isReplaying: record.history.length > 0,
      parentInstanceId: record.parent?.instanceId ?? '',
      upperSchemaVersion: 2,
      upperSchemaVersionNew: 3,
      maximumShortTimerDuration: this.#options.maximumShortTimerDuration,
      longRunningTimerIntervalDuration: this.#options.longRunningTimerIntervalDuration,
      defaultHttpAsyncRequestSleepTimeMillseconds: 30_000,
    };
    try {
      const result = await this.#options.invoker.invoke(fn, trigger);
      if (!isOrchestratorState(result)) {
        return { failure: { message: 'the orchestrationTrigger handler returned no OrchestratorState; register orchestrators with df.app.orchestration' } };
      }
      return { state: result };
    } catch (err) {
      // The library reports orchestrator exceptions as `<text>\n\n$OutOfProcData$:<OrchestratorState JSON>`. The
      // extension takes the message from the state's `error` (3.5.0 puts `false` in the text before the label).
      const text = errorMessage(err);
      const at = text.indexOf(OUT_OF_PROC_LABEL);
      const details = err instanceof Error ? err.stack : undefined;
      if (at < 0) return { failure: details ? { message: text, details } : { message: text } };
      let state: OrchestratorStateLike | undefined;
      try {
        const parsed = JSON.parse(text.slice(at + OUT_OF_PROC_LABEL.length)) as unknown;
        if (isOrchestratorState(parsed)) state = parsed;
      } catch {
        // Keep the message; the state is only used for the custom status.
      }
      const message = typeof state?.error === 'string' && state.error !== '' ? state.error : text.slice(0, at);
      const failure = details ? { message, details } : { message };
      return state ? { state, failure } : { failure };
    }
  }

  /**
   * Gives every action the replay engine has not seen before its task id (in the engine's order) and turns it into
   * work; re-appearing timers the orchestrator has cancelled since are disarmed. Returns a failure for actions that
   * name functions the app does not have, as the extension fails the orchestration for those.
   */
  #scheduleActions(record: InstanceRecord, tasks: OrchestratorAction[], now: Date, newWork: WorkItem[], scheduled: HistoryEvent[]): { message: string } | undefined {
    const nowIso = now.toISOString();
    for (let index = 0; index < tasks.length; index++) {
      const action = tasks[index]!;
      const known = record.actionTaskIds[index];
      if (known !== undefined) {
        if (action.actionType === ActionType.CreateTimer && action.isCanceled) this.#cancelTimerWork(record, known);
        continue;
      }
      const taskId = record.nextSequence++;
      record.actionTaskIds.push(taskId);
      switch (action.actionType) {
        case ActionType.CallActivity:
        case ActionType.CallActivityWithRetry: {
          const name = String(action.functionName);
          const fn = this.#function(name, 'activity');
          if (!fn) {
            const known = this.#options.registry.list('activity').map((f) => `'${f.name}'`);
            return { message: `The function '${name}' doesn't exist, is disabled, or is not an activity function. Known activity functions: ${known.join(', ') || '(none)'}.` };
          }
          const work: ActivityWork = { kind: 'activity', taskId, name: fn.name };
          const input = decodeActionInput(action.input);
          if (input !== undefined) work.input = jsonValue(input);
          if (action.actionType === ActionType.CallActivityWithRetry) work.retry = this.#newRetry(action, nowIso);
          newWork.push(work);
          scheduled.push(historyEvent(EventType.TaskScheduled, nowIso, { EventId: taskId, Name: fn.name, Input: JSON.stringify(work.input ?? null) }));
          break;
        }
        case ActionType.CallSubOrchestrator:
        case ActionType.CallSubOrchestratorWithRetry: {
          const name = String(action.functionName);
          const fn = this.#function(name, 'orchestration');
          if (!fn) return { message: `The function '${name}' doesn't exist, is disabled, or is not an orchestrator function.` };
          const instanceId = action.instanceId || `${record.instanceId}:${taskId}`;
          const invalid = validateInstanceId(instanceId);
          if (invalid) return { message: invalid };
          const work: SubOrchestrationWork = { kind: 'subOrchestration', taskId, name: fn.name, instanceId };
          if (action.input !== undefined) work.input = jsonValue(action.input);
          if (action.actionType === ActionType.CallSubOrchestratorWithRetry) work.retry = this.#newRetry(action, nowIso);
          newWork.push(work);
          scheduled.push(
            historyEvent(EventType.SubOrchestrationInstanceCreated, nowIso, { EventId: taskId, Name: fn.name, InstanceId: instanceId, Input: JSON.stringify(work.input ?? null) }),
          );
          break;
        }
        case ActionType.CreateTimer: {
          const fireAt = new Date(action.fireAt as string | Date);
          if (Number.isNaN(fireAt.getTime())) return { message: `createTimer was given an invalid fireAt (${String(action.fireAt)})` };
          if (action.isCanceled) break;
          // Mirrors the library's createTimer: beyond maximumShortTimerDuration it waits in legs (LongTimerTask).
          const long = fireAt.getTime() - now.getTime() > this.#maxShortMs;
          const legFireAt = long ? new Date(now.getTime() + this.#longIntervalMs) : fireAt;
          const work: TimerWork = { kind: 'timer', timerId: taskId, fireAt: legFireAt.toISOString(), purpose: long ? 'long' : 'user', rootId: taskId };
          if (long) work.finalFireAt = fireAt.toISOString();
          newWork.push(work);
          scheduled.push(historyEvent(EventType.TimerCreated, nowIso, { EventId: taskId, FireAt: work.fireAt }));
          break;
        }
      }
    }
    return undefined;
  }

  #newRetry(action: OrchestratorAction, nowIso: string): RetryState {
    return { policy: toRetryPolicy(action.retryOptions), failures: 0, firstAttemptAt: nowIso, expired: false };
  }

  /**
   * A *WithRetry attempt failed. The library now waits on a timer (it numbers it next) — even after the last attempt,
   * as DurableTask's RetryInterceptor creates one — and fails the task when that timer fires with no attempts left.
   */
  #afterAttemptFailed(
    record: InstanceRecord,
    message: Extract<InboxMessage, { type: 'taskFailed' | 'subOrchestrationFailed' }>,
    now: Date,
    newWork: WorkItem[],
    scheduled: HistoryEvent[],
  ): void {
    const work = message.work;
    if (!work || work.kind === 'timer' || !work.retry) return;
    const retry: RetryState = { ...work.retry, failures: work.retry.failures + 1, lastReason: message.reason, lastDetails: message.details };
    if (message.failureDetails) retry.lastFailureDetails = message.failureDetails;
    // After the retry timeout the next attempt is not made; the library still needs its timer, so it fires at once.
    retry.expired = retry.expired || retryExpired(retry.policy, retry.firstAttemptAt, now);
    const delay = retry.expired ? 0 : retryDelayMs(retry.policy, retry.failures);
    const timerId = record.nextSequence++;
    const fireAt = new Date(now.getTime() + delay).toISOString();
    const { taskId: _attempt, ...target } = work;
    newWork.push({ kind: 'timer', timerId, fireAt, purpose: 'retry', rootId: timerId, retryOf: { ...target, retry } });
    scheduled.push(historyEvent(EventType.TimerCreated, now.toISOString(), { EventId: timerId, FireAt: fireAt }));
  }

  #afterTimerFired(record: InstanceRecord, work: WorkItem | undefined, now: Date, newWork: WorkItem[], scheduled: HistoryEvent[], follow: InboxMessage[]): void {
    if (!work || work.kind !== 'timer') return;
    const nowIso = now.toISOString();
    if (work.purpose === 'long' && work.finalFireAt) {
      const finalAt = new Date(work.finalFireAt);
      // LongTimerTask.trySetValue: while the final time is ahead, the library numbers and awaits one more leg.
      if (finalAt > now) {
        const timerId = record.nextSequence++;
        const leg = finalAt.getTime() - now.getTime() > this.#maxShortMs ? new Date(now.getTime() + this.#longIntervalMs) : finalAt;
        newWork.push({ kind: 'timer', timerId, fireAt: leg.toISOString(), purpose: 'long', rootId: work.rootId, finalFireAt: work.finalFireAt });
        scheduled.push(historyEvent(EventType.TimerCreated, nowIso, { EventId: timerId, FireAt: leg.toISOString() }));
      }
      return;
    }
    if (work.purpose !== 'retry' || !work.retryOf?.retry) return;
    const target = work.retryOf;
    const retry = target.retry!;
    // RetryableTask: no attempts left → the library fails the task in this episode and numbers nothing.
    if (retry.failures >= retry.policy.maxNumberOfAttempts) return;
    const taskId = record.nextSequence++;
    const skipped = {
      reason: retry.lastReason ?? 'retry timeout expired',
      details: `Not attempted: the retry timeout of ${String(retry.policy.retryTimeoutInMilliseconds)} ms expired after ${retry.failures} failed attempt(s).`,
    };
    if (target.kind === 'activity') {
      const attempt: ActivityWork = { ...target, taskId };
      scheduled.push(historyEvent(EventType.TaskScheduled, nowIso, { EventId: taskId, Name: target.name, Input: JSON.stringify(target.input ?? null) }));
      if (!retry.expired) newWork.push(attempt);
      else follow.push(this.#withFailureDetails({ type: 'taskFailed', taskId, ...skipped, work: attempt }, retry));
    } else {
      const attempt: SubOrchestrationWork = { ...target, taskId };
      scheduled.push(
        historyEvent(EventType.SubOrchestrationInstanceCreated, nowIso, { EventId: taskId, Name: target.name, InstanceId: target.instanceId, Input: JSON.stringify(target.input ?? null) }),
      );
      if (!retry.expired) newWork.push(attempt);
      else follow.push(this.#withFailureDetails({ type: 'subOrchestrationFailed', taskId, ...skipped, work: attempt }, retry));
    }
  }

  #withFailureDetails<T extends Extract<InboxMessage, { type: 'taskFailed' | 'subOrchestrationFailed' }>>(message: T, retry: RetryState): T {
    if (retry.lastFailureDetails) message.failureDetails = retry.lastFailureDetails;
    return message;
  }

  #finish(record: InstanceRecord, status: RuntimeStatus, output: unknown): void {
    this.#cancelTimerWork(record);
    record.runtimeStatus = status;
    record.output = output;
    record.work = [];
    // Messages for a finished instance are dropped, as Durable drops events sent to completed instances.
    record.inbox = [];
  }

  #continueAsNew(record: InstanceRecord, input: unknown): void {
    this.#cancelTimerWork(record);
    record.executionId = randomUUID();
    record.runtimeStatus = 'ContinuedAsNew';
    record.input = jsonValue(input);
    record.output = null;
    record.history = [];
    record.nextSequence = 0;
    record.actionTaskIds = [];
    record.work = [];
    // Events already in the old history are discarded (Durable's default); those not yet applied go to the new run.
    record.inbox = [{ type: 'start' }, ...record.inbox.filter((m) => m.type === 'eventRaised')];
  }

  #logFailure(record: InstanceRecord, output: string): void {
    this.#options.logger({ level: 'warning', category: 'system', message: `orchestration ${record.instanceId} failed: ${output}` });
  }

  /** Disarms timer work (all of it, or the legs of one createTimer) and removes it from the record. */
  #cancelTimerWork(record: InstanceRecord, rootId?: number): void {
    record.work = record.work.filter((work) => {
      if (work.kind !== 'timer' || (rootId !== undefined && work.rootId !== rootId)) return true;
      const key = this.#timerKey(record, work.timerId);
      this.#timers.get(key)?.cancel();
      this.#timers.delete(key);
      return false;
    });
  }

  #timerKey(record: InstanceRecord, timerId: number): string {
    return `${record.instanceId}\u0000${record.executionId}\u0000${timerId}`;
  }

  #hasWork(record: InstanceRecord, link: ParentLink): boolean {
    return record.executionId === link.executionId && record.work.some((w) => w.kind === 'subOrchestration' && w.taskId === link.taskId);
  }

  /** Starts recorded work. Nothing new starts while the host is closing; it stays recorded for the next start. */
  #dispatch(record: InstanceRecord, work: WorkItem[]): void {
    if (this.#state !== 'running') return;
    for (const item of work) {
      if (item.kind === 'timer') this.#armTimer(record, item);
      else if (item.kind === 'activity') this.#runActivity(record.instanceId, record.executionId, item);
      else this.#startChild(record, item);
    }
  }

  #armTimer(record: InstanceRecord, work: TimerWork): void {
    const key = this.#timerKey(record, work.timerId);
    if (this.#timers.has(key)) return;
    const { instanceId, executionId } = record;
    const handle = this.#options.clock.schedule(new Date(work.fireAt), () => {
      this.#timers.delete(key);
      this.#track(this.#deliver(instanceId, executionId, { kind: 'timer', id: work.timerId }, { type: 'timerFired', timerId: work.timerId, fireAt: work.fireAt }));
    });
    this.#timers.set(key, handle);
  }

  #runActivity(instanceId: string, executionId: string, work: ActivityWork): void {
    const run = (async () => {
      const fn = this.#function(work.name, 'activity');
      let message: InboxMessage;
      try {
        if (!fn) throw new Error(`The function '${work.name}' doesn't exist, is disabled, or is not an activity function.`);
        const result = await this.#options.invoker.invoke(fn, structuredClone(work.input));
        message = { type: 'taskCompleted', taskId: work.taskId, result: JSON.stringify(result === undefined ? null : result) };
      } catch (err) {
        const failure = failureDetailsOf(err);
        message = { type: 'taskFailed', taskId: work.taskId, reason: `Activity function '${work.name}' failed: ${failure.message}`, details: failure.details };
        if (failure.failureDetails) message.failureDetails = failure.failureDetails;
      }
      await this.#deliver(instanceId, executionId, { kind: 'task', id: work.taskId }, message);
    })();
    this.#track(run);
  }

  #startChild(parent: InstanceRecord, work: SubOrchestrationWork): void {
    const link: ParentLink = { instanceId: parent.instanceId, executionId: parent.executionId, taskId: work.taskId };
    void this.#withLock(work.instanceId, () => {
      if (this.#state === 'stopped') return;
      const existing = this.#records.get(work.instanceId);
      const sameLink =
        existing?.parent?.instanceId === link.instanceId && existing.parent.executionId === link.executionId && existing.parent.taskId === link.taskId;
      if (existing && sameLink) {
        // Already created before a restart: deliver its outcome if it has one.
        if (isTerminal(existing.runtimeStatus)) this.#notifyParent(existing);
        return;
      }
      if (existing && !isTerminal(existing.runtimeStatus)) {
        const reason = `Sub-orchestration '${work.name}' could not start: an Orchestration instance with the status ${existing.runtimeStatus} already exists with the id '${work.instanceId}'.`;
        this.#track(this.#deliver(link.instanceId, link.executionId, { kind: 'task', id: link.taskId }, { type: 'subOrchestrationFailed', taskId: link.taskId, reason, details: '' }));
        return;
      }
      const child = this.#newRecord(work.instanceId, work.name, work.input, link);
      this.#records.set(child.instanceId, child);
      this.#persist(child);
      this.#requestDrive(child.instanceId);
    });
  }

  #notifyParent(child: InstanceRecord): void {
    const link = child.parent;
    if (!link) return;
    let message: InboxMessage;
    if (child.runtimeStatus === 'Completed') {
      message = { type: 'subOrchestrationCompleted', taskId: link.taskId, result: JSON.stringify(child.output ?? null) };
    } else {
      const what = child.runtimeStatus === 'Terminated' ? `was terminated: ${String(child.output ?? '')}` : `failed: ${String(child.output ?? '')}`;
      message = { type: 'subOrchestrationFailed', taskId: link.taskId, reason: `Sub-orchestration '${child.instanceId}' ${what}`, details: '' };
    }
    this.#track(this.#deliver(link.instanceId, link.executionId, { kind: 'task', id: link.taskId }, message));
  }

  /**
   * Records a completion in the instance's inbox (removing the work it completes) and drives the instance. Late
   * results — for an older execution, cancelled work, a finished instance, or after a kill — are dropped.
   */
  #deliver(instanceId: string, executionId: string, target: { kind: 'task' | 'timer'; id: number }, message: InboxMessage): Promise<void> {
    return this.#withLock(instanceId, () => {
      if (this.#state === 'stopped') return;
      const record = this.#records.get(instanceId);
      if (!record || record.executionId !== executionId || isTerminal(record.runtimeStatus)) return;
      const index = record.work.findIndex((w) => (target.kind === 'timer' ? w.kind === 'timer' && w.timerId === target.id : w.kind !== 'timer' && w.taskId === target.id));
      if (index < 0) return;
      const [work] = record.work.splice(index, 1);
      record.inbox.push(work && message.type !== 'eventRaised' && message.type !== 'start' ? { ...message, work } : message);
      this.#persist(record);
      this.#requestDrive(instanceId);
    });
  }

  #query(query: InstanceQuery): InstanceRecord[] {
    return [...this.#records.values()]
      .filter((r) => !query.runtimeStatus || query.runtimeStatus.length === 0 || query.runtimeStatus.includes(r.runtimeStatus))
      .filter((r) => !query.createdTimeFrom || new Date(r.createdTime) >= query.createdTimeFrom)
      .filter((r) => !query.createdTimeTo || new Date(r.createdTime) <= query.createdTimeTo)
      .filter((r) => !query.instanceIdPrefix || r.instanceId.startsWith(query.instanceIdPrefix))
      .sort((a, b) => a.createdTime.localeCompare(b.createdTime) || a.instanceId.localeCompare(b.instanceId));
  }
}
