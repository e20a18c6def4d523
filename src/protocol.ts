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
}

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
}

export interface Secret {
  name: string;
  value: string;
}

export type SupervisorMessage = RunRequest;

/** Worker -> supervisor. */
export type SandboxMessage =
  | { type: 'ready'; lockdownMs: number }
  | { type: 'audit'; runId: string; record: IntentRecord | CallRecord }
  | { type: 'log'; runId: string; line: string }
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
