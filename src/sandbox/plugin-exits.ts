// What a plugin's compartments get from outside their archive: Node builtins, the SDK and the
// globals its manifest may declare. compartment-mapper has already checked the package's policy
// when it asks for one of these; this module decides what the granted thing actually is.
//
// Node gives every module in the process one copy of each builtin, and the runtime uses some of
// them too, so a plugin must not be able to change a builtin for anyone else:
//   - each import gets its own module namespace (SES makes one per compartment), whose bindings
//     are taken once from the builtin as Node's ES module namespace of it would be (`default` and
//     every enumerable export), from the module itself (process.getBuiltinModule): Node's ES
//     facade of node:http reads its lazy exports and so loads undici (~30 ms of a sandbox's
//     start), and the few exports that would load it (LAZY_EXPORTS) are reached through `default`;
//   - every plain object reachable from those exports through data properties (the CommonJS
//     `default` object, `fs.promises`, `path.posix`, `fs.constants`, ...) is copied and frozen, so
//     `fs.default.readFile = evil` fails instead of rewriting every other plugin's `fs`;
//   - functions and classes are shared as they are. Their prototypes (streams, sockets, Stats,
//     URL) stay mutable: a plugin granted a builtin that hands out such objects could change them
//     for the whole sandbox. That is part of what granting a builtin means (docs/plugins.md); the
//     ones the runtime itself relies on (Buffer) are hardened.

import process from 'node:process';
import { canonicalBuiltin, PLUGIN_GLOBALS, SDK_SPECIFIER } from '../plugin/grants.ts';
import * as sdk from '../plugin/index.ts';

/**
 * Exports that load a large part of Node when read (node:http's WebSocket, CloseEvent and
 * MessageEvent are undici's): not named exports of a plugin's builtin; a plugin that wants one
 * reads it from the default export (`http.WebSocket`), which reads it only then.
 */
const LAZY_EXPORTS: Readonly<Record<string, readonly string[]>> = {
  'node:http': ['WebSocket', 'CloseEvent', 'MessageEvent'],
};

/** A virtual module as compartment-mapper takes it from an exit hook. */
export interface ExitModule {
  imports: string[];
  exports: string[];
  execute(moduleExports: Record<string, unknown>): void;
}

const { freeze, getPrototypeOf, getOwnPropertyDescriptors, defineProperty, create } = Object;

const isPlainObject = (value: unknown): value is object => {
  if (value === null || typeof value !== 'object') return false;
  if (Object.prototype.toString.call(value) === '[object Module]') return false;
  const proto = getPrototypeOf(value);
  return proto === Object.prototype || proto === null || Array.isArray(value);
};

/** A frozen copy of the plain objects in `value`; functions and class instances are shared. */
function frozenCopy(value: unknown, copies: Map<object, object>): unknown {
  if (!isPlainObject(value)) return value;
  const known = copies.get(value);
  if (known) return known;
  const out: Record<PropertyKey, unknown> = Array.isArray(value) ? [] : create(getPrototypeOf(value));
  copies.set(value, out);
  for (const [key, desc] of Object.entries(getOwnPropertyDescriptors(value))) {
    const enumerable = desc.enumerable ?? false;
    if ('value' in desc) {
      defineProperty(out, key, {
        value: frozenCopy(desc.value, copies),
        enumerable,
        writable: false,
        configurable: false,
      });
      continue;
    }
    // A getter (fs.promises, or a deprecated export that warns when read) is read when the plugin
    // first reads it, and what it returned is copied like the rest; there is no setter.
    const get = desc.get;
    let read = false;
    let copy: unknown;
    defineProperty(out, key, {
      get() {
        if (!read) {
          copy = frozenCopy(get?.call(value), copies);
          read = true;
        }
        return copy;
      },
      enumerable,
      configurable: false,
    });
  }
  return freeze(out);
}

function moduleOf(entries: Iterable<[string, unknown]>): ExitModule {
  const bindings = freeze(Object.fromEntries(entries));
  return freeze({
    imports: [],
    exports: Object.keys(bindings),
    execute(moduleExports: Record<string, unknown>) {
      for (const [name, value] of Object.entries(bindings)) moduleExports[name] = value;
    },
  });
}

// The SDK's functions are the runtime's own; frozen so no plugin can change them for the others.
// zod (the SDK's `z`) cannot be frozen (it defines members on its prototypes as they are first
// used); the membrane does not rely on zod's shared prototypes (see membrane.ts).
for (const value of Object.values(sdk)) if (typeof value === 'function') harden(value);
const sdkModule = moduleOf(Object.entries(sdk));

/**
 * The exit hook and the globals for plugin compartments. `prepare` takes each builtin a plugin was
 * granted before that plugin runs. The values come from Node's ES module namespace of the builtin,
 * whose bindings no plugin can change (plugins only ever get these copies, never Node's CommonJS
 * objects), so what one plugin did before cannot change what the next one receives.
 */
export class PluginExits {
  readonly #builtins = new Map<string, ExitModule>();

  /** Take each of these builtins (canonical `node:` names) as it is now. */
  async prepare(builtins: Iterable<string>): Promise<void> {
    for (const specifier of builtins) {
      if (this.#builtins.has(specifier)) continue;
      const builtin = process.getBuiltinModule(specifier) as Record<string, unknown> | undefined;
      if (builtin === undefined) throw new Error(`${specifier} is not a Node builtin`);
      const lazy = LAZY_EXPORTS[specifier] ?? [];
      const names = Object.keys(builtin).filter((name) => name !== 'default' && !lazy.includes(name));
      const copies = new Map<object, object>();
      this.#builtins.set(
        specifier,
        moduleOf([
          ['default', frozenCopy(builtin, copies)],
          ...names.map((name): [string, unknown] => [name, frozenCopy(builtin[name], copies)]),
        ]),
      );
    }
  }

  /** For compartment-mapper's `importHook`: the module an exit specifier names. */
  readonly importHook = async (specifier: string): Promise<ExitModule | undefined> => {
    if (specifier === SDK_SPECIFIER) return sdkModule;
    const builtin = canonicalBuiltin(specifier);
    if (builtin === undefined) return undefined;
    const module = this.#builtins.get(builtin);
    // The policy allowed it, so prepare() was told about it; if not, refuse rather than guess.
    if (module === undefined) throw new Error(`${builtin} was not prepared for plugins`);
    return module;
  };

  /**
   * The globals a package may declare, read from the sandbox's own global scope and hardened when
   * first granted; compartment-mapper copies only those each package's policy lists.
   */
  readonly globals: object = (() => {
    const globals = {};
    for (const name of Object.keys(PLUGIN_GLOBALS)) {
      defineProperty(globals, name, {
        enumerable: true,
        get: () => {
          const value: unknown = Reflect.get(globalThis, name);
          return value === undefined ? undefined : harden(value);
        },
      });
    }
    return freeze(globals);
  })();
}

// Buffer reaches every plugin that is handed bytes by a builtin, and the runtime writes its reports
// with it: nobody may replace Buffer.from under the runtime.
harden(Buffer);
