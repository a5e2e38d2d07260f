/**
 * Reading the `OrchestratorState` the out-of-proc orchestrator returns. With replay schema V2+ its `actions` hold
 * every action since the execution started (not only the new ones), compound WhenAny/WhenAll actions nest their
 * children, and a task already scheduled may appear again inside a later compound (same object within one episode).
 * The replay engine numbers id-consuming tasks in first-appearance order; `scanActions` lists them in that order.
 */

export const ActionType = {
  CallActivity: 0,
  CallActivityWithRetry: 1,
  CallSubOrchestrator: 2,
  CallSubOrchestratorWithRetry: 3,
  ContinueAsNew: 4,
  CreateTimer: 5,
  WaitForExternalEvent: 6,
  CallEntity: 7,
  CallHttp: 8,
  SignalEntity: 9,
  WhenAny: 11,
  WhenAll: 12,
  LockEntities: 13,
  ReleaseEntities: 14,
} as const;

const UNSUPPORTED: Record<number, string> = {
  [ActionType.CallEntity]: 'callEntity (durable entities)',
  [ActionType.CallHttp]: 'callHttp (durable HTTP)',
  [ActionType.SignalEntity]: 'signalEntity (durable entities)',
  [ActionType.LockEntities]: 'lock (durable entities)',
  [ActionType.ReleaseEntities]: 'entity locks',
};

export interface OrchestratorAction {
  actionType: number;
  functionName?: string;
  input?: unknown;
  retryOptions?: unknown;
  fireAt?: unknown;
  isCanceled?: boolean;
  externalEventName?: string;
  instanceId?: string;
  compoundActions?: OrchestratorAction[];
}

export interface OrchestratorStateLike {
  isDone: boolean;
  actions: unknown[];
  output?: unknown;
  customStatus?: unknown;
  error?: string;
}

export interface ActionScan {
  /** Distinct id-consuming actions (activities, timers, sub-orchestrations) in the order the engine numbers them. */
  tasks: OrchestratorAction[];
  continueAsNew?: OrchestratorAction;
  /** Set when the orchestrator used something the local host cannot run; the text names it. */
  unsupported?: string;
}

export function isOrchestratorState(value: unknown): value is OrchestratorStateLike {
  return typeof value === 'object' && value !== null && typeof (value as OrchestratorStateLike).isDone === 'boolean' && Array.isArray((value as OrchestratorStateLike).actions);
}

export function scanActions(actions: readonly unknown[]): ActionScan {
  const scan: ActionScan = { tasks: [] };
  const seen = new Set<object>();
  const visit = (raw: unknown): void => {
    if (Array.isArray(raw)) {
      raw.forEach(visit);
      return;
    }
    if (typeof raw !== 'object' || raw === null) return;
    const action = raw as OrchestratorAction;
    switch (action.actionType) {
      case ActionType.WhenAny:
      case ActionType.WhenAll:
        (action.compoundActions ?? []).forEach(visit);
        return;
      case ActionType.WaitForExternalEvent:
        return;
      case ActionType.ContinueAsNew:
        scan.continueAsNew = action;
        return;
      case ActionType.CallActivity:
      case ActionType.CallActivityWithRetry:
      case ActionType.CallSubOrchestrator:
      case ActionType.CallSubOrchestratorWithRetry:
      case ActionType.CreateTimer:
        if (seen.has(action)) return;
        seen.add(action);
        scan.tasks.push(action);
        return;
      default:
        scan.unsupported ??= UNSUPPORTED[action.actionType] ?? `action type ${String(action.actionType)}`;
    }
  };
  visit(actions);
  return scan;
}

/**
 * Activity and continue-as-new inputs arrive as the library's `Utils.processInput` left them: strings JSON-encoded,
 * anything else as is. The extension decodes the string form, so the activity receives the original string.
 */
export function decodeActionInput(input: unknown): unknown {
  if (typeof input !== 'string') return input;
  try {
    return JSON.parse(input) as unknown;
  } catch {
    return input;
  }
}
