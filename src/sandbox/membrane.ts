// The capability membrane. The runtime, not the plugin, wraps every method: arguments copied to
// plain data and validated by the plugin's schema, the call counted against maxCalls (the run's and
// the capability's), paced by the capability's rate, the policy decision taken (naming the rule),
// the host's approval asked where the policy says so, an intent record sent BEFORE the plugin acts
// and an outcome record after, and the result copied to plain frozen data. A plugin cannot skip any
// of it. Host capabilities (host tools, MCP tools) get the same counting and copying here, and the
// supervisor validates, approves, records and makes the call (see wrapRemote).
import type { AnyPlugin, Decision, MethodSpec } from '../plugin/index.ts';
import { PluginError, z } from '../plugin/index.ts';
import type {
  Answer,
  ApprovalAnswer,
  ApprovalOutcome,
  CallRecord,
  CapabilityOptions,
  ErrorCode,
  IntentRecord,
  Question,
  Rate,
} from '../protocol.ts';
import { needsApproval } from '../protocol.ts';
import { freezeBuilt, hardenBuilt } from './freeze.ts';
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
  /**
   * Report a record, kept to go out with the next report sent at once (see channel.ts): it reaches
   * the supervisor before anything the sandbox does next outside itself.
   */
  audit(record: IntentRecord | CallRecord): void;
  /** Report a record at once: it has left the sandbox when this returns (an intent, before the act). */
  auditNow(record: IntentRecord): void;
  /** A limit was crossed: the run is over whatever the script does next. */
  violate(code: ErrorCode, message: string): void;
  /** Ask the supervisor (a host call, an approval) and wait for its answer. */
  ask(question: Question): Promise<Answer>;
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

/** Paces calls: at most `calls` in any `perMs`; a call beyond waits for the earliest slot. */
class Pacer {
  readonly #rate: Rate;
  /** When each of the last `calls` calls may go (ascending). */
  readonly #slots: number[] = [];
  constructor(rate: Rate) {
    this.#rate = rate;
  }
  /** Milliseconds the next call must wait, its slot taken. */
  take(): number {
    const now = performance.now();
    const slots = this.#slots;
    let at = now;
    if (slots.length >= this.#rate.calls) {
      at = Math.max(now, (slots.shift() as number) + this.#rate.perMs);
    }
    slots.push(at);
    return at - now;
  }
}

/** What a capability's calls share: its label, its count, its pace, its approvals. */
interface Gate {
  /** Count a call against the run's and the capability's maxCalls; returns its seq or throws. */
  count(label: string, method: string, started: number): number;
  /** The wait for the call's turn under the capability's rate; undefined when it may go now. */
  pace(): Promise<void> | undefined;
  /** Whether the policy wants the host's approval for calls to `method`. */
  approves(method: string): boolean;
}

function makeGate(
  name: string,
  pluginName: string,
  options: CapabilityOptions | undefined,
  state: RunState,
): Gate {
  let calls = 0;
  const pacer = options?.rate === undefined ? undefined : new Pacer(options.rate);
  const limit = (
    label: string,
    method: string,
    seq: number,
    started: number,
    rule: string,
    max: number,
    over: boolean,
  ): never => {
    const message =
      rule === 'limits.maxCalls'
        ? `${label}: more than maxCalls (${max}) capability calls`
        : `${label}: more than ${rule} (${max}) calls`;
    if (over) {
      state.audit(
        callRecord(state, name, pluginName, method, seq, null, started, {
          decision: 'deny',
          rule,
          outcome: 'error',
          error: { code: 'E_CALL_LIMIT', message },
        }),
      );
    }
    state.violate('E_CALL_LIMIT', message);
    throw guestError(state, 'E_CALL_LIMIT', message, RangeError);
  };
  return {
    count(label, method, started) {
      if (state.revoked) throw guestError(state, 'E_REVOKED', `${label}: the run is over`);
      const seq = ++state.calls;
      if (seq > state.maxCalls) {
        limit(label, method, seq, started, 'limits.maxCalls', state.maxCalls, seq === state.maxCalls + 1);
      }
      const max = options?.maxCalls;
      if (max !== undefined && ++calls > max) {
        limit(label, method, seq, started, `capabilities.${name}.maxCalls`, max, calls === max + 1);
      }
      return seq;
    },
    pace() {
      // No promise when there is nothing to wait for: an await costs every call microtask turns.
      const wait = pacer?.take() ?? 0;
      return wait > 0 ? new Promise<void>((resolve) => setTimeout(resolve, wait)) : undefined;
    },
    approves: (method) => needsApproval(options, method),
  };
}

// A record's time, to the millisecond: one ISO string made per millisecond, not one per record.
let isoMs = -1;
let isoText = '';
function isoNow(): string {
  const ms = Date.now();
  if (ms !== isoMs) {
    isoMs = ms;
    isoText = new Date(ms).toISOString();
  }
  return isoText;
}

/** Milliseconds since `started`, to the microsecond (the record's JSON stays short). */
const since = (started: number): number => Math.round((performance.now() - started) * 1000) / 1000;

function callRecord(
  state: RunState,
  cap: string,
  plugin: string,
  method: string,
  seq: number,
  args: unknown,
  started: number,
  rest: Partial<CallRecord>,
): CallRecord {
  return {
    event: 'call',
    ts: isoNow(),
    runId: state.runId,
    task: state.task,
    seq,
    cap,
    plugin,
    method,
    args,
    decision: 'allow',
    outcome: 'ok',
    durationMs: since(started),
    ...rest,
  };
}

/** Copy a guest's arguments to plain data the plugin may keep; throws CopyError or CopyLimitError. */
function copyArgs(rawArgs: unknown[], allowBytes: boolean): unknown[] {
  return copyPlain(rawArgs, {
    maxBytes: MAX_ARG_BYTES,
    allowBytes,
    keepTopLevelUndefined: true,
    label: 'arguments',
  }).value as unknown[];
}

/** Record a call refused for its arguments (the schema's decision) and make the guest's error. */
function refuseArguments(state: RunState, base: CallRecord, label: string, error: unknown): Error {
  const why =
    error instanceof CopyError || error instanceof CopyLimitError ? error.message : 'invalid arguments';
  const message = `${label}: ${why}`;
  state.audit({
    ...base,
    decision: 'deny',
    rule: 'schema',
    outcome: 'error',
    error: { code: 'E_INVALID_ARGUMENT', message },
  });
  return guestError(state, 'E_INVALID_ARGUMENT', message, TypeError);
}

/** A call counted in flight has ended: the run may report done once none is. */
function settleOne(state: RunState): void {
  state.inFlight--;
  if (state.inFlight === 0) state.settled?.();
}

/** Run `act` counted as in flight: the run reports done only once no call is. */
async function inFlight<T>(state: RunState, act: () => Promise<T>): Promise<T> {
  state.inFlight++;
  try {
    return await act();
  } finally {
    settleOne(state);
  }
}

/** A method, not a constructor; `this` is ignored. */
const named = (name: string, call: (rawArgs: unknown[]) => Promise<unknown>): AnyMethod =>
  ({ [name]: (...rawArgs: unknown[]) => call(rawArgs) })[name] as AnyMethod;

/** Build the guest-facing object for one capability. */
export function wrapCapability(
  name: string,
  plugin: AnyPlugin,
  impl: Record<string, AnyMethod | Checked>,
  state: RunState,
  config: unknown,
  options?: CapabilityOptions,
): object {
  const gate = makeGate(name, plugin.name, options, state);
  const methods: Record<string, AnyMethod> = {};
  for (const [method, spec] of Object.entries(plugin.methods as Record<string, MethodSpec>)) {
    const target = impl[method];
    if (target === undefined) continue;
    const label = method === plugin.call ? name : `${name}.${method}`;
    const record = (seq: number, args: unknown, started: number, rest: Partial<CallRecord>): void =>
      state.audit(callRecord(state, name, plugin.name, method, seq, args, started, rest));

    const call = async (rawArgs: unknown[]): Promise<unknown> => {
      const started = performance.now();
      const seq = gate.count(label, method, started);

      // 1. Copy to plain data, then validate: the plugin only ever sees the validated copy.
      let args: unknown[];
      let shown: unknown = null;
      try {
        const copied = copyArgs(rawArgs, true);
        shown = auditView(copied);
        // zod's functional parse goes by the schema's own internals, not by the prototype methods
        // all plugins in the sandbox share (and a hostile one could redefine).
        const parsed = z.safeParse(spec.args, copied);
        if (!parsed.success) throw new CopyError(describeZodError(parsed.error));
        // Not hardened: the copy is the plugin's alone, and hardening walks every index of a byte
        // array (a 1 MiB Uint8Array costs a second and ~200 MB).
        args = parsed.data as unknown[];
        // What the audit records of the arguments: the plugin may redact (query values, bodies).
        if (spec.audit?.args) shown = auditView(copyAuditView(spec.audit.args(args, config)));
      } catch (error) {
        throw refuseArguments(
          state,
          callRecord(state, name, plugin.name, method, seq, shown, started, {}),
          label,
          error,
        );
      }

      // Counted as in flight: the run reports done only once no call is.
      state.inFlight++;
      try {
        const paced = gate.pace();
        if (paced) await paced;
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

        // 3. The host's approval, where the policy asks for it: the supervisor pauses the run's
        // deadline while it waits, and bounds the wait.
        let approval: ApprovalOutcome | undefined;
        if (gate.approves(method)) {
          const verdict = await askApproval(state, {
            kind: 'approve',
            cap: name,
            plugin: plugin.name,
            method,
            seq,
            args: shown,
            rule: decision.rule,
          });
          approval = verdict.outcome;
          if (!verdict.approved) {
            const message = `${label}: not approved (${verdict.reason ?? verdict.outcome})`;
            record(seq, shown, started, {
              decision: 'deny',
              rule: 'approve',
              outcome: 'error',
              error: { code: 'E_DENIED', message },
              approval,
            });
            throw guestError(state, 'E_DENIED', message);
          }
        }
        const approved = approval === undefined ? {} : { approval };

        // The run may have ended while authorize awaited: nothing acts after the run has reported.
        if (state.revoked) throw guestError(state, 'E_REVOKED', `${label}: the run is over`);

        // 4. Intent before the act: a run killed mid-call still shows what it started. A call that
        // acts outside the sandbox hands it over at once; one without side effects keeps it.
        (spec.sideEffects === false ? state.audit : state.auditNow)({
          event: 'call.intent',
          ts: isoNow(),
          runId: state.runId,
          task: state.task,
          seq,
          cap: name,
          plugin: plugin.name,
          method,
          args: shown,
          decision: 'allow',
          rule: decision.rule,
          ...approved,
        });

        // 5. Act, then check and copy the result.
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
          record(seq, shown, started, { rule: decision.rule, outcome: 'error', error: failure, ...approved });
          throw guestError(state, failure.code, failure.message);
        }
        const info = spec.audit?.result ? copyAuditView(spec.audit.result(value, config)) : undefined;
        record(seq, shown, started, {
          rule: decision.rule,
          resultBytes,
          ...(info && typeof info === 'object' ? { info: info as Record<string, unknown> } : {}),
          ...approved,
        });
        // copyPlain froze every container; its byte arrays are fresh copies the guest may keep.
        return spec.present ? harden(spec.present(value)) : value;
      } finally {
        settleOne(state);
      }
    };
    methods[method] = named(method, call);
  }
  // A callable capability (`fetch(url)`): the function is the `call` method, and it carries every
  // method as a frozen property too.
  const callable = plugin.call === undefined ? undefined : methods[plugin.call];
  freezeBuilt(methods);
  if (callable === undefined) return methods;
  // An arrow function too: its own properties are length, name and the frozen methods.
  const capability = { [name]: (...rawArgs: unknown[]) => callable(...rawArgs) }[name] as AnyMethod;
  for (const [key, fn] of Object.entries(methods)) {
    Object.defineProperty(capability, key, {
      value: fn,
      enumerable: true,
      writable: false,
      configurable: false,
    });
  }
  return Object.freeze(capability);
}

/** The host's decision on an approval; anything but a clear yes is a no. */
async function askApproval(state: RunState, question: Question): Promise<ApprovalAnswer> {
  const answer = await state.ask(question);
  const value = answer.ok ? (answer.value as Partial<ApprovalAnswer> | null) : null;
  if (value?.approved === true && value.outcome === 'approved')
    return { approved: true, outcome: 'approved' };
  const outcome = value?.outcome === 'denied' || value?.outcome === 'timeout' ? value.outcome : 'unavailable';
  const reason = answer.ok ? value?.reason : answer.error.message;
  return { approved: false, outcome, ...(typeof reason === 'string' ? { reason } : {}) };
}

/**
 * The guest-facing object for a capability that lives in the host (host tools, an MCP server's
 * tools). Each method counts the call, copies its one argument to plain JSON data and asks the
 * supervisor, which validates it with the tool's schema, asks for approval, records the intent,
 * makes the call and records the outcome. The answer is plain data parsed from the channel.
 */
export function wrapRemote(
  name: string,
  pluginName: string,
  methodNames: readonly string[],
  state: RunState,
  options?: CapabilityOptions,
): object {
  const gate = makeGate(name, pluginName, options, state);
  const methods: Record<string, AnyMethod> = {};
  for (const method of methodNames) {
    const label = `${name}.${method}`;
    const call = async (rawArgs: unknown[]): Promise<unknown> => {
      const started = performance.now();
      const seq = gate.count(label, method, started);
      let args: unknown[];
      try {
        if (rawArgs.length > 1) throw new CopyError(`expected one argument, got ${rawArgs.length}`);
        args = copyArgs(rawArgs, false);
      } catch (error) {
        throw refuseArguments(
          state,
          callRecord(state, name, pluginName, method, seq, null, started, {}),
          label,
          error,
        );
      }
      return inFlight(state, async () => {
        const paced = gate.pace();
        if (paced) await paced;
        if (state.revoked) throw guestError(state, 'E_REVOKED', `${label}: the run is over`);
        const answer = await state.ask({ kind: 'call', cap: name, method, seq, args, view: auditView(args) });
        if (!answer.ok) {
          throw guestError(state, String(answer.error.code), String(answer.error.message));
        }
        return hardenBuilt(answer.value);
      });
    };
    methods[method] = named(method, call);
  }
  return freezeBuilt(methods);
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
