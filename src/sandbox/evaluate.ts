// One run inside the sandbox worker: build the capabilities the policy grants, wrap them in the
// membrane, evaluate the script in a fresh Compartment and report the outcome as plain data.
import fs from 'node:fs/promises';
import path from 'node:path';
import { type AnyPlugin, type PluginContext, PluginError } from '../plugin/index.ts';
import type { CapabilityGrant, RunError, RunRequest, SandboxMessage, Secret } from '../protocol.ts';
import { PLUGIN_LOG_MAX_LINES, pluginLogText, redact, SCRIPT_LINE_OFFSET, SCRIPT_URL } from '../protocol.ts';
import { askSupervisor } from './channel.ts';
import { makeConsole } from './console.ts';
import { freezeBuilt, hardenBuilt } from './freeze.ts';
import { type RunState, wrapCapability, wrapRemote } from './membrane.ts';
import { CopyError, CopyLimitError, copyPlain, jsonBytes } from './passable.ts';

const MAX_MESSAGE = 2000;
const stackLine = new RegExp(`${SCRIPT_URL.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:(\\d+):(\\d+)`);
/**
 * Errors the membrane made, whose codes the runtime vouches for. One set for the sandbox's life,
 * not one per run: a weak collection per run costs the garbage collector on every run, and an
 * error the membrane made is genuine whichever run it came from.
 */
const OWN_ERRORS = new WeakSet<object>();
/** Globals a guest always has besides its capabilities. */
const RESERVED = new Set(['input', 'console']);

/** Report a message to the supervisor (channel.ts: send() at once, keep() soon, in order). */
export type Post = (message: SandboxMessage) => void;

/** Where in the script an error was thrown, from the privileged stack string. */
function locate(error: unknown): { line?: number; column?: number } {
  try {
    const stack = globalThis.getStackString?.(error) ?? '';
    const m = stackLine.exec(stack);
    if (!m) return {};
    return { line: Number(m[1]) - SCRIPT_LINE_OFFSET, column: Number(m[2]) };
  } catch {
    return {};
  }
}

/** A bounded string for a thrown guest value; guest getters may run, host functions are not exposed. */
function describeThrown(error: unknown, secrets: readonly Secret[]): string {
  // Redact before cutting: a cut first could leave the start of a secret behind.
  const bounded = (text: string) => redact(text, secrets).slice(0, MAX_MESSAGE);
  try {
    if (error !== null && typeof error === 'object') {
      const name = Reflect.get(error, 'name');
      const message = Reflect.get(error, 'message');
      if (typeof message === 'string') {
        return bounded(`${typeof name === 'string' ? name : 'Error'}: ${message}`);
      }
    }
    return bounded(`uncaught ${typeof error === 'string' ? JSON.stringify(error) : String(error)}`);
  } catch {
    return 'uncaught value (unprintable)';
  }
}

export async function runScript(
  req: RunRequest,
  plugins: ReadonlyMap<string, AnyPlugin>,
  send: Post,
  keep: Post,
): Promise<void> {
  // Nothing leaves the sandbox with a secret's value in it: results, logs, errors, audit records.
  const redacted = (out: Post): Post =>
    req.redact.length === 0 ? out : (message) => out(redact(message, req.redact));
  const post = redacted(send);
  const later = redacted(keep);
  const { runId, limits } = req;
  let violation: RunError | undefined;
  let outputBytes = 0;
  const state: RunState = {
    runId,
    task: req.task,
    maxCalls: limits.maxCalls,
    calls: 0,
    revoked: false,
    inFlight: 0,
    ownErrors: OWN_ERRORS,
    audit: (record) => later({ type: 'audit', runId, record }),
    auditNow: (record) => post({ type: 'audit', runId, record }),
    ask: (question) => askSupervisor(runId, question, post),
    violate(code, message) {
      if (violation) return;
      violation = { code, message };
      post({ type: 'violation', runId, error: violation });
    },
  };
  const finish = (outcome: { ok: boolean; result?: unknown; error?: RunError }) => {
    state.revoked = true;
    const error = violation ?? outcome.error;
    post(
      error
        ? { type: 'done', runId, ok: false, error, calls: state.calls }
        : { type: 'done', runId, ok: true, result: outcome.result, calls: state.calls },
    );
  };

  // ctx.log: a plugin's diagnostics go to the operator (the supervisor), never into the run's logs.
  // Redacted before it is cut, so a cut cannot leave part of a secret behind.
  let pluginLogLines = 0;
  const pluginLog = (grant: CapabilityGrant) => (message: string) => {
    if (state.revoked || pluginLogLines > PLUGIN_LOG_MAX_LINES) return;
    pluginLogLines++;
    let text: string;
    if (pluginLogLines > PLUGIN_LOG_MAX_LINES) {
      text = `(more than ${PLUGIN_LOG_MAX_LINES} plugin log lines in this run: the rest are dropped)`;
    } else {
      try {
        text = pluginLogText(redact(typeof message === 'string' ? message : String(message), req.redact));
      } catch {
        text = '(unprintable)';
      }
    }
    later({ type: 'plugin-log', runId, capability: grant.name, plugin: grant.plugin, message: text });
  };
  // ctx.scratch: the run's directory (its path chosen by the supervisor, which removes it when the
  // run ends) is made on first use, with one subdirectory per capability.
  let scratchRoot: Promise<string> | undefined;
  const scratches = new Map<string, Promise<string>>();
  const scratch = (capability: string) => (): Promise<string> => {
    if (state.revoked) return Promise.reject(new PluginError('E_SCRATCH', 'the run is over'));
    let dir = scratches.get(capability);
    if (dir === undefined) {
      const root = req.scratchDir;
      if (root === undefined || !path.isAbsolute(root)) {
        return Promise.reject(new PluginError('E_SCRATCH', 'this run has no scratch directory'));
      }
      // Not recursive: the name is random, so a directory already there is not ours.
      if (scratchRoot === undefined) {
        // Said before it exists, so the supervisor removes it even if the sandbox dies next.
        post({ type: 'scratch', runId });
        scratchRoot = fs.mkdir(root, { mode: 0o700 }).then(() => root);
      }
      const own = path.join(root, capability);
      dir = scratchRoot.then(() => fs.mkdir(own, { mode: 0o700 })).then(() => own);
      dir.catch(() => {});
      scratches.set(capability, harden(dir));
    }
    return dir;
  };

  // Capabilities: fresh instances per run, wrapped by the membrane.
  const globals: Record<string, unknown> = {};
  try {
    for (const grant of req.capabilities) {
      if (grant.remote !== undefined) {
        // Lives in the host: its methods ask the supervisor (host tools, MCP tools).
        globals[grant.name] = wrapRemote(
          grant.name,
          grant.plugin,
          grant.remote.methods,
          state,
          grant.options,
        );
        continue;
      }
      const plugin = plugins.get(grant.plugin);
      if (!plugin) throw new Error(`plugin ${grant.plugin} is not installed in the sandbox`);
      const ctx: PluginContext = freezeBuilt({
        capability: grant.name,
        task: req.task,
        policyDir: req.policyDir,
        resolvePath: (p: string) => path.resolve(req.policyDir, p),
        log: pluginLog(grant),
        scratch: scratch(grant.name),
        secrets: { ...grant.secrets },
      });
      const impl = plugin.create(grant.config, ctx);
      globals[grant.name] = wrapCapability(grant.name, plugin, impl, state, grant.config, grant.options);
      if (plugin.globals) {
        for (const [key, value] of Object.entries(plugin.globals(grant.config, ctx))) {
          // A capability named like a global another grant turns on would silently lose one of them.
          if (req.capabilities.some((c) => c.name === key)) {
            throw new Error(
              `capability ${key} clashes with the global ${key} that plugin ${plugin.name} provides`,
            );
          }
          if (!(key in globals)) globals[key] = harden(value);
        }
      }
    }
  } catch (error) {
    finish({
      ok: false,
      error: {
        code: 'E_POLICY',
        message: `cannot create capabilities: ${describeThrown(error, req.redact)}`,
      },
    });
    return;
  }

  const console = makeConsole({
    write(line) {
      outputBytes += jsonBytes(line) + 1; // as the line will be printed: inside JSON
      if (outputBytes > limits.maxOutputBytes) {
        state.violate('E_OUTPUT_LIMIT', `console output exceeds maxOutputBytes (${limits.maxOutputBytes})`);
        return false;
      }
      later({ type: 'log', runId, line });
      return true;
    },
  });

  const compartment = new Compartment({ __options__: true });
  const define = (key: string, value: unknown) =>
    Object.defineProperty(compartment.globalThis, key, {
      value,
      enumerable: true,
      writable: false,
      configurable: false,
    });
  define('input', hardenBuilt(req.input));
  define('console', console);
  for (const [key, value] of Object.entries(globals)) if (!RESERVED.has(key)) define(key, value);

  let body: () => Promise<unknown>;
  try {
    body = compartment.evaluate(req.source) as () => Promise<unknown>;
  } catch (error) {
    const message = describeThrown(error, req.redact);
    const ses = /rejected at \S*?:(\d+)/.exec(message);
    finish({
      ok: false,
      error: {
        code: 'E_SYNTAX',
        message,
        ...(ses ? { line: Number(ses[1]) - SCRIPT_LINE_OFFSET } : {}),
      },
    });
    return;
  }

  let outcome: { ok: boolean; result?: unknown; error?: RunError };
  try {
    const value = await body();
    outcome = { ok: true, result: value };
  } catch (error) {
    if (error !== null && typeof error === 'object' && state.ownErrors.has(error)) {
      const code = (error as { code: string }).code;
      outcome = {
        ok: false,
        error: {
          code: code === 'E_DENIED' || code === 'E_CALL_LIMIT' ? code : 'E_SCRIPT',
          message: describeThrown(error, req.redact),
          ...locate(error),
        },
      };
    } else {
      outcome = {
        ok: false,
        error: { code: 'E_SCRIPT', message: describeThrown(error, req.redact), ...locate(error) },
      };
    }
  }

  // Wait for calls the script left running, so their records land inside the run.
  if (state.inFlight > 0) await new Promise<void>((resolve) => (state.settled = resolve));

  if (outcome.ok) {
    try {
      const copied = copyPlain(outcome.result, {
        maxBytes: limits.maxOutputBytes,
        allowBytes: false,
        label: 'result',
      });
      outcome = { ok: true, result: copied.value };
    } catch (error) {
      if (error instanceof CopyLimitError) {
        state.violate('E_OUTPUT_LIMIT', `the result exceeds maxOutputBytes (${limits.maxOutputBytes})`);
      }
      const message = error instanceof CopyError ? error.message : 'the result is not plain data';
      outcome = { ok: false, error: { code: 'E_SCRIPT', message } };
    }
  }
  // Report from a fresh macrotask: the script's leftover microtasks must drain first, so a run
  // is only done when the worker is really idle again.
  // A call started from a continuation after the wait above is waited for too.
  const settle = () => {
    if (state.inFlight > 0) state.settled = () => setImmediate(settle);
    else finish(outcome);
  };
  setImmediate(settle);
}
