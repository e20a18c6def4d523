// Loading a policy: YAML (with positions) -> the zod schema -> each plugin's own checks. Every
// problem becomes a PolicyError issue that names file, line and column and says what was expected,
// because policy authors are trusted but fallible and must be able to fix a policy from the message.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import {
  type Document,
  isAlias,
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  parseDocument,
  visit,
  type YAMLError,
} from 'yaml';
import type { AnyPlugin, ConfigIssue, PluginContext, z } from '../plugin/index.ts';
import type { CapabilityOptions, Limits } from '../protocol.ts';
import { describeIssue, formatPath, type PolicyProblem, prefix, zodIssueProblems } from './messages.ts';
import { describeValue, hostMethods, isDeferred, makePolicySchema, parseRate } from './schema.ts';

/** One problem in a policy. */
export interface PolicyIssue {
  /** The policy file as given, or `<policy>` for text. */
  file: string;
  /** 1-based; 0 when the problem is with the file as a whole (unreadable, too large). */
  line: number;
  /** 1-based; 0 with line 0. */
  column: number;
  /** Where in the policy's data, e.g. ['capabilities', 'fs', 'write', 0]. */
  path: (string | number)[];
  /** Starts with the path in dotted form and says what was expected. */
  message: string;
}

/** The policy is invalid: `message` lists every issue as `file:line:col: message`, one per line. */
export class PolicyError extends Error {
  readonly code = 'E_POLICY';
  readonly issues: readonly PolicyIssue[];
  constructor(issues: readonly PolicyIssue[]) {
    super(issues.map(formatIssue).join('\n'));
    this.name = 'PolicyError';
    this.issues = Object.freeze(issues.map((issue) => Object.freeze({ ...issue, path: [...issue.path] })));
  }
}

function formatIssue(issue: PolicyIssue): string {
  const where = issue.line > 0 ? `${issue.file}:${issue.line}:${issue.column}` : issue.file;
  return `${where}: ${issue.message}`;
}

/** A granted capability as the runtime needs it. */
export interface LoadedCapability {
  plugin: string;
  /** The plugin's validated config (defaults applied), without `plugin` and the options. */
  config: Record<string, unknown>;
  /** Per-capability limits and approvals (`maxCalls`, `rate`, `approve`), when the policy sets any. */
  options?: CapabilityOptions;
}

/** A valid policy: plain, deeply frozen data, safe to cache by `hash`. */
export interface LoadedPolicy {
  version: 1;
  task: string;
  description?: string;
  limits: Limits;
  capabilities: Record<string, LoadedCapability>;
  /** The policy file as given to loadPolicy/parsePolicy. */
  file?: string;
  /** Absolute directory of the policy file (the cwd for text): relative paths resolve against it. */
  dir: string;
  /** sha256 of the policy text, hex. */
  hash: string;
  /** Where each secret comes from (never its value: see `secretValues`). */
  secrets: Record<string, SecretSource>;
}

export type SecretSource = { env: string } | { file: string };

// Secret values live beside the policy, not in it: a LoadedPolicy may be logged or serialised.
const secretStore = new WeakMap<LoadedPolicy, ReadonlyMap<string, string>>();

/**
 * Whether `value` is a policy sesame loaded (loadPolicy, parsePolicy), not an object shaped like
 * one: the runtime runs only checked policies.
 */
export function isLoadedPolicy(value: unknown): value is LoadedPolicy {
  return typeof value === 'object' && value !== null && secretStore.has(value as LoadedPolicy);
}

/** The values of a loaded policy's secrets, read when it was loaded. Runtime use only. */
export function secretValues(policy: LoadedPolicy): ReadonlyMap<string, string> {
  return secretStore.get(policy) ?? new Map();
}

export interface ParseOptions {
  /** Where the text came from: named in errors, and its directory anchors relative paths. */
  file?: string;
  plugins: readonly AnyPlugin[];
}

/** What plugin check/explain hooks get: paths in a policy are relative to the policy file. */
export function policyPathContext(dir: string): Pick<PluginContext, 'policyDir' | 'resolvePath'> {
  return Object.freeze({ policyDir: dir, resolvePath: (p: string) => path.resolve(dir, p) });
}

// A policy is a screenful; anything near this size is a mistake or an attack on the parser.
const MAX_POLICY_CHARS = 1 << 20;
// Aliases may share a list of globs; more than this is a billion-laughs attempt.
const MAX_ALIAS_COUNT = 64;

const YAML_OPTIONS = Object.freeze({
  version: '1.2',
  schema: 'core',
  // Plain data only: no !!binary, !!set, !!timestamp (Uint8Array, Set, Date) and no merge keys.
  resolveKnownTags: false,
  merge: false,
  strict: true,
  uniqueKeys: true,
  stringKeys: true, // `? [a, b]: x` would otherwise become the key "[ a, b ]"
  prettyErrors: false, // we place errors ourselves
} as const);

/** Read and validate a policy file. Throws PolicyError. */
export async function loadPolicy(
  file: string,
  opts: { plugins: readonly AnyPlugin[] },
): Promise<LoadedPolicy> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new PolicyError([
      { file, line: 0, column: 0, path: [], message: `cannot read the policy file (${reason})` },
    ]);
  }
  return parsePolicy(text, { file, plugins: opts.plugins });
}

/** Validate policy text. Throws PolicyError. */
export function parsePolicy(text: string, opts: ParseOptions): LoadedPolicy {
  const draft = draftPolicy(text, opts);
  if (draft.deferred.length > 0) {
    // Only a runtime can run a third-party plugin's schema (in a sandbox): say where to go.
    throw new PolicyError(
      draft.place(
        draft.deferred.map(({ name, plugin }) => ({
          path: ['capabilities', name, 'plugin'],
          target: 'value',
          message: `capabilities.${name}.plugin: ${plugin} is a third-party plugin, whose config only a runtime can check (use runtime.loadPolicy)`,
        })),
      ),
    );
  }
  return draft.finish([]);
}

/** A capability of a plugin whose config a sandbox validates (a third-party plugin's). */
export interface DeferredCapability {
  /** The capability's name in the policy. */
  name: string;
  plugin: string;
  /** The config as the policy wrote it, without `plugin`. */
  config: Record<string, unknown>;
}

/** What the sandbox made of one deferred capability: its parsed config, or the problems to show. */
export type DeferredVerdict =
  | { ok: true; config: Record<string, unknown> }
  | { ok: false; problems: PolicyProblem[] };

/** Validates deferred capabilities, one verdict each, in order. */
export type DeferredValidator = (
  capabilities: DeferredCapability[],
  context: { dir: string; limits: Limits },
) => Promise<DeferredVerdict[]>;

/**
 * Validate policy text whose capabilities may use third-party plugins: the host checks all it can
 * (YAML, the policy schema, built-in plugins), then `validate` has a sandbox run the third-party
 * plugins' schemas and check hooks. Errors read the same either way: file:line:col: message.
 */
export async function parsePolicyDeferred(
  text: string,
  opts: ParseOptions,
  validate: DeferredValidator,
): Promise<LoadedPolicy> {
  const draft = draftPolicy(text, opts);
  if (draft.deferred.length === 0) return draft.finish([]);
  return draft.finish(await validate(draft.deferred, { dir: draft.dir, limits: draft.limits }));
}

interface PolicyDraft {
  readonly dir: string;
  readonly limits: Limits;
  readonly deferred: DeferredCapability[];
  place(problems: readonly PolicyProblem[]): PolicyIssue[];
  finish(verdicts: readonly DeferredVerdict[]): LoadedPolicy;
}

/** Everything the host checks itself; third-party configs are left for `finish`. */
function draftPolicy(text: string, opts: ParseOptions): PolicyDraft {
  const label = opts.file ?? '<policy>';
  if (text.length > MAX_POLICY_CHARS) {
    const message = `the policy is ${text.length} characters long (expected at most ${MAX_POLICY_CHARS})`;
    throw new PolicyError([{ file: label, line: 0, column: 0, path: [], message }]);
  }
  const dir = opts.file === undefined ? process.cwd() : path.dirname(path.resolve(opts.file));
  const hash = createHash('sha256').update(text).digest('hex');
  const source = new PolicySource(text, label);

  const policy = source.validate(opts.plugins);
  const deferredPlugins = new Set(opts.plugins.filter(isDeferred).map((plugin) => plugin.name));
  const deferred: DeferredCapability[] = [];
  for (const [name, entry] of Object.entries(policy.capabilities)) {
    const { plugin, config } = splitEntry(entry);
    if (deferredPlugins.has(plugin)) deferred.push({ name, plugin, config });
  }
  const place = (problems: readonly PolicyProblem[]) => source.place(problems);

  const finish = (verdicts: readonly DeferredVerdict[]): LoadedPolicy => {
    const parsed = new Map<string, Record<string, unknown>>();
    const problems: PolicyProblem[] = [];
    deferred.forEach((capability, i) => {
      const verdict = verdicts[i];
      if (verdict === undefined) {
        problems.push({
          path: ['capabilities', capability.name],
          target: 'value',
          message: `capabilities.${capability.name}: the ${capability.plugin} plugin did not check this config`,
        });
      } else if (verdict.ok) parsed.set(capability.name, verdict.config);
      else problems.push(...verdict.problems);
    });
    if (problems.length > 0) throw new PolicyError(sortIssues(place(problems)));

    const capabilities: Record<string, LoadedCapability> = {};
    for (const [name, entry] of Object.entries(policy.capabilities)) {
      const { plugin, config, options } = splitEntry(entry);
      capabilities[name] = {
        plugin,
        config: parsed.get(name) ?? config,
        ...(options === undefined ? {} : { options }),
      };
    }
    const loaded: LoadedPolicy = {
      version: policy.version,
      task: policy.task,
      ...(policy.description === undefined ? {} : { description: policy.description }),
      limits: policy.limits,
      capabilities,
      ...(opts.file === undefined ? {} : { file: opts.file }),
      dir,
      hash,
      secrets: policy.secrets,
    };
    // Frozen before the hooks run: a plugin's check cannot edit a policy the runtime will cache.
    deepFreeze(loaded);
    source.runChecks(loaded, opts.plugins);
    secretStore.set(loaded, source.readSecrets(loaded, opts.plugins));
    return loaded;
  };
  return { dir, limits: policy.limits, deferred, place, finish };
}

/** A policy's capability entry as plugin name, the plugin's own config, and the runtime's options. */
function splitEntry(entry: { plugin: string } & Record<string, unknown>): {
  plugin: string;
  config: Record<string, unknown>;
  options?: CapabilityOptions;
} {
  const { plugin, maxCalls, rate, approve, ...config } = entry;
  const options: CapabilityOptions = {};
  if (typeof maxCalls === 'number') options.maxCalls = maxCalls;
  const parsedRate = typeof rate === 'string' ? parseRate(rate) : undefined;
  if (parsedRate !== undefined) options.rate = parsedRate;
  if (approve === true) options.approve = true;
  else if (Array.isArray(approve)) options.approve = approve.map(String);
  return Object.keys(options).length === 0 ? { plugin, config } : { plugin, config, options };
}

/** The method names a capability has: its plugin's, or (host tools, MCP) those its config allows. */
export function capabilityMethods(
  capability: LoadedCapability,
  plugins: readonly AnyPlugin[],
): string[] | undefined {
  const plugin = plugins.find((candidate) => candidate.name === capability.plugin);
  if (plugin === undefined) return undefined;
  const names = hostMethods(plugin, capability.config) ?? Object.keys(plugin.methods);
  return names.length === 0 ? undefined : names;
}

/** The policy text, its YAML document, and how to turn a data path into a line and column. */
class PolicySource {
  readonly #label: string;
  readonly #lines = new LineCounter();
  readonly #doc: Document.Parsed;

  constructor(text: string, label: string) {
    this.#label = label;
    this.#doc = parseDocument(text, { ...YAML_OPTIONS, lineCounter: this.#lines });
    const problems = [...this.#doc.errors, ...this.#doc.warnings];
    if (problems.length > 0) {
      throw new PolicyError(sortIssues(problems.map((problem) => this.#yamlIssue(problem))));
    }
  }

  /** The YAML as plain data, checked against the policy schema. */
  validate(plugins: readonly AnyPlugin[]) {
    if (this.#doc.contents === null) {
      const message = 'the policy is empty (expected a mapping with at least "version" and "task")';
      throw new PolicyError([this.#issue(0, [], message)]);
    }
    let data: unknown;
    try {
      data = this.#doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    } catch (error) {
      const message = `too many YAML alias expansions (expected at most ${MAX_ALIAS_COUNT}): ${errorText(error)}`;
      throw new PolicyError([this.#issue(this.#firstAliasOffset(), [], message)]);
    }
    // zod's records skip a `__proto__` key without a word (a strict object reports it): refuse it
    // here so a capability named `__proto__` is an error rather than silently not granted.
    const poisoned = protoKeyPaths(data);
    if (poisoned.length > 0) {
      const message = 'unknown key "__proto__" (expected a key other than the Object.prototype accessor)';
      throw new PolicyError(
        poisoned.map((at) =>
          this.#issue(this.#offset(at, 'key'), at, `${prefix(at.slice(0, -1))}${message}`),
        ),
      );
    }
    const result = makePolicySchema(plugins).safeParse(data, { error: describeIssue });
    if (!result.success) {
      throw new PolicyError(sortIssues(result.error.issues.flatMap((i) => this.#zodIssues(i))));
    }
    return result.data;
  }

  /** Each plugin's own checks (facts the schema cannot know, such as whether a root exists). */
  runChecks(policy: LoadedPolicy, plugins: readonly AnyPlugin[]): void {
    const ctx = policyPathContext(policy.dir);
    const issues: PolicyIssue[] = [];
    for (const [name, capability] of Object.entries(policy.capabilities)) {
      // `approve: [names]` must name methods the capability has: a misspelt name would leave the
      // method it meant unguarded.
      const approve = capability.options?.approve;
      const methods = capabilityMethods(capability, plugins);
      if (Array.isArray(approve) && methods !== undefined) {
        approve.forEach((method, i) => {
          if (methods.includes(method)) return;
          const at = ['capabilities', name, 'approve', i];
          const message = `${formatPath(at)}: ${JSON.stringify(method)} is not a method of this capability (expected one of: ${methods.join(', ')})`;
          issues.push(this.#issue(this.#offset(at, 'value'), at, message));
        });
      }
    }
    for (const [name, capability] of Object.entries(policy.capabilities)) {
      const plugin = plugins.find((candidate) => candidate.name === capability.plugin);
      if (plugin?.check === undefined) continue;
      let found: ConfigIssue[];
      try {
        found = plugin.check(capability.config, ctx);
        if (!Array.isArray(found)) throw new TypeError('its check hook did not return a list of issues');
      } catch (error) {
        // A check that cannot run has not passed: deny, and say why.
        found = [
          { path: [], message: `the ${plugin.name} plugin could not check this config: ${errorText(error)}` },
        ];
      }
      for (const issue of found) {
        const at = ['capabilities', name, ...issue.path];
        issues.push(this.#issue(this.#offset(at, 'value'), at, `${formatPath(at)}: ${issue.message}`));
      }
    }
    if (issues.length > 0) throw new PolicyError(sortIssues(issues));
  }

  /**
   * Read every secret's value now, so a missing one is an E_POLICY error at load time rather than a
   * failure in the middle of a run; and check that each capability names only defined secrets.
   * Messages name the source, never a value.
   */
  readSecrets(policy: LoadedPolicy, plugins: readonly AnyPlugin[]): ReadonlyMap<string, string> {
    const issues: PolicyIssue[] = [];
    const values = new Map<string, string>();
    const fail = (at: (string | number)[], message: string) =>
      issues.push(this.#issue(this.#offset(at, 'value'), at, `${formatPath(at)}: ${message}`));
    for (const [name, source] of Object.entries(policy.secrets)) {
      if ('env' in source) {
        const value = process.env[source.env];
        if (value) values.set(name, value);
        else
          fail(
            ['secrets', name, 'env'],
            `the environment variable ${source.env} is not set (expected the secret's value)`,
          );
      } else {
        try {
          const value = readFileSync(path.resolve(policy.dir, source.file), 'utf8').replace(/\r?\n$/, '');
          if (value) values.set(name, value);
          else fail(['secrets', name, 'file'], "the file is empty (expected the secret's value)");
        } catch (error) {
          fail(
            ['secrets', name, 'file'],
            `cannot read the file (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
          );
        }
      }
    }
    for (const [name, capability] of Object.entries(policy.capabilities)) {
      const plugin = plugins.find((candidate) => candidate.name === capability.plugin);
      for (const secret of plugin?.secrets?.(capability.config) ?? []) {
        if (!(secret in policy.secrets)) {
          fail(['capabilities', name], `uses the secret ${secret}, which is not defined under secrets:`);
        }
      }
    }
    if (issues.length > 0) throw new PolicyError(sortIssues(issues));
    return values;
  }

  #yamlIssue(problem: YAMLError): PolicyIssue {
    const [start] = problem.pos;
    let message: string;
    switch (problem.code) {
      case 'DUPLICATE_KEY':
        message = `duplicate key ${JSON.stringify(this.#keyAt(start) ?? '?')} (expected each key once per mapping)`;
        break;
      case 'MULTIPLE_DOCS':
        message = 'expected a single YAML document, found more than one (remove the extra "---")';
        break;
      case 'TAG_RESOLVE_FAILED':
        message = `${problem.message} (expected plain data: no YAML tags)`;
        break;
      case 'NON_STRING_KEY':
        message = 'expected a plain string as a key';
        break;
      default:
        message = `invalid YAML: ${problem.message}`;
    }
    return this.#issue(start, [], message);
  }

  /** Problems found elsewhere (a sandbox), placed at their line and column. */
  place(problems: readonly PolicyProblem[]): PolicyIssue[] {
    return problems.map((problem) =>
      this.#issue(this.#offset(problem.path, problem.target), [...problem.path], problem.message),
    );
  }

  /** One zod issue can name several unknown keys: each gets its own issue, placed at the key. */
  #zodIssues(issue: z.core.$ZodIssue): PolicyIssue[] {
    return zodIssueProblems(issue, []).map((problem) =>
      this.#issue(this.#offset(problem.path, problem.target), problem.path, problem.message),
    );
  }

  #issue(offset: number, at: (string | number)[], message: string): PolicyIssue {
    const { line, col } = this.#lines.linePos(offset);
    // linePos reports line 0 before the first newline it has seen.
    return {
      file: this.#label,
      line: Math.max(line, 1),
      column: line === 0 ? offset + 1 : col,
      path: at,
      message,
    };
  }

  /**
   * Where the node at `at` starts: its key or its value. A path that runs out (a missing key, a
   * default that was filled in) points at the deepest mapping or list that exists: the parent.
   */
  #offset(at: readonly (string | number)[], target: 'key' | 'value'): number {
    let node: unknown = this.#doc.contents;
    let key: Node | undefined;
    for (const segment of at) {
      if (isAlias(node)) node = node.resolve(this.#doc);
      let next: unknown;
      if (isMap(node)) {
        const pair = node.items.find(
          (item) => isScalar(item.key) && String(item.key.value) === String(segment),
        );
        if (pair === undefined) return startOf(node);
        key = isScalar(pair.key) ? pair.key : undefined;
        next = pair.value;
      } else if (isSeq(node) && typeof segment === 'number' && segment < node.items.length) {
        key = undefined;
        next = node.items[segment];
      } else {
        return startOf(node);
      }
      // `task:` with nothing after it has no value to point at (or an empty null scalar): use its key.
      if (isBlank(next)) return key === undefined ? startOf(node) : startOf(key);
      node = next;
    }
    if (target === 'key' && key !== undefined) return startOf(key);
    return Math.max(startOf(node), 0);
  }

  #keyAt(offset: number): string | undefined {
    let found: string | undefined;
    visit(this.#doc, {
      Pair: (_, pair) => {
        if (isScalar(pair.key) && pair.key.range?.[0] === offset) {
          found = String(pair.key.value);
          return visit.BREAK;
        }
        return undefined;
      },
    });
    return found;
  }

  #firstAliasOffset(): number {
    let found = 0;
    visit(this.#doc, {
      Alias: (_, alias) => {
        found = alias.range?.[0] ?? 0;
        return visit.BREAK;
      },
    });
    return found;
  }
}

function isBlank(node: unknown): boolean {
  if (node === null || startOf(node) < 0) return true;
  return isScalar(node) && node.value === null && node.range?.[0] === node.range?.[1];
}

function startOf(node: unknown): number {
  const range = (node as Node | null)?.range;
  return range ? range[0] : -1;
}

/** In file order, so a reader fixes them top to bottom (sort is stable for ties). */
function sortIssues(issues: PolicyIssue[]): PolicyIssue[] {
  return issues.sort((a, b) => a.line - b.line || a.column - b.column);
}

/** Every path to an own `__proto__` key (yaml's toJS defines them as plain own properties). */
function protoKeyPaths(value: unknown, at: (string | number)[] = []): (string | number)[][] {
  if (typeof value !== 'object' || value === null) return [];
  const found: (string | number)[][] = Object.hasOwn(value, '__proto__') ? [[...at, '__proto__']] : [];
  const entries: [string | number, unknown][] = Array.isArray(value)
    ? [...value.entries()]
    : Object.entries(value);
  for (const [key, child] of entries) found.push(...protoKeyPaths(child, [...at, key]));
  return found;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : describeValue(error);
}

function deepFreeze(value: unknown, seen = new WeakSet<object>()): void {
  if (typeof value !== 'object' || value === null || seen.has(value)) return;
  seen.add(value);
  Object.freeze(value);
  for (const child of Object.values(value)) deepFreeze(child, seen);
}
