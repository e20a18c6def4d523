// The host side of sesame: createRuntime() and the lifecycle of one run. The supervisor owns the
// clock and the audit trail; the sandbox worker only proposes. A run never rejects for anything
// the script does: every failure comes back as `error: { code, message }`.
import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { AuditSink } from '../audit/sinks.ts';
import { type DescribeOptions, describeWith, type PolicyDescription } from '../describe/index.ts';
import type { AnyPlugin } from '../plugin/index.ts';
import { explainPolicy } from '../policy/explain.ts';
import {
  isLoadedPolicy,
  type LoadedPolicy,
  PolicyError,
  parsePolicyDeferred,
  secretValues,
} from '../policy/load.ts';
import { hostMethods } from '../policy/schema.ts';
import type {
  AuditRecord,
  CapabilityGrant,
  ErrorCode,
  PluginLogEntry,
  RunError,
  RunRequest,
  Secret,
} from '../protocol.ts';
import { PLUGIN_LOG_MAX_LINES, pluginLogText, redact } from '../protocol.ts';
import { Deadline } from './deadline.ts';
import { describeHostMethods } from './describe-host.ts';
import { type Approver, HostCalls } from './host-calls.ts';
import { McpClients } from './mcp.ts';
import { InstalledPlugins } from './plugins.ts';
import {
  Pool,
  PoolBusyError,
  type PoolOptions,
  type PoolStats,
  type Sandbox,
  type SandboxEvent,
  SandboxStartError,
} from './pool.ts';
import {
  DEFAULT_MAX_SCRIPT_BYTES,
  languageOf,
  locateSyntaxError,
  prepareScript,
  type ScriptLanguage,
} from './script.ts';
import { type HostTools, registerTools } from './tools.ts';

/** A policy object the runtime did not check (built by hand, or a copy) is refused. */
const NOT_LOADED =
  'policy must be YAML text or a policy from loadPolicy()/parsePolicy() (an object built by hand is not checked)';
export interface RuntimeOptions extends PoolOptions {
  /** Where every run's audit records go, besides the run's own result. */
  audit?: AuditSink | AuditSink[];
  /** Largest script accepted, in bytes (default 1 MiB). */
  maxScriptBytes?: number;
  /** Largest input accepted, as JSON bytes (default 1 MiB). */
  maxInputBytes?: number;
  /**
   * Third-party plugins, each a package folder or the name of a package in node_modules (resolved
   * from the current directory). The operator installs them; a policy can only name them
   * (`plugin: <name>`). Each is confined in the sandbox to the builtins its manifest declares.
   */
  plugins?: readonly string[];
  /**
   * The Node builtins third-party plugins (and their dependencies) may be granted, `node:` names.
   * Default: DEFAULT_ALLOWED_BUILTINS (ordinary I/O and utilities; nothing that reaches the sandbox
   * process itself, such as child_process, worker_threads, vm or inspector).
   */
  allowBuiltins?: readonly string[];
  /**
   * Called with each plugin's diagnostic line (`ctx.log`) as it arrives, from every run. The
   * lines are also in each run's result (`pluginLogs`). Never shown to the script.
   */
  onPluginLog?: (entry: PluginLogEntry) => void;
  /**
   * Functions of the host that a policy may grant to scripts by name (`plugin: tools`,
   * `allow: [name, ...]`); see HostTool. They run here, in the host, never in a sandbox.
   */
  tools?: HostTools;
  /**
   * Decides on each call to a method the policy marks `approve` (a run's own `approve` option
   * wins). Without one, such calls are denied. The run's deadline is paused while it decides.
   */
  approve?: Approver;
}

export interface RunOptions {
  /** A policy loaded with loadPolicy(), or the YAML text of one. */
  policy?: LoadedPolicy | string;
  /** Or the path of a policy file (read and cached by content). */
  policyPath?: string;
  /** The script: the body of an async function. */
  script: string;
  /** The script's file name: `.ts` selects TypeScript, and messages use it. */
  scriptName?: string;
  language?: ScriptLanguage;
  /** The task input, JSON data; the script sees it as the global `input`. */
  input?: unknown;
  /** Aborting ends the run with E_ABORTED. */
  signal?: AbortSignal;
  /** Called with each audit record of this run as it happens. */
  onAudit?: (record: AuditRecord) => void;
  /** Decides on this run's calls that need approval (instead of the runtime's `approve`). */
  approve?: Approver;
}

export interface RunResult {
  ok: boolean;
  result?: unknown;
  error?: RunError;
  logs: string[];
  stats: { durationMs: number; calls: number };
  /** Every audit record of this run, in order. */
  audit: AuditRecord[];
  /**
   * What the run's plugins logged for the operator (`ctx.log`), in order: at most
   * PLUGIN_LOG_MAX_LINES lines (and one saying the rest were dropped) of at most
   * PLUGIN_LOG_MAX_CHARS characters each, secrets redacted. Not the script's `logs`.
   */
  pluginLogs: PluginLogEntry[];
  runId: string;
}

export interface Runtime {
  run(options: RunOptions): Promise<RunResult>;
  /** Start sandbox workers ahead of demand (for the default memory limit unless given). */
  prewarm(memoryMb?: number): Promise<void>;
  /**
   * Stop every sandbox and close the audit sinks; resolves once the sandbox processes have exited.
   * `{ wait: false }` resolves without waiting for them, and they no longer keep the host process
   * alive (for a process about to exit: each sandbox also ends when its host goes).
   */
  close(options?: { wait?: boolean }): Promise<void>;
  /** The sandbox pool right now: sandboxes alive (or starting), idle, and runs waiting for one. */
  stats(): PoolStats;
  /** The built-in plugins, then stand-ins for the third-party ones (their code runs only in sandboxes). */
  readonly plugins: readonly AnyPlugin[];
  /** Load and validate a policy file against this runtime's plugins; throws PolicyError. */
  loadPolicy(file: string): Promise<LoadedPolicy>;
  /** Validate policy text against this runtime's plugins; throws PolicyError. */
  parsePolicy(text: string, options?: { file?: string }): Promise<LoadedPolicy>;
  /** `policy explain` with this runtime's plugins (third-party ones described by a sandbox). */
  explainPolicy(policy: LoadedPolicy): Promise<string>;
  /**
   * `sesame describe`: TypeScript declarations of everything a script under `policy` may use
   * (`input`, `console`, each capability's methods with their parameter and result types and
   * docs, the standard globals its plugins turn on, the limits), for a model's prompt, and the
   * same surface as JSON (JSON Schema for each parameter and result). Made from the plugins'
   * own schemas; third-party plugins are described by a sandbox, never run in the host.
   * `options.capabilities` adds capabilities described by JSON Schema only (host tools, MCP
   * tools: see `toolMethod`); `options.input` is the input's JSON Schema. Throws TypeError for an
   * added capability whose name is not an identifier or is taken.
   */
  describePolicy(policy: LoadedPolicy, options?: DescribeOptions): Promise<PolicyDescription>;
}

const POLICY_CACHE_SIZE = 256;

/** The fields of a run request that depend only on the policy. */
type PolicyFields = 'task' | 'limits' | 'capabilities' | 'policyDir' | 'redact';

/** The parts of a run that depend only on its policy (see partsOf in createRuntime). */
interface RunParts {
  readonly capabilities: readonly CapabilityGrant[];
  readonly redactions: readonly Secret[];
  /** run.start's `capabilities`: name -> plugin. */
  readonly summary: Readonly<Record<string, string>>;
  /** The policy's fields of the run request, as JSON members without the braces. */
  readonly requestJson: string;
}

// Hashes of recent scripts: an agent runs the same few scripts many times.
const scriptHashes = new Map<string, string>();
const SCRIPT_HASHES_KEPT = 32;
const SCRIPT_HASH_CACHE_MAX_LENGTH = 16 * 1024;
function scriptHash(script: string): string {
  let hash = scriptHashes.get(script);
  if (hash === undefined) {
    hash = createHash('sha256').update(script).digest('hex');
    if (script.length <= SCRIPT_HASH_CACHE_MAX_LENGTH) {
      if (scriptHashes.size >= SCRIPT_HASHES_KEPT)
        scriptHashes.delete(scriptHashes.keys().next().value as string);
      scriptHashes.set(script, hash);
    }
  }
  return hash;
}

/** A sandbox that cannot start because a plugin cannot load is the operator's to fix: E_USAGE. */
function startFailure(error: SandboxStartError): RunError {
  return { code: error.plugin ? 'E_USAGE' : 'E_INTERNAL', message: error.message };
}
const DEFAULT_MAX_INPUT_BYTES = 1 << 20;

export function createRuntime(options: RuntimeOptions = {}): Runtime {
  // Throws PluginInstallError now, not at the first run, for a plugin that is missing, has no
  // valid manifest, or takes a name already taken.
  const tools = registerTools(options.tools);
  const installed = new InstalledPlugins({ ...options, toolNames: [...tools.keys()] });
  const mcp = new McpClients();
  const plugins = installed.definitions;
  const pool = new Pool(options, installed.sandbox === undefined ? {} : { config: installed.sandbox });
  const validateDeferred = installed.validator(pool);
  const sinks =
    options.audit === undefined ? [] : Array.isArray(options.audit) ? options.audit : [options.audit];
  const maxScriptBytes = options.maxScriptBytes ?? DEFAULT_MAX_SCRIPT_BYTES;
  const maxInputBytes = options.maxInputBytes ?? DEFAULT_MAX_INPUT_BYTES;
  const policyCache = new Map<string, LoadedPolicy>();
  // Read once: os.tmpdir() asks the OS on every call.
  const tmpdir = os.tmpdir();
  let closed = false;

  async function resolvePolicy(opts: RunOptions): Promise<LoadedPolicy> {
    if (opts.policy !== undefined && typeof opts.policy !== 'string') return opts.policy;
    const file = opts.policyPath === undefined ? undefined : path.resolve(opts.policyPath);
    const text = file === undefined ? opts.policy : await fs.readFile(file, 'utf8');
    if (typeof text !== 'string')
      throw new PolicyError([
        { file: '<policy>', line: 1, column: 1, path: [], message: 'no policy given (policy or policyPath)' },
      ]);
    const key = `${file ?? ''}\0${createHash('sha256').update(text).digest('hex')}`;
    const cached = policyCache.get(key);
    if (cached) return cached;
    const loaded = await parsePolicyDeferred(
      text,
      file === undefined ? { plugins } : { file, plugins },
      validateDeferred,
    );
    if (policyCache.size >= POLICY_CACHE_SIZE) policyCache.delete(policyCache.keys().next().value as string);
    policyCache.set(key, loaded);
    return loaded;
  }

  // What every run of a policy shares, worked out once per loaded policy (not once per run).
  const partsCache = new WeakMap<LoadedPolicy, RunParts>();
  function partsOf(policy: LoadedPolicy): RunParts {
    const known = partsCache.get(policy);
    if (known) return known;
    const secrets = secretValues(policy);
    const redactions: Secret[] = [...secrets].map(([name, value]) => ({ name, value }));
    const capabilities: CapabilityGrant[] = Object.entries(policy.capabilities).map(([name, cap]) => {
      const plugin = plugins.find((p) => p.name === cap.plugin);
      const granted: Record<string, string> = {};
      for (const secret of plugin?.secrets?.(cap.config) ?? []) {
        const value = secrets.get(secret);
        if (value !== undefined) granted[secret] = value;
      }
      const remote = plugin === undefined ? undefined : hostMethods(plugin, cap.config);
      return {
        name,
        plugin: cap.plugin,
        config: cap.config,
        secrets: granted,
        ...(cap.options === undefined ? {} : { options: cap.options }),
        ...(remote === undefined ? {} : { remote: { methods: remote } }),
      };
    });
    const parts: RunParts = Object.freeze({
      capabilities: Object.freeze(capabilities.map((grant) => Object.freeze(grant))),
      redactions: Object.freeze(redactions.map((secret) => Object.freeze(secret))),
      summary: Object.freeze(
        Object.fromEntries(Object.entries(policy.capabilities).map(([k, v]) => [k, v.plugin])),
      ),
      requestJson: JSON.stringify({
        task: policy.task,
        limits: policy.limits,
        capabilities,
        policyDir: policy.dir,
        redact: redactions,
      } satisfies Pick<RunRequest, PolicyFields>).slice(1, -1),
    });
    partsCache.set(policy, parts);
    return parts;
  }

  async function run(opts: RunOptions): Promise<RunResult> {
    const started = performance.now();
    const runId = randomUUID();
    const audit: AuditRecord[] = [];
    const logs: string[] = [];
    const pluginLogs: PluginLogEntry[] = [];
    // An audit trail that cannot be written fails the run closed (see the listener below): a
    // run must not go on acting unrecorded. The records still come back in the result.
    let auditFailure: string | undefined;
    const emit = (record: AuditRecord) => {
      audit.push(record);
      try {
        for (const sink of sinks) sink.write(record);
        opts.onAudit?.(record);
      } catch (error) {
        auditFailure ??= `the audit trail could not be written: ${(error as Error)?.message ?? String(error)}`;
      }
    };
    const early = (error: RunError): RunResult => ({
      ok: false,
      error,
      logs,
      stats: { durationMs: performance.now() - started, calls: 0 },
      audit,
      pluginLogs,
      runId,
    });

    if (closed) return early({ code: 'E_USAGE', message: 'the runtime is closed' });
    if (typeof opts.policy === 'object' && !isLoadedPolicy(opts.policy)) {
      return early({ code: 'E_USAGE', message: NOT_LOADED });
    }
    let policy: LoadedPolicy;
    try {
      policy = await resolvePolicy(opts);
    } catch (error) {
      if (error instanceof PolicyError) return early({ code: 'E_POLICY', message: error.message });
      if (error instanceof SandboxStartError) return early(startFailure(error));
      return early({ code: 'E_POLICY', message: `cannot read policy: ${(error as Error).message}` });
    }
    if (typeof opts.script !== 'string')
      return early({ code: 'E_USAGE', message: 'script must be a string' });

    // The input goes to the sandbox as this JSON text: plain data, whatever the host passed.
    let inputJson: string;
    try {
      inputJson = JSON.stringify(opts.input ?? null) ?? 'null';
      if (Buffer.byteLength(inputJson) > maxInputBytes) {
        return early({ code: 'E_INPUT_LIMIT', message: `the input is larger than ${maxInputBytes} bytes` });
      }
    } catch {
      return early({ code: 'E_USAGE', message: 'input must be JSON data' });
    }

    const limits = policy.limits;
    const parts = partsOf(policy);
    const { capabilities, redactions } = parts;
    const ended = (error: RunError | undefined, calls: number) =>
      emit({
        event: 'run.end',
        ts: new Date().toISOString(),
        runId,
        task: policy.task,
        ok: error === undefined,
        ...(error ? { error: { code: error.code, message: error.message } } : {}),
        durationMs: performance.now() - started,
        calls,
      });
    emit({
      event: 'run.start',
      ts: new Date().toISOString(),
      runId,
      task: policy.task,
      policyHash: policy.hash,
      scriptHash: scriptHash(opts.script),
      limits,
      capabilities: parts.summary,
    });

    if (auditFailure !== undefined) {
      const error: RunError = { code: 'E_INTERNAL', message: auditFailure };
      ended(error, 0);
      return { ...early(error), audit };
    }
    const prepared = prepareScript(opts.script, opts.language ?? languageOf(opts.scriptName), maxScriptBytes);
    if ('error' in prepared) {
      ended(prepared.error, 0);
      return { ...early(prepared.error), audit };
    }
    if (opts.signal?.aborted) {
      const error: RunError = { code: 'E_ABORTED', message: 'the run was aborted before it started' };
      ended(error, 0);
      return { ...early(error), audit };
    }

    // The run's scratch directory: named here, made by the sandbox only if a plugin asks for it
    // (ctx.scratch), removed here when the run ends, however it ends (a killed sandbox cannot).
    // A name nobody can guess (not the run id, which audit records show before the run starts).
    const scratchDir = path.join(tmpdir, `sesame-scratch-${randomUUID()}`);
    // The request as the sandbox reads it: this run's fields, the input's JSON as checked above,
    // and the policy's fields, serialized once per policy.
    const own: Omit<RunRequest, PolicyFields | 'input'> = {
      type: 'run',
      runId,
      source: prepared.source,
      scratchDir,
    };
    const request = `${JSON.stringify(own).slice(0, -1)},"input":${inputJson},${parts.requestJson}}`;

    let worker: Sandbox;
    try {
      worker = await pool.acquire(
        limits.memoryMb,
        capabilities.filter((grant) => grant.remote === undefined).map((grant) => grant.plugin),
      );
    } catch (error) {
      const failure: RunError =
        error instanceof SandboxStartError
          ? startFailure(error)
          : error instanceof PoolBusyError
            ? { code: 'E_BUSY', message: error.message }
            : { code: 'E_INTERNAL', message: (error as Error).message };
      ended(failure, 0);
      return { ...early(failure), audit };
    }

    return new Promise<RunResult>((resolve) => {
      let calls = 0;
      let settled = false;
      // Only a run whose plugins asked for scratch space has a directory to remove.
      let scratchMade = false;
      const finish = (outcome: { ok: boolean; result?: unknown; error?: RunError }, kill: boolean) => {
        if (settled) return;
        settled = true;
        deadline.clear();
        // Host calls still acting are aborted and recorded now, before the run's end record.
        hostCalls.end();
        opts.signal?.removeEventListener('abort', onAbort);
        const done = async () => {
          if (scratchMade)
            await fs.rm(scratchDir, { recursive: true, force: true, maxRetries: 2 }).catch(() => {});
          let error = outcome.error;
          if (error?.code === 'E_SYNTAX') error = locateSyntaxError(prepared.source, error);
          ended(error, calls);
          resolve({
            ok: outcome.ok,
            ...(outcome.ok ? { result: outcome.result } : { error: error as RunError }),
            logs,
            stats: { durationMs: performance.now() - started, calls },
            audit,
            pluginLogs,
            runId,
          });
        };
        // Whatever the pool does with the sandbox, the run resolves and writes its end record.
        if (kill) {
          // Keep listening until the process is gone: records it sent before dying still land.
          void pool.discard(worker).then(done, done);
        } else {
          try {
            worker.detach();
            pool.release(worker);
          } finally {
            void done();
          }
        }
      };
      const kill = (code: ErrorCode, message: string) =>
        finish({ ok: false, error: { code, message } }, true);
      const onAbort = () => kill('E_ABORTED', 'the run was aborted by the host');

      const listener = (event: SandboxEvent) => {
        if (event.kind === 'exit') {
          if (settled) return;
          if (event.outOfMemory)
            finish(
              {
                ok: false,
                error: {
                  code: 'E_MEMORY',
                  message: `the script used more than memoryMb (${limits.memoryMb} MiB)`,
                },
              },
              true,
            );
          else
            finish(
              {
                ok: false,
                error: {
                  code: 'E_INTERNAL',
                  message: `the sandbox crashed (${event.signal ?? `exit ${event.code}`})`,
                },
              },
              true,
            );
          return;
        }
        // The sandbox already redacts secrets; doing it again here costs little and trusts nothing.
        const message = redact(event.message, redactions);
        if (!('runId' in message) || message.runId !== runId) return;
        switch (message.type) {
          case 'audit':
            calls = Math.max(calls, message.record.seq);
            emit(message.record);
            if (auditFailure !== undefined && !settled) kill('E_INTERNAL', auditFailure);
            break;
          case 'log':
            logs.push(message.line);
            break;
          case 'scratch':
            scratchMade = true;
            break;
          case 'plugin-log':
            pluginLog(String(message.capability), String(message.plugin), String(message.message));
            break;
          case 'ask': {
            const { id } = message;
            void hostCalls.answer(message.question).then((answer) => {
              if (!settled) worker.reply(redact({ type: 'answer', runId, id, ...answer }, redactions));
            });
            break;
          }
          case 'violation':
            if (!settled) finish({ ok: false, error: message.error }, true);
            break;
          case 'done':
            calls = message.calls;
            if (!settled) {
              finish(
                message.ok
                  ? { ok: true, result: message.result }
                  : { ok: false, ...(message.error ? { error: message.error } : {}) },
                false,
              );
            }
            break;
        }
      };
      // Bounded again here: the sandbox's word is not trusted.
      const pluginLog = (capability: string, plugin: string, text: string) => {
        if (pluginLogs.length > PLUGIN_LOG_MAX_LINES) return;
        const entry: PluginLogEntry = {
          runId,
          capability,
          plugin,
          message: pluginLogText(redact(text, redactions)),
        };
        pluginLogs.push(entry);
        try {
          options.onPluginLog?.(entry);
        } catch {
          // The host's callback failing is no reason to fail the run.
        }
      };
      // The deadline stops while the host decides on an approval (see HostCalls).
      const deadline = new Deadline(limits.timeoutMs, () =>
        kill('E_TIMEOUT', `the script ran longer than timeoutMs (${limits.timeoutMs} ms)`),
      );
      const approve = opts.approve ?? options.approve;
      const hostCalls = new HostCalls({
        runId,
        task: policy.task,
        grants: capabilities,
        tools,
        mcp,
        policyDir: policy.dir,
        approve,
        approvalTimeoutMs: limits.approvalTimeoutMs,
        deadline,
        emit,
        log: pluginLog,
      });
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      worker.start(request, listener);
      // Aborted while waiting for a sandbox: the listener above came too late to hear it.
      if (opts.signal?.aborted) onAbort();
    });
  }

  return {
    run,
    plugins,
    async loadPolicy(file) {
      let text: string;
      try {
        text = await fs.readFile(file, 'utf8');
      } catch (error) {
        const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
        const message = `cannot read the policy file (${reason})`;
        throw new PolicyError([{ file, line: 0, column: 0, path: [], message }]);
      }
      return parsePolicyDeferred(text, { file, plugins }, validateDeferred);
    },
    async parsePolicy(text, { file } = {}) {
      return parsePolicyDeferred(
        text,
        file === undefined ? { plugins } : { file, plugins },
        validateDeferred,
      );
    },
    async explainPolicy(policy) {
      if (!isLoadedPolicy(policy)) throw new TypeError(NOT_LOADED);
      if (installed.thirdParty) await installed.describe(pool, policy.limits.memoryMb);
      return explainPolicy(policy, plugins);
    },
    async describePolicy(policy, describeOptions = {}) {
      if (!isLoadedPolicy(policy)) throw new TypeError(NOT_LOADED);
      if (installed.thirdParty) await installed.describe(pool, policy.limits.memoryMb);
      const hostMethods = await describeHostMethods(policy, tools, mcp);
      return describeWith(
        policy,
        { plugins, descriptors: installed.descriptors, hostMethods },
        describeOptions,
      );
    },
    stats: () => pool.stats(),
    async prewarm(memoryMb = 64) {
      await pool.prewarm(memoryMb);
    },
    async close({ wait = true } = {}) {
      closed = true;
      await Promise.all([pool.close(wait), mcp.close()]);
      for (const sink of sinks) sink.close?.();
    },
  };
}
