// The policy file, version 1: the one zod schema that is the validator, the TypeScript type and
// (through json-schema.ts) the JSON Schema editors use. Deny by default: every object is strict,
// so a misspelt key is an error rather than a silently ignored grant or limit.
import type { AnyPlugin, ConfigSchema } from '../plugin/index.ts';
import { SECRET_NAME, z } from '../plugin/index.ts';
import type { Limits, Rate } from '../protocol.ts';

/** One run limit: its bounds, its default and the line of docs editors show. */
interface LimitSpec {
  min: number;
  max: number;
  default: number;
  doc: string;
}

// Limits as data: the schema, DEFAULT_LIMITS and the docs all come from this table.
const LIMIT_SPECS = Object.freeze({
  timeoutMs: Object.freeze({
    min: 1,
    max: 600_000,
    default: 2000,
    doc: 'Wall-clock time for the whole run, in milliseconds; the worker is terminated when it runs out.',
  }),
  memoryMb: Object.freeze({
    min: 16,
    max: 8192,
    default: 64,
    doc: 'Heap for the sandbox worker, in MiB (V8 resourceLimits).',
  }),
  maxCalls: Object.freeze({
    min: 0,
    max: 10_000_000,
    default: 1000,
    doc: 'Capability calls allowed in one run, across all capabilities.',
  }),
  maxOutputBytes: Object.freeze({
    min: 0,
    max: 64 * 1024 * 1024,
    default: 65536,
    doc: "Size of the script's result as JSON, in bytes.",
  }),
  approvalTimeoutMs: Object.freeze({
    min: 1,
    max: 3_600_000,
    default: 60_000,
    doc: "How long one call may wait for the host's approval (methods marked approve), in milliseconds; the run's timeout is paused meanwhile. Running out denies the call.",
  }),
}) satisfies Readonly<Record<keyof Limits, LimitSpec>>;

/** The limits a policy gets for every key it leaves out. */
export const DEFAULT_LIMITS: Readonly<Limits> = Object.freeze({
  timeoutMs: LIMIT_SPECS.timeoutMs.default,
  memoryMb: LIMIT_SPECS.memoryMb.default,
  maxCalls: LIMIT_SPECS.maxCalls.default,
  maxOutputBytes: LIMIT_SPECS.maxOutputBytes.default,
  approvalTimeoutMs: LIMIT_SPECS.approvalTimeoutMs.default,
});

/** The smallest and largest value the schema accepts for each limit. */
export const LIMIT_BOUNDS: Readonly<Record<keyof Limits, { readonly min: number; readonly max: number }>> =
  LIMIT_SPECS;

/**
 * Names a capability may not take, grouped by why. A capability is installed as a guest global, so
 * one of these names would shadow something the script or the sandbox relies on, or (for the host
 * names) make `policy explain`'s "no process, no require" read as a lie.
 */
export const RESERVED_NAMES: readonly { readonly why: string; readonly names: readonly string[] }[] =
  Object.freeze(
    [
      { why: 'provided by sesame to every script', names: ['input', 'console'] },
      {
        why: 'an SES global',
        names: [
          'Compartment',
          'harden',
          'lockdown',
          'repairIntrinsics',
          'hardenIntrinsics',
          'ModuleSource',
          'assert',
          'HandledPromise',
        ],
      },
      {
        why: 'a standard JavaScript global',
        names: [
          // value and function properties of the global object
          'globalThis',
          'undefined',
          'NaN',
          'Infinity',
          'eval',
          'isFinite',
          'isNaN',
          'parseFloat',
          'parseInt',
          'decodeURI',
          'decodeURIComponent',
          'encodeURI',
          'encodeURIComponent',
          'escape',
          'unescape',
          // constructors
          'Object',
          'Function',
          'Array',
          'Boolean',
          'Number',
          'BigInt',
          'String',
          'Symbol',
          'RegExp',
          'Date',
          'Promise',
          'Proxy',
          'Map',
          'Set',
          'WeakMap',
          'WeakSet',
          'WeakRef',
          'FinalizationRegistry',
          'Iterator',
          'ArrayBuffer',
          'SharedArrayBuffer',
          'DataView',
          'Int8Array',
          'Uint8Array',
          'Uint8ClampedArray',
          'Int16Array',
          'Uint16Array',
          'Int32Array',
          'Uint32Array',
          'Float16Array',
          'Float32Array',
          'Float64Array',
          'BigInt64Array',
          'BigUint64Array',
          'DisposableStack',
          'AsyncDisposableStack',
          'Error',
          'AggregateError',
          'EvalError',
          'RangeError',
          'ReferenceError',
          'SuppressedError',
          'SyntaxError',
          'TypeError',
          'URIError',
          // namespaces
          'Atomics',
          'JSON',
          'Math',
          'Reflect',
          'Intl',
          'Temporal',
        ],
      },
      {
        // The script is the body of an async function in strict mode: none of these can be used as
        // a variable name there (and `arguments` would name the wrapper's own arguments).
        why: 'a JavaScript reserved word, which the script could not use as a variable name',
        names: [
          'arguments',
          'await',
          'break',
          'case',
          'catch',
          'class',
          'const',
          'continue',
          'debugger',
          'default',
          'delete',
          'do',
          'else',
          'enum',
          'export',
          'extends',
          'false',
          'finally',
          'for',
          'function',
          'if',
          'implements',
          'import',
          'in',
          'instanceof',
          'interface',
          'let',
          'new',
          'null',
          'package',
          'private',
          'protected',
          'public',
          'return',
          'static',
          'super',
          'switch',
          'this',
          'throw',
          'true',
          'try',
          'typeof',
          'var',
          'void',
          'while',
          'with',
          'yield',
        ],
      },
      {
        why: 'a Node.js host name that a script never has',
        names: ['process', 'require', 'module', 'exports', 'global', '__dirname', '__filename'],
      },
      // An Object.prototype accessor: as a record key it sets a prototype instead of naming a global.
      { why: 'the Object.prototype accessor', names: ['__proto__'] },
    ].map((group) => Object.freeze({ why: group.why, names: Object.freeze(group.names) })),
  );

const RESERVED_WHY: ReadonlyMap<string, string> = new Map(
  RESERVED_NAMES.flatMap((group) => group.names.map((name) => [name, group.why] as const)),
);

/** Why `name` cannot be a capability, or undefined when it can. */
export function reservedNameReason(name: string): string | undefined {
  return RESERVED_WHY.get(name);
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
const TASK_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const TASK_NAME_DOC =
  "a task name: 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit";

const show = (value: unknown): string => (typeof value === 'string' ? JSON.stringify(value) : String(value));

/** The one phrasing of a failed expectation, so every message reads alike. */
export function expected(what: string, input: unknown): string {
  return input === undefined ? `missing (expected ${what})` : `expected ${what}, got ${describeValue(input)}`;
}

/** A zod error option that says `what` was expected. */
const expecting = (what: string) => ({ error: (iss: { input: unknown }) => expected(what, iss.input) });

/** A capability's key: the name of the guest global it becomes. */
export const capabilityNameSchema = z
  .string()
  .regex(
    IDENTIFIER,
    expecting('a JavaScript identifier (letters, digits, _ or $, not starting with a digit)'),
  )
  .refine((name) => !RESERVED_WHY.has(name), {
    error: (iss) => {
      const name = String(iss.input);
      return `${show(name)} is reserved (${RESERVED_WHY.get(name)}); expected a capability name of your own`;
    },
  })
  .describe('The name of the global the script sees for this capability.');

/** What a capability's parsed entry is: the plugin's config plus which plugin provides it. */
export type CapabilityEntry = { plugin: string } & Record<string, unknown>;

// Plugins whose config the host does not check itself: third-party plugins, whose schemas are
// plugin code and run only in a sandbox. For them the policy schema checks the `plugin` key alone;
// the loader has a sandbox validate the rest and places its findings (load.ts, parsePolicyDeferred).
const deferred = new WeakSet<AnyPlugin>();

/** Mark a (stand-in) plugin as one whose config a sandbox validates. */
export function deferConfig<P extends AnyPlugin>(plugin: P): P {
  deferred.add(plugin);
  return plugin;
}

/** Whether a sandbox, not the host, validates this plugin's config. */
export function isDeferred(plugin: AnyPlugin): boolean {
  return deferred.has(plugin);
}

const RATE_UNITS: Readonly<Record<string, number>> = Object.freeze({
  ms: 1,
  s: 1000,
  sec: 1000,
  second: 1000,
  m: 60_000,
  min: 60_000,
  minute: 60_000,
  h: 3_600_000,
  hour: 3_600_000,
});
const RATE = /^\s*([1-9][0-9]{0,6})\s*\/\s*([a-z]+)\s*$/;
const RATE_DOC = 'a rate such as "10/s", "60/min" or "1000/h"';

/** "10/s" as { calls: 10, perMs: 1000 }; undefined when it is not a rate. */
export function parseRate(text: string): Rate | undefined {
  const m = RATE.exec(text);
  const perMs = m ? RATE_UNITS[m[2] as string] : undefined;
  return m && perMs !== undefined ? { calls: Number(m[1]), perMs } : undefined;
}

/**
 * Keys every capability takes besides its plugin's config: per-capability limits and approvals.
 * The runtime, not the plugin, enforces them, so a plugin's config may not use these names.
 */
export const capabilityOptionsShape = Object.freeze({
  maxCalls: z
    .number()
    .int()
    .min(0)
    .max(LIMIT_SPECS.maxCalls.max)
    .optional()
    .describe('Calls to this capability allowed in one run (limits.maxCalls still counts every call).'),
  rate: z
    .string(expecting(RATE_DOC))
    .refine((text) => parseRate(text) !== undefined, expecting(RATE_DOC))
    .optional()
    .describe(
      'At most this many calls to this capability per unit of time ("10/s", "60/min", "1000/h"); calls beyond it wait their turn, within the run\'s timeout.',
    ),
  approve: z
    .union([z.boolean(), z.array(z.string().min(1)).min(1)], expecting('true, or a list of method names'))
    .optional()
    .describe(
      "Methods whose every call waits for the host's approval (true: all of them). The run's timeout is paused while the host decides (limits.approvalTimeoutMs bounds each wait; running out denies).",
    ),
});

/** The names of the per-capability option keys. */
export const CAPABILITY_OPTION_KEYS: readonly string[] = Object.freeze(Object.keys(capabilityOptionsShape));

// Providers of capabilities that live in the host (host tools, MCP servers): the policy checks
// their config like a plugin's, but their methods are named by the config, and no sandbox loads
// them; the sandbox's membrane asks the supervisor to make each call.
const hostSide = new WeakMap<AnyPlugin, (config: Record<string, unknown>) => string[]>();

/** Mark a definition as a host-side provider whose methods `methodsOf(config)` names. */
export function markHostSide<P extends AnyPlugin>(
  plugin: P,
  methodsOf: (config: Record<string, unknown>) => string[],
): P {
  hostSide.set(plugin, methodsOf);
  return plugin;
}

/** The methods a host-side capability has under `config`; undefined for a sandbox plugin. */
export function hostMethods(plugin: AnyPlugin, config: Record<string, unknown>): string[] | undefined {
  return hostSide.get(plugin)?.(config);
}

/** A capability's entry for one plugin: its config object with `plugin` added, unknown keys refused. */
export function capabilityEntrySchema(plugin: AnyPlugin): ConfigSchema {
  const tag = z.literal(plugin.name).describe('The plugin that provides this capability.');
  const described = `Plugin ${plugin.name}: ${plugin.description}`;
  if (deferred.has(plugin)) {
    return z
      .object({ plugin: tag, ...capabilityOptionsShape })
      .catchall(z.unknown())
      .describe(described);
  }
  for (const key of ['plugin', ...CAPABILITY_OPTION_KEYS]) {
    if (Object.hasOwn(plugin.config.shape, key)) {
      throw new TypeError(
        `plugin ${plugin.name}: its config may not have a ${JSON.stringify(key)} key (the policy uses it for every capability)`,
      );
    }
  }
  // extend keeps the plugin's own refinements; strict() overrides a looser catchall it may have.
  return plugin.config
    .extend({ plugin: tag, ...capabilityOptionsShape })
    .strict()
    .describe(described);
}

/**
 * One entry of `capabilities`: a union over the installed plugins, told apart by `plugin`, each
 * the plugin's own config object with `plugin` added and unknown keys refused.
 */
function capabilitySchema(plugins: readonly AnyPlugin[]): z.ZodType<CapabilityEntry> {
  const names = plugins.map((plugin) => plugin.name);
  const installed = names.length > 0 ? names.join(', ') : 'none';
  const seen = new Set<string>();
  const options = plugins.map((plugin) => {
    if (seen.has(plugin.name)) throw new TypeError(`two plugins are named ${show(plugin.name)}`);
    seen.add(plugin.name);
    return capabilityEntrySchema(plugin);
  });
  const [first, ...rest] = options;
  if (first === undefined) {
    return z.never({ error: 'no plugins are installed, so no capability can be granted' });
  }
  return z.discriminatedUnion('plugin', [first, ...rest], {
    error: (iss) => {
      if (iss.code !== 'invalid_union') {
        return expected(`a mapping with a "plugin" key (installed: ${installed})`, iss.input);
      }
      const value = isRecord(iss.input) ? iss.input.plugin : undefined;
      if (typeof value !== 'string') return expected(`one of the installed plugins: ${installed}`, value);
      return `unknown plugin ${show(value)} (installed: ${installed})`;
    },
  }) as unknown as z.ZodType<CapabilityEntry>;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A short description of a value for "got ..." in messages. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null (an empty value)';
  if (Array.isArray(value)) return `a list of ${value.length} item${value.length === 1 ? '' : 's'}`;
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') {
    return value.length > 60 ? `a string of ${value.length} characters` : JSON.stringify(value);
  }
  return String(value);
}

const limitField = (spec: LimitSpec) =>
  z.number().int().min(spec.min).max(spec.max).default(spec.default).describe(spec.doc);

const limitsSchema = z
  .object({
    timeoutMs: limitField(LIMIT_SPECS.timeoutMs),
    memoryMb: limitField(LIMIT_SPECS.memoryMb),
    maxCalls: limitField(LIMIT_SPECS.maxCalls),
    maxOutputBytes: limitField(LIMIT_SPECS.maxOutputBytes),
    approvalTimeoutMs: limitField(LIMIT_SPECS.approvalTimeoutMs),
  })
  .strict()
  // prefault parses {} through the schema, so the defaults live only in the fields above.
  .prefault({})
  .describe('Resource limits for one run; each one left out takes its default.');

/** A secret's name: how header templates and plugins refer to it (`${GITHUB_TOKEN}`). */
export { SECRET_NAME };

const SECRET_NAME_DOC = 'a secret name: a letter or "_", then letters, digits or "_" (at most 64)';

/** Where a secret's value comes from. The value is read when the policy is loaded, never shown. */
export const secretSourceSchema = z
  .union([
    z
      .object({
        env: z.string().regex(SECRET_NAME).describe('Read the value from this environment variable.'),
      })
      .strict(),
    z
      .object({
        file: z
          .string()
          .min(1)
          .describe(
            'Read the value from this file (relative to the policy file; one trailing newline is dropped).',
          ),
      })
      .strict(),
  ])
  .describe('The source of one secret: { env: NAME } or { file: path }.');

const secretsSchema = z
  .record(z.string().regex(SECRET_NAME, expecting(SECRET_NAME_DOC)), secretSourceSchema)
  .default({})
  .describe(
    'Secrets the runtime injects on behalf of the script (e.g. into HTTP headers). The script never sees their values.',
  );

function policyObject(capability: z.ZodType<CapabilityEntry>) {
  return z
    .object({
      version: z
        .literal(1, expecting('1, the only policy format version'))
        .describe('The policy format version. Always 1.'),
      task: z
        .string(expecting(TASK_NAME_DOC))
        .regex(TASK_NAME, expecting(TASK_NAME_DOC))
        .describe('The task this policy is for; it names the run in audit records.'),
      description: z.string().optional().describe('What the task is for, in words, for reviewers.'),
      limits: limitsSchema,
      secrets: secretsSchema,
      capabilities: z
        .record(capabilityNameSchema, capability)
        .default({})
        .describe(
          'The capabilities granted, keyed by the name of the global the script sees. Nothing else exists.',
        ),
    })
    .strict()
    .describe('A sesame policy: what one task may do.');
}

export type PolicySchema = ReturnType<typeof policyObject>;

/** The parsed, validated policy, defaults applied (before plugin checks). */
export type Policy = z.output<PolicySchema>;

// Building the union costs more than parsing a small policy; plugin lists are long-lived.
const schemaCache = new WeakMap<readonly AnyPlugin[], PolicySchema>();

/** The policy v1 schema for a set of installed plugins. */
export function makePolicySchema(plugins: readonly AnyPlugin[]): PolicySchema {
  let schema = schemaCache.get(plugins);
  if (schema === undefined) {
    schema = policyObject(capabilitySchema(plugins));
    // Only a frozen list is sure to name the same plugins next time.
    if (Object.isFrozen(plugins)) schemaCache.set(plugins, schema);
  }
  return schema;
}
