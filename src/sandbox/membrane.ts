// The capability membrane. The runtime, not the plugin, wraps every method: arguments copied to
// plain data and validated by the plugin's schema, the call counted against maxCalls, the policy
// decision taken (naming the rule), an intent record sent BEFORE the plugin acts and an outcome
// record after, and the result copied to plain frozen data. A plugin cannot skip any of it.
import type { AnyPlugin, Decision, MethodSpec } from '../plugin/index.ts';
import { PluginError, z } from '../plugin/index.ts';
import type { CallRecord, ErrorCode, IntentRecord } from '../protocol.ts';
import { auditView, CopyError, CopyLimitError, copyPlain } from './passable.ts';

/** Capability results may be large (a file read), but not unbounded. */
const MAX_RESULT_BYTES = 64 << 20;
const MAX_ARG_BYTES = 64 << 20;

/** What the membrane needs to know about the run it serves. */
export interface RunState {
  readonly runId: string;
  readonly task: string;
  readonly maxCalls: number;
  calls: number;
  /** Set once the run is over: every later call fails. */
  revoked: boolean;
  /** Calls started and not yet finished; the run waits for them before it reports done. */
  inFlight: number;
  settled?: () => void;
  /** Errors the membrane made, so their codes can be trusted when they end the run. */
  readonly ownErrors: WeakSet<object>;
  /** Report a record; it has left the sandbox when this returns (intents go out before the act). */
  audit(record: IntentRecord | CallRecord): void;
  /** A limit was crossed: the run is over whatever the script does next. */
  violate(code: ErrorCode, message: string): void;
}

type AnyMethod = (...args: unknown[]) => unknown;
interface Checked {
  authorize(...args: unknown[]): Decision<unknown> | Promise<Decision<unknown>>;
  invoke(grant: unknown, ...args: unknown[]): unknown;
}

/** An error for the guest: a fresh, frozen Error whose code the runtime can vouch for. */
export function guestError(state: RunState, code: string, message: string, Ctor = Error): Error {
  const error = new Ctor(message);
  Object.defineProperty(error, 'code', { value: code, enumerable: true });
  harden(error);
  state.ownErrors.add(error);
  return error;
}

function describeZodError(error: { issues: readonly { path: PropertyKey[]; message: string }[] }): string {
  return error.issues
    .slice(0, 3)
    .map((issue) => {
      const [index, ...rest] = issue.path;
      const where =
        typeof index === 'number'
          ? `argument ${index + 1}${rest.map((p) => `.${String(p)}`).join('')}`
          : 'arguments';
      return `${where}: ${issue.message}`;
    })
    .join('; ');
}

/** Build the guest-facing object for one capability. */
export function wrapCapability(
  name: string,
  plugin: AnyPlugin,
  impl: Record<string, AnyMethod | Checked>,
  state: RunState,
  config: unknown,
): object {
  const methods: Record<string, AnyMethod> = {};
  for (const [method, spec] of Object.entries(plugin.methods as Record<string, MethodSpec>)) {
    const target = impl[method];
    if (target === undefined) continue;
    const label = method === plugin.call ? name : `${name}.${method}`;
    const record = (seq: number, args: unknown, started: number, rest: Partial<CallRecord>): void => {
      state.audit({
        event: 'call',
        ts: new Date().toISOString(),
        runId: state.runId,
        task: state.task,
        seq,
        cap: name,
        plugin: plugin.name,
        method,
        args,
        decision: 'allow',
        outcome: 'ok',
        durationMs: performance.now() - started,
        ...rest,
      });
    };

    const call = async (rawArgs: unknown[]): Promise<unknown> => {
      if (state.revoked) throw guestError(state, 'E_REVOKED', `${label}: the run is over`);
      const seq = ++state.calls;
      const started = performance.now();
      if (seq > state.maxCalls) {
        const message = `${label}: more than maxCalls (${state.maxCalls}) capability calls`;
        if (seq === state.maxCalls + 1) {
          record(seq, null, started, {
            decision: 'deny',
            rule: 'limits.maxCalls',
            outcome: 'error',
            error: { code: 'E_CALL_LIMIT', message },
          });
        }
        state.violate('E_CALL_LIMIT', message);
        throw guestError(state, 'E_CALL_LIMIT', message, RangeError);
      }

      // 1. Copy to plain data, then validate: the plugin only ever sees the validated copy.
      let args: unknown[];
      let shown: unknown = null;
      try {
        const copied = copyPlain(rawArgs, {
          maxBytes: MAX_ARG_BYTES,
          allowBytes: true,
          keepTopLevelUndefined: true,
          label: 'arguments',
        });
        shown = auditView(copied.value);
        // zod's functional parse goes by the schema's own internals, not by the prototype methods
        // all plugins in the sandbox share (and a hostile one could redefine).
        const parsed = z.safeParse(spec.args, copied.value);
        if (!parsed.success) throw new CopyError(describeZodError(parsed.error));
        // Not hardened: the copy is the plugin's alone, and hardening walks every index of a byte
        // array (a 1 MiB Uint8Array costs a second and ~200 MB).
        args = parsed.data as unknown[];
        // What the audit records of the arguments: the plugin may redact (query values, bodies).
        if (spec.audit?.args) shown = auditView(copyAuditView(spec.audit.args(args, config)));
      } catch (error) {
        const message = `${label}: ${error instanceof CopyError || error instanceof CopyLimitError ? error.message : 'invalid arguments'}`;
        record(seq, shown, started, {
          decision: 'deny',
          rule: 'schema',
          outcome: 'error',
          error: { code: 'E_INVALID_ARGUMENT', message },
        });
        throw guestError(state, 'E_INVALID_ARGUMENT', message, TypeError);
      }

      state.inFlight++;
      try {
        // 2. The policy decision, before anything happens.
        let decision: Decision<unknown>;
        const checked = typeof target === 'function' ? undefined : target;
        try {
          decision = checked
            ? await checked.authorize(...args)
            : { allow: true, rule: `capability ${name}`, grant: undefined };
        } catch (error) {
          const failure = toFailure(label, error);
          record(seq, shown, started, {
            decision: 'deny',
            rule: 'authorize',
            outcome: 'error',
            error: failure,
          });
          throw guestError(state, failure.code, failure.message);
        }
        if (!decision.allow) {
          const message = `${label}: denied: ${decision.reason}`;
          record(seq, shown, started, {
            decision: 'deny',
            ...(decision.rule === undefined ? {} : { rule: decision.rule }),
            outcome: 'error',
            error: { code: 'E_DENIED', message },
          });
          throw guestError(state, 'E_DENIED', message);
        }

        // The run may have ended while authorize awaited: nothing acts after the run has reported.
        if (state.revoked) throw guestError(state, 'E_REVOKED', `${label}: the run is over`);

        // 3. Intent before the act: a run killed mid-call still shows what it started.
        state.audit({
          event: 'call.intent',
          ts: new Date().toISOString(),
          runId: state.runId,
          task: state.task,
          seq,
          cap: name,
          plugin: plugin.name,
          method,
          args: shown,
          decision: 'allow',
          rule: decision.rule,
        });

        // 4. Act, then check and copy the result.
        let value: unknown;
        let resultBytes: number;
        try {
          const raw = checked
            ? await checked.invoke(decision.grant, ...args)
            : await (target as AnyMethod)(...args);
          const valid = z.safeParse(spec.returns, raw);
          if (!valid.success) throw new Error(`${label}: the plugin returned an invalid result`);
          const copied = copyPlain(valid.data, {
            maxBytes: MAX_RESULT_BYTES,
            allowBytes: true,
            label: 'result',
          });
          value = copied.value;
          resultBytes = copied.bytes;
        } catch (error) {
          const failure = toFailure(label, error);
          record(seq, shown, started, { rule: decision.rule, outcome: 'error', error: failure });
          throw guestError(state, failure.code, failure.message);
        }
        const info = spec.audit?.result ? copyAuditView(spec.audit.result(value, config)) : undefined;
        record(seq, shown, started, {
          rule: decision.rule,
          resultBytes,
          ...(info && typeof info === 'object' ? { info: info as Record<string, unknown> } : {}),
        });
        // copyPlain froze every container; its byte arrays are fresh copies the guest may keep.
        return spec.present ? harden(spec.present(value)) : value;
      } finally {
        state.inFlight--;
        if (state.inFlight === 0) state.settled?.();
      }
    };
    // A method, not a constructor; `this` is ignored.
    methods[method] = { [method]: (...rawArgs: unknown[]) => call(rawArgs) }[method] as AnyMethod;
  }
  // A callable capability (`fetch(url)`): the function is the `call` method, and it carries every
  // method as a frozen property too.
  const callable = plugin.call === undefined ? undefined : methods[plugin.call];
  if (callable === undefined) return harden(methods);
  const capability = { [name]: (...rawArgs: unknown[]) => callable(...rawArgs) }[name] as AnyMethod;
  for (const [key, fn] of Object.entries(methods)) {
    Object.defineProperty(capability, key, {
      value: fn,
      enumerable: true,
      writable: false,
      configurable: false,
    });
  }
  return harden(capability);
}

/** A plugin's audit view, copied to bounded plain data (a plugin bug must not break the record). */
function copyAuditView(value: unknown): unknown {
  try {
    return copyPlain(value, { maxBytes: 64 * 1024, allowBytes: true, label: 'audit' }).value;
  } catch {
    return '<unrecordable>';
  }
}

/** What the guest learns of a failed call: the plugin's own error, or nothing of the host. */
function toFailure(label: string, error: unknown): { code: string; message: string } {
  if (error instanceof PluginError)
    return { code: String(error.code), message: `${label}: ${error.message}` };
  return { code: 'E_PLUGIN', message: `${label} failed` };
}
