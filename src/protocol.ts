// The messages between the supervisor (host side) and the sandbox worker, and the data both sides
// share: error codes, limits, audit records. This is the only module both sides import.

/** Every error code a run can end with. Stable: hosts and outside checks match on these. */
export const ERROR_CODES = [
  'E_POLICY',
  'E_SYNTAX',
  'E_SCRIPT',
  'E_DENIED',
  'E_TIMEOUT',
  'E_MEMORY',
  'E_CALL_LIMIT',
  'E_OUTPUT_LIMIT',
  'E_INPUT_LIMIT',
  'E_BUSY',
  'E_ABORTED',
  'E_USAGE',
  'E_INTERNAL',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/** The CLI exit code for each error code (0 is success). */
export const EXIT_CODES: Readonly<Record<ErrorCode, number>> = Object.freeze({
  E_POLICY: 2,
  E_SYNTAX: 1,
  E_SCRIPT: 1,
  E_DENIED: 1,
  E_INTERNAL: 1,
  E_TIMEOUT: 3,
  E_MEMORY: 3,
  E_CALL_LIMIT: 3,
  E_OUTPUT_LIMIT: 3,
  E_INPUT_LIMIT: 3,
  E_BUSY: 3,
  E_ABORTED: 4,
  E_USAGE: 2,
});

export interface RunError {
  code: ErrorCode;
  message: string;
  /** 1-based line in the script's own numbering, when known. */
  line?: number;
  /** 1-based column, when known. */
  column?: number;
}

export interface Limits {
  timeoutMs: number;
  memoryMb: number;
  maxCalls: number;
  maxOutputBytes: number;
  /**
   * How long one call may wait for the host's approval (a method marked `approve`); the run's
   * own deadline is paused meanwhile. Running out denies the call.
   */
  approvalTimeoutMs: number;
}

/** Whether the policy wants the host's approval for calls to `method` of this capability. */
export function needsApproval(options: CapabilityOptions | undefined, method: string): boolean {
  const approve = options?.approve;
  return approve === true || (Array.isArray(approve) && approve.includes(method));
}

/** A rate: at most `calls` calls in any `perMs` milliseconds (calls beyond it wait their turn). */
export interface Rate {
  calls: number;
  perMs: number;
}

/** Options a policy may give any capability, besides its plugin's config. */
export interface CapabilityOptions {
  /** Calls to this capability allowed in one run (on top of the run's `limits.maxCalls`). */
  maxCalls?: number;
  rate?: Rate;
  /** Methods whose every call waits for the host's approval; `true` for all of them. */
  approve?: true | string[];
}

/** One capability as the worker needs it: validated config, plain data only. */
export interface CapabilityGrant {
  /** The guest global's name. */
  name: string;
  /** The plugin that provides it. */
  plugin: string;
  /** The plugin's config, already validated by the plugin's schema on the host. */
  config: unknown;
  /** Values of the policy secrets this capability uses (its plugin's `secrets` hook), by name. */
  secrets: Record<string, string>;
  /** Per-capability limits and approvals from the policy. */
  options?: CapabilityOptions;
  /**
   * A capability that lives in the host (host tools, an MCP server's tools): the sandbox builds a
   * membrane whose methods ask the supervisor to make the call, named here.
   */
  remote?: { methods: string[] };
}

/** Where the audit trail of a call stands. */
export type Decision = 'allow' | 'deny';

/** Written before a capability acts (decision allow) so a killed run still shows what it started. */
export interface IntentRecord {
  event: 'call.intent';
  ts: string;
  runId: string;
  task: string;
  seq: number;
  cap: string;
  plugin: string;
  method: string;
  args: unknown;
  decision: 'allow';
  rule: string;
  /** For a method marked `approve`: the host approved this call. */
  approval?: ApprovalOutcome;
}

/** How a call that needed approval was decided. */
export type ApprovalOutcome = 'approved' | 'denied' | 'timeout' | 'unavailable';

/** The contract's audit record: one per finished (or denied) capability call. */
export interface CallRecord {
  event: 'call';
  ts: string;
  runId: string;
  task: string;
  seq: number;
  cap: string;
  plugin: string;
  method: string;
  args: unknown;
  decision: Decision;
  rule?: string;
  outcome: 'ok' | 'error';
  error?: { code: string; message: string };
  durationMs: number;
  resultBytes?: number;
  /** Facts of the result the plugin chose to record (e.g. an HTTP status and byte counts). */
  info?: Record<string, unknown>;
  /** For a method marked `approve`: how the host decided. */
  approval?: ApprovalOutcome;
}

export interface RunStartRecord {
  event: 'run.start';
  ts: string;
  runId: string;
  task: string;
  policyHash: string;
  scriptHash: string;
  limits: Limits;
  capabilities: Record<string, string>;
}

export interface RunEndRecord {
  event: 'run.end';
  ts: string;
  runId: string;
  task: string;
  ok: boolean;
  error?: { code: ErrorCode; message: string };
  durationMs: number;
  calls: number;
}

export type AuditRecord = RunStartRecord | IntentRecord | CallRecord | RunEndRecord;

/** Supervisor -> worker. */
export interface RunRequest {
  type: 'run';
  runId: string;
  task: string;
  /** The script wrapped as `(async function () {\n<body>\n})`, types already stripped. */
  source: string;
  input: unknown;
  limits: Limits;
  capabilities: CapabilityGrant[];
  /** Directory of the policy file: relative paths in plugin configs resolve against it. */
  policyDir: string;
  /** Every secret value of the policy, by name: removed from anything that leaves the sandbox. */
  redact: Secret[];
  /**
   * The run's scratch directory, an absolute path the supervisor chose (under its os.tmpdir(),
   * a random name). The sandbox creates it (mode 0700) only when a plugin first asks for it
   * (`ctx.scratch()`); the supervisor removes it when the run ends, however it ends.
   */
  scratchDir?: string;
}

/** Most plugin log lines a run keeps (the sandbox then sends one line saying the rest were dropped). */
export const PLUGIN_LOG_MAX_LINES = 100;
/** Longest plugin log line, in UTF-16 code units; longer ones are cut (after redaction). */
export const PLUGIN_LOG_MAX_CHARS = 1000;

/**
 * A plugin log line as it may leave the sandbox: control characters (newlines, terminal escapes)
 * written as `\xNN`, so one call is one line and cannot forge others on an operator's terminal,
 * and cut to PLUGIN_LOG_MAX_CHARS. Redact before calling this. Applying it twice changes nothing.
 */
export function pluginLogText(text: string): string {
  const escaped = text.replace(
    // biome-ignore lint/suspicious/noControlCharactersInRegex: finding them is the point
    /[\u0000-\u0008\u000a-\u001f\u007f-\u009f]/g,
    (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`,
  );
  return escaped.length > PLUGIN_LOG_MAX_CHARS ? `${escaped.slice(0, PLUGIN_LOG_MAX_CHARS - 1)}…` : escaped;
}

/** A plugin's diagnostic line (`ctx.log`): for the operator, never the script. */
export interface PluginLogEntry {
  runId: string;
  /** The capability (guest global) whose plugin instance logged. */
  capability: string;
  plugin: string;
  message: string;
}

export interface Secret {
  name: string;
  value: string;
}

/** How a sandbox is set up, given on its command line: the plugins it loads besides the built-ins. */
export interface SandboxConfig {
  /** Third-party plugin folders, absolute. */
  plugins: string[];
  /** The Node builtins third-party plugins and their dependencies may be granted (`node:` names). */
  allowBuiltins: string[];
  /**
   * Only these built-in plugins load before the sandbox says it is ready, the others once it is
   * (by default all load before): the CLI names those its policy uses, so the sandbox it starts
   * while it loads itself is ready sooner, and its one run does not wait.
   */
  preload?: string[];
}

/** One package of a plugin and what its manifest lets it reach. */
export interface PackageReach {
  name: string;
  /** compartment-mapper's canonical name: `$root$` for the plugin itself, `a>b` for a dependency. */
  label: string;
  builtins: string[];
  globals: string[];
}

/** One parameter of a plugin method: its name, JSON Schema, and whether it may be left out. */
export interface PluginParamDescriptor {
  name: string;
  /** A JSON Schema: an object of keywords, or true/false. */
  schema: boolean | { [keyword: string]: unknown };
  optional: boolean;
  rest?: boolean;
}

/** One method of a plugin, as a sandbox describes it. */
export interface PluginMethodDescriptor {
  description: string;
  /** From the `args` tuple (zod's io 'input'). Absent from a sandbox of an older sesame. */
  params?: PluginParamDescriptor[];
  /** The result's JSON Schema (io 'output'); null when the method resolves to nothing. */
  returns?: boolean | { [keyword: string]: unknown } | null;
  /** MethodSpec.returnsType and .signatures, TypeScript text as the plugin wrote it. */
  returnsType?: string;
  signatures?: string[];
}

/** A loaded third-party plugin as the host learns it from a sandbox: plain data only. */
export interface PluginDescriptor {
  name: string;
  dir: string;
  description: string;
  /** The config's JSON Schema (draft-07, as a policy writes it), or null if zod cannot say. */
  config: unknown;
  /**
   * Each method as `sesame describe` shows it (src/describe/surface.ts MethodSurface): its
   * parameters and result as JSON Schema, made from the plugin's zod schemas in the sandbox.
   */
  methods: Record<string, PluginMethodDescriptor>;
  /** The method the capability itself calls (`definePlugin({ call })`), if any. */
  call?: string;
  /** The plugin first, then its dependencies. */
  packages: PackageReach[];
  /** The optional hooks it defines, of check, explain, secrets. */
  hooks: string[];
}

/** A third-party capability of a policy, for a sandbox to validate with the plugin's own schema. */
export interface ConfigRequest {
  name: string;
  plugin: string;
  /** As the policy wrote it, without `plugin`. */
  config: Record<string, unknown>;
}

/** A problem a sandbox found in a config: where in the policy, and the whole message. */
export interface ConfigProblem {
  path: (string | number)[];
  target: 'key' | 'value';
  message: string;
}

/** A sandbox's verdict on one capability: the parsed config and what its hooks said, or problems. */
export type ConfigVerdict =
  | { ok: true; config: Record<string, unknown>; secrets: string[]; explain: string[] }
  | { ok: false; problems: ConfigProblem[] };

/** `sesame plugin check`: what a plugin folder is, imports and may reach. */
export interface PluginReport {
  dir: string;
  /** Why it cannot be installed, when it cannot. */
  error?: string;
  descriptor?: PluginDescriptor;
  /** What each package imports from outside itself (builtins, the SDK), by label. */
  imports: Record<string, string[]>;
  /** Builtins imported but not declared, and declared but never imported, as "package: builtin". */
  undeclared: string[];
  unused: string[];
}

/** What a sandbox asks of the supervisor during a run. */
export type Question =
  /**
   * Make a call to a host capability (host tool, MCP tool); the sandbox has counted it as `seq`.
   * `view` is what the audit records of the arguments (bounded).
   */
  | { kind: 'call'; cap: string; method: string; seq: number; args: unknown[]; view: unknown }
  /** May this call (already allowed by the policy) go ahead? `args` is its audit view. */
  | {
      kind: 'approve';
      cap: string;
      plugin: string;
      method: string;
      seq: number;
      args: unknown;
      rule: string;
    };

/** The supervisor's answer: a value, or an error the guest sees as it is. */
export type Answer = { ok: true; value: unknown } | { ok: false; error: { code: string; message: string } };

/** The host's decision on an approval (the value of an `approve` answer). */
export interface ApprovalAnswer {
  approved: boolean;
  outcome: ApprovalOutcome;
  reason?: string;
}

export type SupervisorMessage =
  | RunRequest
  | ({ type: 'answer'; runId: string; id: number } & Answer)
  | { type: 'validate'; id: string; policyDir: string; capabilities: ConfigRequest[] }
  | { type: 'inspect'; id: string; dir: string };

/** Worker -> supervisor. */
export type SandboxMessage =
  /** Started; `plugins` describes the third-party plugins it loaded. */
  | { type: 'ready'; lockdownMs: number; plugins?: PluginDescriptor[] }
  /** Could not start (a plugin failed to load); the sandbox exits after this. */
  | { type: 'failed'; error: string }
  | { type: 'validated'; id: string; verdicts: ConfigVerdict[] }
  | { type: 'inspected'; id: string; report: PluginReport }
  | { type: 'audit'; runId: string; record: IntentRecord | CallRecord }
  | { type: 'log'; runId: string; line: string }
  /** The run's scratch directory is about to be made: the supervisor removes it when the run ends. */
  | { type: 'scratch'; runId: string }
  /** A question whose answer the run waits for (see Question). */
  | { type: 'ask'; runId: string; id: number; question: Question }
  /** A plugin's `ctx.log` line: bounded and redacted in the sandbox, again by the supervisor. */
  | ({ type: 'plugin-log' } & PluginLogEntry)
  /** A limit was crossed: the run is over whatever the script does next. */
  | { type: 'violation'; runId: string; error: RunError }
  | {
      type: 'done';
      runId: string;
      ok: boolean;
      result?: unknown;
      error?: RunError;
      calls: number;
    };

/** The number of lines the evaluator puts before the script body. */
export const SCRIPT_LINE_OFFSET = 1;
/** The name under which stack traces show the script. */
export const SCRIPT_URL = 'sesame:script';

export function wrapScript(body: string): string {
  return `(async function () {\n${body}\n})\n//# sourceURL=${SCRIPT_URL}\n`;
}

/**
 * Replace every occurrence of a secret's value in the strings of plain data with
 * `[REDACTED:NAME]`. Both sides apply it: the sandbox before anything leaves it, the supervisor
 * again before anything reaches the host or the audit trail.
 */
export function redact<T>(value: T, secrets: readonly Secret[]): T {
  if (secrets.length === 0) return value;
  const scrub = (v: unknown, depth: number): unknown => {
    if (typeof v === 'string') {
      let out = v;
      for (const { name, value: secret } of secrets) {
        if (out.includes(secret)) out = out.split(secret).join(`[REDACTED:${name}]`);
      }
      return out;
    }
    if (v === null || typeof v !== 'object' || depth > 64) return v;
    if (Array.isArray(v)) return v.map((item) => scrub(item, depth + 1));
    if (ArrayBuffer.isView(v)) return v;
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(v)) {
      Object.defineProperty(out, scrub(key, depth + 1) as string, {
        value: scrub(item, depth + 1),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return out;
  };
  return scrub(value, 0) as T;
}

/**
 * The channel is newline-delimited JSON both ways. Returns a handler for text chunks that calls
 * `onLine` with each complete line; only each new chunk is searched and a long line's pieces are
 * joined once, so the cost is linear in the bytes received.
 */
export function lineReader(onLine: (line: string) => void): (chunk: string) => void {
  let pending: string[] = [];
  return (chunk) => {
    let start = 0;
    let nl = chunk.indexOf('\n');
    while (nl >= 0) {
      const line = pending.length === 0 ? chunk.slice(start, nl) : pending.join('') + chunk.slice(start, nl);
      pending = [];
      if (line) onLine(line);
      start = nl + 1;
      nl = chunk.indexOf('\n', start);
    }
    if (start < chunk.length) pending.push(chunk.slice(start));
  };
}
