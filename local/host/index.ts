/**
 * The local Functions host: runs the app's `functions/` registrations (HTTP, Event Grid, timers, durable
 * orchestrations and activities) without Azure Functions Core Tools. See README.md in this folder.
 */
export { FakeClock, systemClock, type Clock, type TimerHandle } from './clock';
export { durableClientData, type DurableClientData } from './durable/clientData';
export { EventType as HistoryEventType, type HistoryEvent } from './durable/history';
export type { InstanceStatus, StatusOptions } from './durable/status';
export { TaskHub, validateInstanceId, type InstanceQuery, type StartResult } from './durable/taskHub';
export { isTerminal, type InstanceRecord, type RuntimeStatus } from './durable/types';
export { EVENT_GRID_PATH } from './eventGrid';
export { createFunctionsCore, installFunctionsCore, isFunctionsCoreShim, FUNCTIONS_CORE_MODULE, type FunctionsCoreShim } from './functionsCore';
export { DEFAULT_DATA_DIR, DEFAULT_TASK_HUB, startLocalHost, waitForInstance, type LocalHostOptions, type RunningHost } from './host';
export { loadFunctionApp, type LoadFunctionAppOptions } from './loader';
export { consoleLogger, silentLogger, type HostLogger, type LogEntry, type LogLevel } from './logger';
export { NcrontabError, parseNcrontab, type CronSchedule } from './ncrontab';
export { FunctionRegistry, getDefaultRegistry, type RegisteredFunction, type TriggerKind } from './registry';
export { compileRoute } from './routeTemplate';
