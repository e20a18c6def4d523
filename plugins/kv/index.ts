// kv: a small key-value store of JSON values. In memory for one run by default; with `file`, kept
// in a JSON file that the runs of the task share (./file-store.ts). Per-call limits (key length,
// value size, readOnly) are policy decisions taken in authorize, so the audit log names the rule;
// quotas that depend on what is stored (maxKeys, maxTotalBytes) are checked when the change is
// applied and fail with their own error codes.
import { accessSync, constants, lstatSync, statSync } from 'node:fs';
import path from 'node:path';
import {
  allow,
  type CheckedMethod,
  type ConfigIssue,
  definePlugin,
  deny,
  type PluginContext,
  z,
} from 'sesame/plugin';
import { entryProblem, type Limits } from './entries.ts';
import { fileStore } from './file-store.ts';
import { JsonValue } from './json.ts';
import { memoryStore, type Store } from './store.ts';

const KiB = 1024;
const MiB = 1024 * KiB;
/** The most `maxKeyLength` may be, and so the static bound on keys in the argument schemas. */
const MAX_KEY_LENGTH_LIMIT = 4096;

// Titles name the parameters in `sesame describe`'s declarations.
const Key = z
  .string()
  .min(1)
  .max(MAX_KEY_LENGTH_LIMIT)
  .meta({ title: 'key', description: 'a non-empty string' });

const Config = z
  .object({
    file: z
      .string()
      .min(1)
      .optional()
      .describe(
        'Keep the store in this JSON file (relative to the policy file), shared by the runs of this task. ' +
          'Its directory must exist; the file is created on the first write. Without it the store is in ' +
          'memory: empty when each run starts and gone when it ends.',
      ),
    readOnly: z
      .boolean()
      .default(false)
      .describe('Allow get, has and list only; set and delete are denied. Needs file.'),
    maxKeys: z
      .number()
      .int()
      .positive()
      .max(1_000_000)
      .default(1000)
      .describe('The most keys the store may hold.'),
    maxKeyLength: z
      .number()
      .int()
      .positive()
      .max(MAX_KEY_LENGTH_LIMIT)
      .default(256)
      .describe('The longest key, in characters (UTF-16 code units).'),
    maxValueBytes: z
      .number()
      .int()
      .positive()
      .max(16 * MiB)
      .default(64 * KiB)
      .describe('The largest value, in bytes of its JSON text (UTF-8).'),
    maxTotalBytes: z
      .number()
      .int()
      .positive()
      .max(256 * MiB)
      .default(4 * MiB)
      .describe("The most the whole store may hold: UTF-8 bytes of every key plus its value's JSON text."),
  })
  .strict();
type KvConfig = z.output<typeof Config>;

// ---------------------------------------------------------------------------------------------
// Checks the schema cannot make

function fileIssues(file: string, readOnly: boolean): ConfigIssue[] {
  const dir = path.dirname(file);
  try {
    if (!statSync(dir).isDirectory()) return [{ path: ['file'], message: `${dir} is not a directory` }];
  } catch {
    return [
      {
        path: ['file'],
        message: `the directory ${dir} does not exist (kv creates the file, not its directory)`,
      },
    ];
  }
  const issues: ConfigIssue[] = [];
  try {
    const st = lstatSync(file);
    if (st.isSymbolicLink()) {
      issues.push({ path: ['file'], message: `${file} is a symlink; kv never reads or writes through one` });
    } else if (!st.isFile()) issues.push({ path: ['file'], message: `${file} is not a regular file` });
  } catch {
    // Missing is fine: the first write creates it.
  }
  if (!readOnly) {
    try {
      accessSync(dir, constants.W_OK);
    } catch {
      issues.push({
        path: ['file'],
        message: `${dir} is not writable (kv writes a temp file and a lock file beside the store)`,
      });
    }
  }
  return issues;
}

function configIssues(config: KvConfig, ctx: Pick<PluginContext, 'resolvePath'>): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  if (config.maxValueBytes > config.maxTotalBytes) {
    issues.push({
      path: ['maxValueBytes'],
      message: `maxValueBytes (${config.maxValueBytes}) is more than maxTotalBytes (${config.maxTotalBytes})`,
    });
  }
  if (config.file === undefined) {
    if (config.readOnly) {
      issues.push({
        path: ['readOnly'],
        message: 'readOnly needs file: a store in memory starts empty each run, so it would always be empty',
      });
    }
    return issues;
  }
  return [...issues, ...fileIssues(ctx.resolvePath(config.file), config.readOnly)];
}

// ---------------------------------------------------------------------------------------------
// The plugin

/** Reads need no decision beyond holding the capability, but name their rule like writes do. */
function reading<Args extends unknown[], Result>(
  invoke: (...args: Args) => Promise<Result>,
): CheckedMethod<Args, Result, undefined> {
  return { authorize: () => allow('read'), invoke: (_grant, ...args) => invoke(...args) };
}

export default definePlugin({
  name: 'kv',
  description:
    'A small key-value store of JSON values (get, set, delete, has, list). In memory for one run unless ' +
    'the policy names a file, which the runs of the task then share; keys, values and the whole store ' +
    'are size-bounded, and readOnly denies changes.',
  config: Config,
  methods: {
    get: {
      description: 'The value stored under key (a fresh copy), or undefined.',
      sideEffects: false,
      args: z.tuple([Key]),
      returns: JsonValue.optional(),
    },
    set: {
      description: 'Store JSON data under key, replacing any value it had.',
      args: z.tuple([Key, JsonValue.meta({ title: 'value' })]),
      returns: z.void(),
    },
    delete: {
      description: 'Remove key; true if it was there.',
      args: z.tuple([Key]),
      returns: z.boolean(),
    },
    has: {
      description: 'Whether a value is stored under key.',
      sideEffects: false,
      args: z.tuple([Key]),
      returns: z.boolean(),
    },
    list: {
      description: 'The keys starting with prefix (all keys without one), sorted.',
      sideEffects: false,
      // nullish: the membrane passes an explicit `undefined` argument on as null.
      args: z.tuple([z.string().max(MAX_KEY_LENGTH_LIMIT).nullish().meta({ title: 'prefix' })]),
      returns: z.array(z.string()),
    },
  },
  check: configIssues,
  explain(config, ctx) {
    const limits =
      `at most ${config.maxKeys} keys of up to ${config.maxKeyLength} characters, values up to ` +
      `${config.maxValueBytes} bytes of JSON, ${config.maxTotalBytes} bytes in all`;
    if (config.file === undefined) {
      return [
        'may keep JSON values under string keys in memory; the store starts empty each run and is discarded when it ends',
        limits,
      ];
    }
    const where = ctx.resolvePath(config.file);
    if (config.readOnly)
      return [`may read (get, has, list) the store in ${where}; set and delete are denied`];
    return [
      `may read and change the store in ${where}, which persists across runs of this task and is shared by concurrent runs; each change is saved atomically`,
      limits,
    ];
  },
  create(config, ctx) {
    const limits: Limits = Object.freeze({
      maxKeys: config.maxKeys,
      maxKeyLength: config.maxKeyLength,
      maxValueBytes: config.maxValueBytes,
      maxTotalBytes: config.maxTotalBytes,
    });
    // No I/O here: a file store is read on its first call.
    const store: Store =
      config.file === undefined
        ? memoryStore()
        : fileStore({ file: ctx.resolvePath(config.file), task: ctx.task, limits, log: ctx.log });
    const readOnly = () => (config.readOnly ? deny('the store is read-only', 'readOnly') : undefined);

    const set: CheckedMethod<[string, unknown], void, string> = {
      authorize(key, value) {
        const refused = readOnly();
        if (refused) return refused;
        // The schema has checked it is JSON data, so this is its exact text.
        const text = JSON.stringify(value);
        const problem = entryProblem(key, text, limits);
        return problem ? deny(problem.reason, problem.rule) : allow('write', text);
      },
      invoke: (text, key) =>
        store.write((entries) => {
          entries.put(key, text, limits);
          return { value: undefined, changed: true };
        }),
    };

    const remove: CheckedMethod<[string], boolean, undefined> = {
      authorize: () => readOnly() ?? allow('write'),
      invoke: (_grant, key) =>
        store.write((entries) => {
          const removed = entries.remove(key);
          return { value: removed, changed: removed };
        }),
    };

    return {
      get: reading((key: string) =>
        store.read((entries) => {
          const text = entries.text(key);
          return text === undefined ? undefined : (JSON.parse(text) as unknown);
        }),
      ),
      set,
      delete: remove,
      has: reading((key: string) => store.read((entries) => entries.has(key))),
      list: reading((prefix?: string | null) => store.read((entries) => entries.keys(prefix ?? ''))),
    };
  },
});
