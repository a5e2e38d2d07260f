/**
 * What the function app registered: every `app.*` / `df.app.*` call ends in `registerFunction(metadata, handler)` on
 * `@azure/functions-core`, which our shim forwards here. The host reads triggers and bindings from this metadata only,
 * never from the app's source, so it runs exactly what Azure would run.
 */

export type Handler = (...args: unknown[]) => unknown;

/** One binding as `@azure/functions` describes it to the worker (`toCoreFunctionMetadata`). */
export interface CoreBinding {
  type?: string;
  direction?: 'in' | 'out' | 'inout';
  name?: string;
  [property: string]: unknown;
}

export interface CoreFunctionMetadata {
  name: string;
  bindings?: Record<string, CoreBinding>;
  retryOptions?: unknown;
  [property: string]: unknown;
}

export interface BindingInfo {
  name: string;
  type: string;
  direction: 'in' | 'out' | 'inout';
  [property: string]: unknown;
}

export type TriggerKind = 'http' | 'eventGrid' | 'timer' | 'orchestration' | 'activity' | 'entity' | 'other';

export interface HttpTriggerInfo {
  /** Upper-case; undefined means every method. */
  methods?: string[];
  /** Route template without leading/trailing slashes; the function name when the app gave none. */
  route: string;
  /** Recorded but not enforced by the local host. */
  authLevel: string;
}

export interface TimerTriggerInfo {
  schedule: string;
  runOnStartup: boolean;
  useMonitor: boolean;
}

export interface RegisteredFunction {
  name: string;
  kind: TriggerKind;
  trigger: BindingInfo;
  extraInputs: BindingInfo[];
  extraOutputs: BindingInfo[];
  returnBinding?: BindingInfo;
  /** The `durableClient` input `df.app.client.*` / `df.input.durableClient()` added, if any. */
  durableClientInput?: BindingInfo;
  http?: HttpTriggerInfo;
  timer?: TimerTriggerInfo;
  /** The metadata exactly as `@azure/functions` passed it. */
  metadata: CoreFunctionMetadata;
  /** The exact handler the real worker would call (for `df.app.*`, the library's wrapper around the app's function). */
  handler: Handler;
}

export type HookName = 'appStart' | 'appTerminate' | 'preInvocation' | 'postInvocation' | 'log';
export const HOOK_NAMES: readonly HookName[] = ['appStart', 'appTerminate', 'preInvocation', 'postInvocation', 'log'];
export type HookCallback = (context: Record<string, unknown>) => unknown;

export type SystemLogSink = (level: string, category: string, message: string) => void;

const RETURN_BINDING = '$return';

function isTriggerType(type: string | undefined): boolean {
  return !!type && /trigger$/i.test(type);
}

function kindOf(triggerType: string): TriggerKind {
  switch (triggerType.toLowerCase()) {
    case 'httptrigger':
      return 'http';
    case 'eventgridtrigger':
      return 'eventGrid';
    case 'timertrigger':
      return 'timer';
    case 'orchestrationtrigger':
      return 'orchestration';
    case 'activitytrigger':
      return 'activity';
    case 'entitytrigger':
      return 'entity';
    default:
      return 'other';
  }
}

export function isDurableClientBinding(binding: { type?: unknown }): boolean {
  return binding.type === 'durableClient' || binding.type === 'orchestrationClient';
}

function toBinding(name: string, binding: CoreBinding): BindingInfo {
  return { ...binding, name, type: String(binding.type ?? 'unknown'), direction: binding.direction ?? 'in' };
}

/** Builds the host's view of one registration; throws naming the function when the metadata is unusable. */
export function describeRegistration(metadata: CoreFunctionMetadata, handler: Handler): RegisteredFunction {
  const name = metadata.name;
  if (typeof name !== 'string' || name.trim() === '') throw new Error('registerFunction: metadata.name must be a non-empty string');
  if (typeof handler !== 'function') throw new Error(`registerFunction: the handler of function "${name}" is not a function`);
  let trigger: BindingInfo | undefined;
  let returnBinding: BindingInfo | undefined;
  const extraInputs: BindingInfo[] = [];
  const extraOutputs: BindingInfo[] = [];
  for (const [bindingName, raw] of Object.entries(metadata.bindings ?? {})) {
    const binding = toBinding(bindingName, raw);
    if (isTriggerType(raw.type)) {
      if (trigger) throw new Error(`function "${name}" has more than one trigger binding`);
      trigger = binding;
    } else if (bindingName === RETURN_BINDING) returnBinding = binding;
    else if (binding.direction === 'out') extraOutputs.push(binding);
    else extraInputs.push(binding);
  }
  if (!trigger) throw new Error(`function "${name}" has no trigger binding`);
  const fn: RegisteredFunction = {
    name,
    kind: kindOf(trigger.type),
    trigger,
    extraInputs,
    extraOutputs,
    metadata,
    handler,
  };
  if (returnBinding) fn.returnBinding = returnBinding;
  const clientInput = extraInputs.find(isDurableClientBinding);
  if (clientInput) fn.durableClientInput = clientInput;
  if (fn.kind === 'http') {
    const methods = Array.isArray(trigger.methods) ? trigger.methods.map((m) => String(m).toUpperCase()) : undefined;
    const route = typeof trigger.route === 'string' && trigger.route.trim() !== '' ? trigger.route : name;
    fn.http = {
      route: route.replace(/^\/+|\/+$/g, ''),
      authLevel: typeof trigger.authLevel === 'string' ? trigger.authLevel : 'function',
    };
    if (methods && methods.length > 0) fn.http.methods = methods;
  }
  if (fn.kind === 'timer') {
    if (typeof trigger.schedule !== 'string' || trigger.schedule.trim() === '') {
      throw new Error(`timer function "${name}" has no schedule`);
    }
    fn.timer = {
      schedule: trigger.schedule,
      runOnStartup: trigger.runOnStartup === true,
      useMonitor: trigger.useMonitor !== false,
    };
  }
  return fn;
}

/**
 * Bindings the local host does not execute (anything but the trigger, the HTTP return value and the durable client).
 * The host warns about them at start so nobody believes a queue output was written.
 */
export function unsupportedBindings(fn: RegisteredFunction): string[] {
  const problems: string[] = [];
  if (fn.kind === 'other' || fn.kind === 'entity') problems.push(`trigger type "${fn.trigger.type}" is not run by the local host`);
  for (const input of fn.extraInputs) {
    if (!isDurableClientBinding(input)) problems.push(`input binding "${input.name}" (${input.type}) is not provided`);
  }
  for (const output of fn.extraOutputs) problems.push(`output binding "${output.name}" (${output.type}) is not written`);
  if (fn.returnBinding && fn.returnBinding.type.toLowerCase() !== 'http') {
    problems.push(`return binding (${fn.returnBinding.type}) is not written`);
  }
  return problems;
}

/** Function names are case-insensitive in Azure Functions, so lookups are too. */
function key(name: string): string {
  return name.toLowerCase();
}

export class FunctionRegistry {
  readonly #functions = new Map<string, RegisteredFunction>();
  readonly #hooks = new Map<HookName, Set<HookCallback>>();
  /** What `@azure/functions` passed to `setProgrammingModel` (its `ProgrammingModel`); kept for completeness. */
  programmingModel: unknown;
  /** Receives the library's system logs (`coreApi.log`); the running host points it at its logger. */
  systemLogSink: SystemLogSink | undefined;

  register(metadata: CoreFunctionMetadata, handler: Handler): RegisteredFunction {
    const fn = describeRegistration(metadata, handler);
    if (this.#functions.has(key(fn.name))) {
      throw new Error(`A function with the name "${fn.name}" has already been registered.`);
    }
    this.#functions.set(key(fn.name), fn);
    return fn;
  }

  unregister(name: string): void {
    this.#functions.delete(key(name));
  }

  get(name: string): RegisteredFunction | undefined {
    return this.#functions.get(key(name));
  }

  list(kind?: TriggerKind): RegisteredFunction[] {
    const all = [...this.#functions.values()];
    return kind ? all.filter((fn) => fn.kind === kind) : all;
  }

  get size(): number {
    return this.#functions.size;
  }

  addHook(hookName: string, callback: HookCallback): () => void {
    if (!(HOOK_NAMES as readonly string[]).includes(hookName)) {
      // The real worker throws a RangeError here too; the library relies on it for hooks the host lacks.
      const err = new RangeError(`Unrecognized hook "${hookName}"`);
      (err as { isAzureFunctionsSystemError?: boolean }).isAzureFunctionsSystemError = true;
      throw err;
    }
    const set = this.#hooks.get(hookName as HookName) ?? new Set<HookCallback>();
    this.#hooks.set(hookName as HookName, set);
    set.add(callback);
    return () => set.delete(callback);
  }

  hooks(hookName: HookName): HookCallback[] {
    return [...(this.#hooks.get(hookName) ?? [])];
  }

  /** Forgets every registration and hook (tests that build several apps in one process). */
  clear(): void {
    this.#functions.clear();
    this.#hooks.clear();
  }
}

let defaultRegistry: FunctionRegistry | undefined;

/** The process-wide registry the shim writes into unless told otherwise (the real worker is process-wide too). */
export function getDefaultRegistry(): FunctionRegistry {
  defaultRegistry ??= new FunctionRegistry();
  return defaultRegistry;
}
