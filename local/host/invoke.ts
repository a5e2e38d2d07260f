/**
 * Runs one function invocation the way the worker does: a real `InvocationContext` (binding options from the
 * registration, logs routed to the host logger and the app's log hooks), the durable client binding data when the
 * function asked for it, and the app's pre/post invocation hooks around the handler.
 */
import { randomUUID } from 'node:crypto';
import { format } from 'node:util';
import { InvocationContext, type FunctionInput, type FunctionOutput, type FunctionTrigger, type TriggerMetadata } from '@azure/functions';
import type { HostLogger, LogLevel } from './logger';
import type { BindingInfo, FunctionRegistry, Handler, RegisteredFunction } from './registry';

export interface InvokerOptions {
  registry: FunctionRegistry;
  logger: HostLogger;
  /** Binding data for `durableClient` inputs; undefined when the host has no task hub. */
  durableClientData?: () => unknown;
}

export interface InvokeOptions {
  triggerMetadata?: TriggerMetadata;
  invocationId?: string;
}

function asTrigger(binding: BindingInfo): FunctionTrigger {
  return binding as unknown as FunctionTrigger;
}

export class Invoker {
  readonly #options: InvokerOptions;
  /** Shared by every app-level hook for the host's lifetime, as in the worker. */
  readonly appHookData: Record<string, unknown> = {};

  constructor(options: InvokerOptions) {
    this.#options = options;
  }

  createContext(fn: RegisteredFunction, options: InvokeOptions = {}): InvocationContext {
    const invocationId = options.invocationId ?? randomUUID();
    // The log handler needs the context it belongs to (log hooks receive it), which exists only after construction.
    const holder: { context?: InvocationContext } = {};
    const init: ConstructorParameters<typeof InvocationContext>[0] = {
      invocationId,
      functionName: fn.name,
      logHandler: (level, ...args) => this.#userLog(fn.name, invocationId, level, args, holder.context),
      options: {
        trigger: asTrigger(fn.trigger),
        return: fn.returnBinding as unknown as FunctionOutput | undefined,
        extraInputs: fn.extraInputs as unknown as FunctionInput[],
        extraOutputs: fn.extraOutputs as unknown as FunctionOutput[],
      },
    };
    if (options.triggerMetadata) init.triggerMetadata = options.triggerMetadata;
    const context = new InvocationContext(init);
    holder.context = context;
    if (fn.durableClientInput && this.#options.durableClientData) {
      context.extraInputs.set(fn.durableClientInput.name, this.#options.durableClientData());
    }
    return context;
  }

  /** Calls the registered handler with `(triggerInput, context)`; resolves to what it returned, rejects with what it threw. */
  async invoke(fn: RegisteredFunction, triggerInput: unknown, context: InvocationContext = this.createContext(fn)): Promise<unknown> {
    const hookData: Record<string, unknown> = {};
    const pre: Record<string, unknown> = {
      invocationContext: context,
      inputs: [triggerInput],
      functionCallback: fn.handler,
      hookData,
      appHookData: this.appHookData,
    };
    for (const hook of this.#options.registry.hooks('preInvocation')) await hook(pre);
    const inputs = Array.isArray(pre.inputs) ? (pre.inputs as unknown[]) : [triggerInput];
    const handler = typeof pre.functionCallback === 'function' ? (pre.functionCallback as Handler) : fn.handler;
    const post: Record<string, unknown> = { invocationContext: context, inputs, hookData, appHookData: this.appHookData };
    try {
      post.result = await handler(...inputs, context);
    } catch (err) {
      post.error = err;
    }
    for (const hook of this.#options.registry.hooks('postInvocation')) await hook(post);
    if (post.error !== undefined && post.error !== null) throw post.error;
    return post.result;
  }

  async runAppHooks(hookName: 'appStart' | 'appTerminate', functionAppDirectory: string): Promise<void> {
    for (const hook of this.#options.registry.hooks(hookName)) {
      await hook({ hookData: {}, appHookData: this.appHookData, functionAppDirectory });
    }
  }

  #userLog(functionName: string, invocationId: string, level: LogLevel, args: unknown[], context: InvocationContext | undefined): void {
    let finalLevel = level;
    let message = format(...args);
    for (const hook of this.#options.registry.hooks('log')) {
      // The library's LogHookContext writes level/message changes into the object it wraps; read them back.
      const hookContext: Record<string, unknown> = {
        level: finalLevel,
        message,
        category: 'user',
        invocationContext: context,
        hookData: {},
        appHookData: this.appHookData,
      };
      try {
        hook(hookContext);
        finalLevel = hookContext.level as LogLevel;
        message = String(hookContext.message);
      } catch (err) {
        this.#options.logger({ level: 'error', category: 'system', message: `log hook failed: ${String(err)}` });
      }
    }
    this.#options.logger({ level: finalLevel, category: 'user', message, functionName, invocationId });
  }
}
