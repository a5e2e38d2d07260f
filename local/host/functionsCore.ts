/**
 * A stand-in for `@azure/functions-core`, the module the real Node worker provides to `@azure/functions`. The library
 * calls `setProgrammingModel`, `registerFunction`, `registerHook` and `log` on it; we record registrations in a
 * `FunctionRegistry` so the local host can run the very same handlers.
 */
import Module from 'node:module';
import path from 'node:path';
import { FunctionRegistry, getDefaultRegistry, type CoreFunctionMetadata, type Handler, type HookCallback } from './registry';

export const FUNCTIONS_CORE_MODULE = '@azure/functions-core';
const SHIM_MARKER = Symbol.for('driftwarden.localHost.functionsCore');

/** The disposable the real core returns; `@azure/functions` only calls `dispose()`. */
export class Disposable {
  #callback: (() => void) | undefined;
  constructor(callback: () => void) {
    this.#callback = callback;
  }
  dispose(): void {
    const callback = this.#callback;
    this.#callback = undefined;
    callback?.();
  }
}

export interface FunctionsCoreShim {
  readonly [SHIM_MARKER]: true;
  readonly registry: FunctionRegistry;
  readonly version: string;
  readonly hostVersion: string;
  setProgrammingModel(model: unknown): void;
  getProgrammingModel(): unknown;
  registerFunction(metadata: CoreFunctionMetadata, callback: Handler): Disposable;
  registerHook(hookName: string, callback: HookCallback): Disposable;
  log(level: string, category: string, message: string): void;
  Disposable: typeof Disposable;
}

/**
 * The core module object. Under jest:
 * `jest.mock('@azure/functions-core', () => require('<repo>/local/host').createFunctionsCore(), { virtual: true })`.
 */
export function createFunctionsCore(registry: FunctionRegistry = getDefaultRegistry()): FunctionsCoreShim {
  return {
    [SHIM_MARKER]: true,
    registry,
    version: '3.10.1-driftwarden-local',
    hostVersion: '4.1040.0-driftwarden-local',
    setProgrammingModel(model: unknown) {
      registry.programmingModel = model;
    },
    getProgrammingModel() {
      return registry.programmingModel;
    },
    registerFunction(metadata: CoreFunctionMetadata, callback: Handler) {
      const fn = registry.register(metadata, callback);
      return new Disposable(() => registry.unregister(fn.name));
    },
    registerHook(hookName: string, callback: HookCallback) {
      return new Disposable(registry.addHook(hookName, callback));
    },
    log(level: string, category: string, message: string) {
      if (registry.systemLogSink) registry.systemLogSink(level, category, message);
      else if (level === 'warning' || level === 'error' || level === 'critical') console.warn(message);
    },
    Disposable,
  };
}

export function isFunctionsCoreShim(value: unknown): value is FunctionsCoreShim {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[SHIM_MARKER] === true;
}

interface ModuleInternals {
  _resolveFilename(request: string, parent: unknown, ...rest: unknown[]): string;
  _cache: Record<string, unknown>;
}

/** A filename nothing on disk has, used as the cache key of the shim. */
const SHIM_FILENAME = path.join(__dirname, '__virtual__', 'azure-functions-core.js');
let installed: FunctionsCoreShim | undefined;

/**
 * Makes `require('@azure/functions-core')` return the shim in a plain Node process. Call it before any function
 * module registers anything: `@azure/functions` looks the core up on its first `app.*` call and caches the answer.
 * Idempotent for one registry; a second registry is refused because the library would never see it.
 */
export function installFunctionsCore(registry: FunctionRegistry = getDefaultRegistry()): FunctionsCoreShim {
  if (installed) {
    if (installed.registry !== registry) {
      throw new Error('installFunctionsCore: the shim is already installed with another registry in this process');
    }
    return installed;
  }
  const internals = Module as unknown as ModuleInternals;
  const shim = createFunctionsCore(registry);
  const cached = new Module(SHIM_FILENAME);
  cached.filename = SHIM_FILENAME;
  cached.loaded = true;
  cached.exports = shim;
  internals._cache[SHIM_FILENAME] = cached;
  const originalResolve = internals._resolveFilename;
  internals._resolveFilename = function resolveFunctionsCore(this: unknown, request: string, parent: unknown, ...rest: unknown[]) {
    if (request === FUNCTIONS_CORE_MODULE) return SHIM_FILENAME;
    return originalResolve.call(this, request, parent, ...rest);
  };
  installed = shim;
  return shim;
}
