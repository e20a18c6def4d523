// The SDK plugin authors import (`sesame/plugin`). A plugin is data plus one factory: zod schemas
// for its config and for each method's arguments and result, and `create(config, ctx)` that
// returns the implementation. The runtime, not the plugin, wraps every method in the membrane
// (validation, policy decision, audit, quotas, copying results to plain data).
import { z } from 'zod';

export {
  expandTemplate,
  parseTemplate,
  SECRET_NAME,
  type TemplatePart,
  templateSecrets,
} from './templates.ts';
export { z };

/** A method's contract: what the guest passes, what it gets back, and one line of docs. */
export interface MethodSpec<A extends z.ZodTuple = z.ZodTuple, R extends z.ZodType = z.ZodType> {
  description: string;
  args: A;
  returns: R;
  /**
   * Optional: shape the (already copied, plain, frozen) result for the guest, e.g. add
   * `isFile()` to a stat result. Runs on the trusted side; must not close over authority.
   */
  present?: (result: z.output<R>) => unknown;
  /**
   * Optional, for `sesame describe`: TypeScript text of the result the guest gets, when it is not
   * what `returns` says (a result `present` reshapes, such as fs `stat`'s `isFile()`), without
   * `Promise<>`: e.g. `{ size: number; isFile(): boolean }`. Otherwise the type comes from `returns`.
   */
  returnsType?: string;
  /**
   * Optional, for `sesame describe`: TypeScript signatures `(params): Result` that replace the one
   * derived from `args` and `returns`, for a result whose type depends on the arguments (fs
   * `readFile` gives a string with an encoding, bytes without). Results without `Promise<>`.
   */
  signatures?: readonly string[];
  /**
   * Optional, default true. Say `false` only when a call changes nothing and tells nothing outside
   * the sandbox process (it reads the clock, draws random numbers, reads state the capability
   * already holds). Every call's intent record is written before it acts; for a call with side
   * effects it is handed to the supervisor at once (a system call), for one without it may go out
   * in a batch with the records after it, a few milliseconds later at most, which makes such
   * calls several times cheaper. Either way it precedes every later act outside the sandbox.
   */
  sideEffects?: boolean;
  /**
   * Optional: what the audit trail records of a call, instead of the arguments as given (e.g. a
   * URL with its query values redacted), and facts of the result worth recording (`info`, e.g.
   * `{ status, bytesIn }`). Both get plain copied data and must return plain data.
   */
  audit?: {
    /** `config` is the capability's validated config (plain data). */
    args?: (args: z.output<A>, config: unknown) => unknown;
    result?: (result: z.output<R>, config: unknown) => Record<string, unknown>;
  };
}

export type MethodSpecs = Record<string, MethodSpec>;

/** The outcome of a policy check, named by the rule that decided it. */
export type Decision<T = undefined> =
  | { allow: true; rule: string; grant: T }
  | { allow: false; rule?: string; reason: string };

/** A method whose policy decision needs work (resolving a path, matching a URL). */
export interface CheckedMethod<Args extends unknown[], Result, Grant> {
  /** Decide before anything happens. Must not act. */
  authorize(...args: Args): Decision<Grant> | Promise<Decision<Grant>>;
  /** Act on an allowed call; `grant` is what authorize returned. */
  invoke(grant: Grant, ...args: Args): Result | Promise<Result>;
}

type ArgsOf<S extends MethodSpec> = z.output<S['args']> extends infer T extends unknown[] ? T : never;
type ResultOf<S extends MethodSpec> = z.input<S['returns']>;

export type MethodImpl<S extends MethodSpec> =
  // biome-ignore lint/suspicious/noExplicitAny: the grant type is the plugin's own choice
  CheckedMethod<ArgsOf<S>, ResultOf<S>, any> | ((...args: ArgsOf<S>) => ResultOf<S> | Promise<ResultOf<S>>);

export type Implementation<M extends MethodSpecs> = { [K in keyof M]: MethodImpl<M[K]> };

/** What a plugin may use. Nothing else of the host reaches it. */
export interface PluginContext {
  /** The capability's name in the policy (the guest global). */
  readonly capability: string;
  /** The task named by the policy. */
  readonly task: string;
  /** The directory of the policy file; relative paths in config resolve against it. */
  readonly policyDir: string;
  /** Resolve a path from the config against the policy's directory. */
  resolvePath(path: string): string;
  /**
   * Diagnostic output for operators, never shown to the script: the line reaches the host's
   * `onPluginLog` and the run result's `pluginLogs` (the CLI prints it to stderr). Secret values
   * are redacted; a line is cut at 1000 characters and a run keeps at most 100 lines.
   */
  log(message: string): void;
  /**
   * This capability's private scratch directory for the run (an absolute path, mode 0700), made
   * on the first call; later calls give the same path. It and everything in it are removed when
   * the run ends, also when the run is killed (timeout, memory, abort). Never hand the path to
   * the script. Reading and writing it needs `node:fs` declared in the plugin's manifest.
   */
  scratch(): Promise<string>;
  /**
   * The values of the policy's secrets that this capability uses (named by the definition's
   * `secrets` hook), and no others. Never hand one to the script: the runtime redacts secret
   * values from results, logs, errors and audit records, but a plugin should not rely on that.
   */
  readonly secrets: Readonly<Record<string, string>>;
}

/** A problem a plugin finds in its config beyond what the schema says (e.g. a root that does not exist). */
export interface ConfigIssue {
  /** Path inside the capability's config, e.g. ['root'] or ['write', 0]. */
  path: (string | number)[];
  message: string;
}

// biome-ignore lint/suspicious/noExplicitAny: any zod object shape
export type ConfigSchema = z.ZodObject<any>;

export interface PluginDefinition<
  C extends ConfigSchema = ConfigSchema,
  M extends MethodSpecs = MethodSpecs,
> {
  /** The name a policy uses in `plugin:`. */
  name: string;
  /** One paragraph for `policy explain` and the docs. */
  description: string;
  /** The capability's config in the policy, without the `plugin` key. */
  config: C;
  methods: M;
  /** Checks that need the file system or other facts; run when the policy is loaded. */
  check?: (config: z.output<C>, ctx: Pick<PluginContext, 'policyDir' | 'resolvePath'>) => ConfigIssue[];
  /** The names of the policy's `secrets:` this config uses; the loader checks they exist. */
  secrets?: (config: z.output<C>) => string[];
  /** Describe in plain words what a given config allows (for `sesame policy explain`). */
  explain?: (config: z.output<C>, ctx: Pick<PluginContext, 'policyDir' | 'resolvePath'>) => string[];
  create(config: z.output<C>, ctx: PluginContext): Implementation<M>;
  /**
   * Optional: the method the capability itself calls, so the guest global is a function (`fetch(url)`)
   * that also carries every method as a property (`fetch.fetch(url)`).
   */
  call?: keyof M & string;
  /**
   * Optional extra guest globals this capability turns on (the clock plugin makes `Date.now()`
   * work). They bypass the membrane, so they must be pure functions of ambient facts.
   */
  globals?: (config: z.output<C>, ctx: PluginContext) => Record<string, unknown>;
}

/** An error a plugin throws on purpose: its code and message reach the script as they are. */
export class PluginError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = 'PluginError';
    this.code = code;
  }
}

// Definitions definePlugin made (and so checked and froze): the loader accepts no other.
const defined = new WeakSet<object>();

/** Whether `value` is a definition returned by this module's definePlugin. */
export function isPluginDefinition(value: unknown): value is AnyPlugin {
  return typeof value === 'object' && value !== null && defined.has(value);
}

/** Define a plugin. Types of config, arguments and results come from the schemas. */
export function definePlugin<C extends ConfigSchema, M extends MethodSpecs>(
  def: PluginDefinition<C, M>,
): PluginDefinition<C, M> {
  if (!/^[a-z][a-z0-9-]*$/.test(def.name)) {
    throw new TypeError(`plugin name ${JSON.stringify(def.name)} must be lower-case letters, digits and '-'`);
  }
  if (!(def.config instanceof z.ZodObject))
    throw new TypeError(`${def.name}: config must be z.object({...})`);
  for (const [method, spec] of Object.entries(def.methods)) {
    if (!(spec.args instanceof z.ZodTuple))
      throw new TypeError(`${def.name}.${method}: args must be z.tuple([...])`);
    if (!spec.description) throw new TypeError(`${def.name}.${method}: a description is required`);
    if (spec.returnsType !== undefined && typeof spec.returnsType !== 'string')
      throw new TypeError(`${def.name}.${method}: returnsType must be a string of TypeScript`);
    if (
      spec.signatures !== undefined &&
      !(Array.isArray(spec.signatures) && spec.signatures.every((s) => typeof s === 'string'))
    )
      throw new TypeError(`${def.name}.${method}: signatures must be a list of strings of TypeScript`);
    if (spec.sideEffects !== undefined && typeof spec.sideEffects !== 'boolean')
      throw new TypeError(`${def.name}.${method}: sideEffects must be true or false`);
  }
  if (def.call !== undefined && !(def.call in def.methods)) {
    throw new TypeError(
      `${def.name}: call names ${JSON.stringify(def.call)}, which is not one of its methods`,
    );
  }
  const definition = Object.freeze({ ...def, methods: Object.freeze({ ...def.methods }) });
  defined.add(definition);
  return definition;
}

export const allow = <T = undefined>(rule: string, grant?: T): Decision<T> => ({
  allow: true,
  rule,
  grant: grant as T,
});
export const deny = (reason: string, rule?: string): Decision<never> =>
  rule === undefined ? { allow: false, reason } : { allow: false, rule, reason };

/** A plugin of any config and methods, as registries hold them. */
// biome-ignore lint/suspicious/noExplicitAny: registries hold plugins of every shape
export type AnyPlugin = PluginDefinition<any, any>;

// A guest's typed array can carry own properties that lie (`byteLength`, `buffer`) or be a Proxy.
// The intrinsic %TypedArray% getters read the internal slots instead, and name the array's kind
// without its constructor (SES compartments have no Float32Array or Float64Array globals).
const typedArrayPrototype = Object.getPrototypeOf(Uint8Array.prototype) as object;
const slot = (key: PropertyKey) => {
  const get = Object.getOwnPropertyDescriptor(typedArrayPrototype, key)?.get;
  if (get === undefined) throw new TypeError(`%TypedArray%.prototype has no ${String(key)} getter`);
  return get;
};
const kindSlot = slot(Symbol.toStringTag);
const byteLengthSlot = slot('byteLength');
const byteOffsetSlot = slot('byteOffset');
const bufferSlot = slot('buffer');

/** Facts of a typed array read from its internal slots, never from its properties. */
export const typedArrays = Object.freeze({
  /** 'Uint8Array', 'Float64Array', ...; undefined for anything that is not a typed array. */
  kind: (value: unknown): string | undefined => kindSlot.call(value) as string | undefined,
  /** These three throw a TypeError for anything that is not a typed array (check `kind` first). */
  byteLength: (view: unknown): number => byteLengthSlot.call(view) as number,
  byteOffset: (view: unknown): number => byteOffsetSlot.call(view) as number,
  buffer: (view: unknown): ArrayBufferLike => bufferSlot.call(view) as ArrayBufferLike,
});
