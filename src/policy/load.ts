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
import type { AnyPlugin, ConfigIssue, PluginContext } from '../plugin/index.ts';
import { z } from '../plugin/index.ts';
import type { Limits } from '../protocol.ts';
import { describeValue, expected, makePolicySchema } from './schema.ts';

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
  /** The plugin's validated config (defaults applied), without `plugin`. */
  config: Record<string, unknown>;
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
  const label = opts.file ?? '<policy>';
  if (text.length > MAX_POLICY_CHARS) {
    const message = `the policy is ${text.length} characters long (expected at most ${MAX_POLICY_CHARS})`;
    throw new PolicyError([{ file: label, line: 0, column: 0, path: [], message }]);
  }
  const dir = opts.file === undefined ? process.cwd() : path.dirname(path.resolve(opts.file));
  const hash = createHash('sha256').update(text).digest('hex');
  const source = new PolicySource(text, label);

  const policy = source.validate(opts.plugins);
  const capabilities: Record<string, LoadedCapability> = {};
  for (const [name, { plugin, ...config }] of Object.entries(policy.capabilities)) {
    capabilities[name] = { plugin, config };
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

  /** One zod issue can name several unknown keys: each gets its own issue, placed at the key. */
  #zodIssues(issue: z.core.$ZodIssue): PolicyIssue[] {
    const at = issue.path.filter((segment): segment is string | number => typeof segment !== 'symbol');
    if (issue.code === 'unrecognized_keys') {
      // describeIssue made the message the list of allowed keys.
      return issue.keys.map((key) => {
        const keyPath = [...at, key];
        return this.#issue(
          this.#offset(keyPath, 'key'),
          keyPath,
          `${prefix(at)}unknown key ${JSON.stringify(key)} (${issue.message})`,
        );
      });
    }
    const target = issue.code === 'invalid_key' ? 'key' : 'value';
    return [this.#issue(this.#offset(at, target), at, `${prefix(at)}${issue.message}`)];
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

/** The policy's message for each zod issue (runs inside zod; schema-level messages win over it). */
function describeIssue(issue: z.core.$ZodRawIssue): string | undefined {
  switch (issue.code) {
    case 'unrecognized_keys':
      return `expected one of: ${allowedKeys(issue.schema).join(', ')}`;
    case 'invalid_key':
    case 'invalid_element':
      return issue.issues.map((inner) => inner.message).join('; ');
    case 'invalid_union': {
      if (issue.discriminator === undefined) return expected(describeSchema(issue.schema), issue.input);
      const value = isRecord(issue.input) ? issue.input[issue.discriminator] : undefined;
      const options = (Array.isArray(issue.options) ? issue.options : [])
        .map((o) => JSON.stringify(o))
        .join(', ');
      if (typeof value !== 'string') return expected(`one of ${options}`, value);
      return `unknown ${issue.discriminator} ${JSON.stringify(value)} (expected one of ${options})`;
    }
    case 'custom':
      return undefined; // a refinement's own message
    default: {
      const what = describeSchema(issue.schema);
      // `capabilities:` with nothing after it is YAML null, a common slip for an empty mapping.
      const hint = what === 'a mapping' && issue.input === null ? '; write {} for an empty mapping' : '';
      return expected(what, issue.input) + hint;
    }
  }
}

type JsonSchema = z.core.JSONSchema.BaseSchema;

function jsonSchemaOf(schema: z.core.$ZodType | undefined): JsonSchema | undefined {
  if (schema === undefined) return undefined;
  try {
    // JSON Schema is zod's public description of a schema; reading it avoids zod's internals.
    return z.toJSONSchema(schema, { target: 'draft-07', io: 'input', unrepresentable: 'any' });
  } catch {
    return undefined;
  }
}

function allowedKeys(schema: z.core.$ZodType | undefined): string[] {
  const keys = Object.keys(jsonSchemaOf(schema)?.properties ?? {});
  // The discriminator first: it is what a reader of a capability's config looks for.
  return keys.includes('plugin') ? ['plugin', ...keys.filter((key) => key !== 'plugin')] : keys;
}

function describeSchema(schema: z.core.$ZodType | undefined): string {
  const json = jsonSchemaOf(schema);
  return json === undefined ? 'a valid value' : describeJson(json);
}

/** An English noun phrase for what a JSON Schema accepts: "an integer from 1 to 600000". */
function describeJson(json: JsonSchema): string {
  if (json.const !== undefined) return JSON.stringify(json.const);
  if (json.enum) return `one of ${json.enum.map((value) => JSON.stringify(value)).join(', ')}`;
  const alternatives = json.anyOf ?? json.oneOf;
  if (alternatives) return alternatives.map(describeJson).join(' or ');
  switch (json.type) {
    case 'integer':
    case 'number':
      return describeNumber(json);
    case 'string':
      return describeString(json);
    case 'boolean':
      return 'true or false';
    case 'null':
      return 'null';
    case 'array': {
      const count = json.minItems
        ? ` of at least ${json.minItems} item${json.minItems === 1 ? '' : 's'}`
        : '';
      const items =
        typeof json.items === 'object' && !Array.isArray(json.items)
          ? ` (each ${describeJson(json.items)})`
          : '';
      return `a list${count}${items}`;
    }
    case 'object':
      return 'a mapping';
    default:
      return 'a valid value';
  }
}

function describeNumber(json: JsonSchema): string {
  const noun = json.type === 'integer' ? 'an integer' : 'a number';
  // z.int() states the safe-integer range; saying so would only be noise.
  const min =
    typeof json.minimum === 'number' && json.minimum > Number.MIN_SAFE_INTEGER ? json.minimum : undefined;
  const max =
    typeof json.maximum === 'number' && json.maximum < Number.MAX_SAFE_INTEGER ? json.maximum : undefined;
  const parts: string[] = [];
  if (min !== undefined && max !== undefined) parts.push(`from ${min} to ${max}`);
  else if (min !== undefined) parts.push(`of at least ${min}`);
  else if (max !== undefined) parts.push(`of at most ${max}`);
  if (typeof json.exclusiveMinimum === 'number') parts.push(`greater than ${json.exclusiveMinimum}`);
  if (typeof json.exclusiveMaximum === 'number') parts.push(`less than ${json.exclusiveMaximum}`);
  if (json.multipleOf !== undefined) parts.push(`a multiple of ${json.multipleOf}`);
  return [noun, ...parts].join(' ');
}

function describeString(json: JsonSchema): string {
  if (json.format === 'date-time') return 'an ISO 8601 date-time string such as 2025-01-31T12:00:00Z';
  if (json.format) return `a string in ${json.format} format`;
  if (json.pattern) return `a string matching /${json.pattern}/`;
  const { minLength: min, maxLength: max } = json;
  if (min === 1 && max === undefined) return 'a non-empty string';
  if (min !== undefined && max !== undefined) return `a string of ${min} to ${max} characters`;
  if (min !== undefined) return `a string of at least ${min} characters`;
  if (max !== undefined) return `a string of at most ${max} characters`;
  return 'a string';
}

/** `capabilities.fs.write[0]`, quoting keys that are not identifiers. */
function formatPath(at: readonly (string | number)[]): string {
  return at
    .map((segment, index) => {
      if (typeof segment === 'number') return `[${segment}]`;
      if (!/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(segment)) return `[${JSON.stringify(segment)}]`;
      return index === 0 ? segment : `.${segment}`;
    })
    .join('');
}

const prefix = (at: readonly (string | number)[]): string => (at.length === 0 ? '' : `${formatPath(at)}: `);

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

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
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
