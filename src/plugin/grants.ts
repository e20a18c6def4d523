// What a plugin package may be granted, as data: the globals a manifest may declare, the builtins
// a runtime allows by default, and how builtin specifiers are spelled. No zod and nothing else
// heavy: the CLI reads this before it starts a sandbox, and every other module of the plugin
// machinery builds on it.
import { builtinModules } from 'node:module';

/** A plugin's name as policies write it (`plugin: <name>`); definePlugin checks the same rule. */
export const PLUGIN_NAME = /^[a-z][a-z0-9-]*$/;

/** The one module every plugin may import: the SDK, the runtime's own instance of it. */
export const SDK_SPECIFIER = 'sesame/plugin';

/**
 * Globals a package may declare, beyond what SES gives every compartment (the JavaScript
 * built-ins, with `Date.now()` and `Math.random()` disabled). Each value is the sandbox's own,
 * hardened before it is granted. `process`, `require`, `console`, `fetch` and `globalThis`
 * properties not listed here cannot be declared at all.
 */
export const PLUGIN_GLOBALS: Readonly<Record<string, string>> = Object.freeze({
  Date: 'the current time (Date.now(), new Date())',
  Math: 'Math with a working Math.random()',
  Buffer: "Node's Buffer",
  TextEncoder: 'UTF-8 encoding',
  TextDecoder: 'text decoding',
  URL: 'the WHATWG URL parser',
  URLSearchParams: 'URL query strings',
  URLPattern: 'URL patterns (where this Node has them)',
  AbortController: 'abort signals',
  AbortSignal: 'abort signals',
  setTimeout: 'timers',
  clearTimeout: 'timers',
  setInterval: 'timers',
  clearInterval: 'timers',
  setImmediate: 'timers',
  clearImmediate: 'timers',
  queueMicrotask: 'microtasks',
  structuredClone: 'structured cloning',
  atob: 'base64 decoding',
  btoa: 'base64 encoding',
});

/**
 * Builtins a runtime allows plugins to declare unless the host says otherwise (`allowBuiltins`):
 * ordinary I/O and utilities. Left out on purpose, so that a host must name them to allow them:
 * modules that reach the sandbox process itself or code beside the plugin (`process`,
 * `child_process`, `worker_threads`, `cluster`, `vm`, `v8`, `inspector`, `module`, `repl`, `wasi`,
 * `async_hooks`, `diagnostics_channel`, `trace_events`, `perf_hooks`, `sqlite`, `test`, ...).
 */
export const DEFAULT_ALLOWED_BUILTINS: readonly string[] = Object.freeze([
  'node:assert',
  'node:assert/strict',
  'node:buffer',
  'node:crypto',
  'node:dgram',
  'node:dns',
  'node:dns/promises',
  'node:events',
  'node:fs',
  'node:fs/promises',
  'node:http',
  'node:http2',
  'node:https',
  'node:net',
  'node:os',
  'node:path',
  'node:path/posix',
  'node:path/win32',
  'node:punycode',
  'node:querystring',
  'node:readline',
  'node:readline/promises',
  'node:stream',
  'node:stream/consumers',
  'node:stream/promises',
  'node:stream/web',
  'node:string_decoder',
  'node:timers',
  'node:timers/promises',
  'node:tls',
  'node:url',
  'node:util',
  'node:util/types',
  'node:zlib',
]);

const KNOWN_BUILTINS: ReadonlySet<string> = new Set(
  builtinModules.map((name) => (name.startsWith('node:') ? name : `node:${name}`)),
);

/** Whether `specifier` is a Node builtin written the canonical way, `node:x`. */
export function isBuiltin(specifier: string): boolean {
  return specifier.startsWith('node:') && KNOWN_BUILTINS.has(specifier);
}

/** `fs` and `node:fs` name one module: the `node:` spelling, or undefined for no builtin. */
export function canonicalBuiltin(specifier: string): string | undefined {
  const spelled = specifier.startsWith('node:') ? specifier : `node:${specifier}`;
  return KNOWN_BUILTINS.has(spelled) ? spelled : undefined;
}

/** Both spellings code may use for a builtin declared as `node:x` (some exist only as `node:x`). */
export function builtinSpellings(canonical: string): string[] {
  const bare = canonical.slice('node:'.length);
  return builtinModules.includes(bare) ? [canonical, bare] : [canonical];
}
