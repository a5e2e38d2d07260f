/**
 * Loads the function app's modules with the `@azure/functions-core` shim in place, so their `app.*` / `df.app.*` calls
 * register with the host instead of switching `@azure/functions` into test mode.
 */
import fs from 'node:fs';
import path from 'node:path';
import { FUNCTIONS_CORE_MODULE, installFunctionsCore, isFunctionsCoreShim } from './functionsCore';
import { FunctionRegistry, getDefaultRegistry } from './registry';

export interface LoadFunctionAppOptions {
  /**
   * Module paths, absolute or relative to `baseDir`: the compiled `dist/functions/*.js` (a `*` in the file name is
   * expanded, as in package.json's `main`), or TS modules under jest.
   */
  modules: string[];
  registry?: FunctionRegistry;
  /** Defaults to the current directory. */
  baseDir?: string;
}

const JEST_HINT =
  "Under jest, mock the core before anything imports '@azure/functions': " +
  "jest.mock('@azure/functions-core', () => require('<repo>/local/host').createFunctionsCore(), { virtual: true })";

/** `require` through the caller's module system: jest's registry (with its mocks and TS transform) under jest. */
function load(modulePath: string): unknown {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- dynamic paths, and jest must see these requires
  return require(modulePath);
}

function ensureCore(registry: FunctionRegistry): void {
  let core: unknown;
  try {
    core = load(FUNCTIONS_CORE_MODULE);
  } catch {
    installFunctionsCore(registry);
    try {
      core = load(FUNCTIONS_CORE_MODULE);
    } catch {
      throw new Error(`loadFunctionApp: '${FUNCTIONS_CORE_MODULE}' cannot be resolved. ${JEST_HINT}`);
    }
  }
  if (!isFunctionsCoreShim(core)) {
    throw new Error(`loadFunctionApp: '${FUNCTIONS_CORE_MODULE}' resolves to something other than the local host's shim`);
  }
  if (core.registry !== registry) {
    throw new Error('loadFunctionApp: the installed functions-core shim writes into a different registry than the one given');
  }
}

function expand(baseDir: string, pattern: string): string[] {
  const absolute = path.resolve(baseDir, pattern);
  const fileName = path.basename(absolute);
  if (!fileName.includes('*')) return [absolute];
  const dir = path.dirname(absolute);
  const regex = new RegExp(`^${fileName.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
  let entries: string[];
  try {
    entries = fs.readdirSync(dir);
  } catch {
    throw new Error(`loadFunctionApp: folder ${dir} (from "${pattern}") does not exist; build the app first?`);
  }
  return entries
    .filter((entry) => regex.test(entry) && !entry.endsWith('.d.ts') && !entry.endsWith('.map'))
    .sort()
    .map((entry) => path.join(dir, entry));
}

/**
 * Requires each module and returns the registry. Modules already loaded in this process (a second host in the same
 * test) are not re-run; their registrations are already in the registry.
 */
export function loadFunctionApp(options: LoadFunctionAppOptions): FunctionRegistry {
  const registry = options.registry ?? getDefaultRegistry();
  const baseDir = options.baseDir ?? process.cwd();
  if (options.modules.length === 0) throw new Error('loadFunctionApp: no modules given');
  ensureCore(registry);
  const files = options.modules.flatMap((pattern) => expand(baseDir, pattern));
  if (files.length === 0) throw new Error(`loadFunctionApp: no files match ${options.modules.join(', ')}`);
  for (const file of files) {
    try {
      load(file);
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      throw new Error(`loadFunctionApp: loading ${file} failed: ${reason}`, { cause: err });
    }
  }
  if (registry.size === 0) {
    throw new Error(
      `loadFunctionApp: ${files.join(', ')} registered no functions. Either they register nothing, or ` +
        "'@azure/functions' was already in test mode (it was used before the shim was installed).",
    );
  }
  return registry;
}
