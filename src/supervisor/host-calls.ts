// The host's side of one run's questions: calls to host capabilities (host tools, MCP tools) and
// approvals. The sandbox has counted each call (maxCalls) and paced it (rate); here the argument
// is validated with the tool's schema, the host's approval asked where the policy says so (the
// run's deadline paused meanwhile), the intent recorded before the tool acts, and the outcome
// recorded after. Only plain JSON data goes back; no host object ever reaches the sandbox.
import { z } from 'zod';
import { expandTemplate, parseTemplate } from '../plugin/index.ts';
import { type McpConfig, type McpServerConfig, resolveServer } from '../policy/providers.ts';
import type {
  Answer,
  ApprovalAnswer,
  ApprovalOutcome,
  AuditRecord,
  CallRecord,
  CapabilityGrant,
  Question,
} from '../protocol.ts';
import { needsApproval } from '../protocol.ts';
import type { Deadline } from './deadline.ts';
import { type McpClients, McpConnectError } from './mcp.ts';
import { type RegisteredTool, ToolError } from './tools.ts';

/** Largest result a host capability may return, as JSON bytes (as for plugin results). */
const MAX_RESULT_BYTES = 64 << 20;

/** A call waiting for the host's decision. */
export interface ApprovalRequest {
  runId: string;
  task: string;
  /** The capability (guest global), its provider and the method called. */
  capability: string;
  plugin: string;
  method: string;
  /** The call's arguments as the audit records them. */
  args: unknown;
  /** The policy rule that allowed the call. */
  rule: string;
  /** Aborted when the decision no longer matters (the run ended, or the wait timed out). */
  signal: AbortSignal;
}

/** Decides on a call the policy marks `approve`: true lets it go ahead. */
export type Approver = (request: ApprovalRequest) => boolean | Promise<boolean>;

export interface HostCallsSetup {
  runId: string;
  task: string;
  grants: readonly CapabilityGrant[];
  tools: ReadonlyMap<string, RegisteredTool>;
  mcp: McpClients;
  /** The policy file's directory: a stdio MCP server's command and cwd resolve against it. */
  policyDir: string;
  /** A diagnostic line for the operator (the run's pluginLogs), never the script. */
  log(capability: string, plugin: string, message: string): void;
  approve: Approver | undefined;
  approvalTimeoutMs: number;
  deadline: Deadline;
  emit(record: AuditRecord): void;
}

type Failure = { code: string; message: string };

/** The answer to a call that comes after its run ended. */
const runOver = (label: string): Answer => ({
  ok: false,
  error: { code: 'E_REVOKED', message: `${label}: the run is over` },
});

export class HostCalls {
  readonly #setup: HostCallsSetup;
  /** Calls acting now, by seq: ended early if the run ends first. */
  readonly #acting = new Map<number, { controller: AbortController; end: (failure: Failure) => void }>();
  /** Aborted when the run ends: pending approvals stop waiting. Made only when one is asked for
   * (an AbortController's abort() makes a DOMException, which costs more than a whole run here). */
  #endedController: AbortController | undefined;
  #over = false;

  constructor(setup: HostCallsSetup) {
    this.#setup = setup;
  }

  /** Answer one question from the sandbox. Never rejects. */
  async answer(question: Question): Promise<Answer> {
    try {
      if (question?.kind === 'approve') {
        return { ok: true, value: await this.#approval(question) };
      }
      if (question?.kind === 'call') return await this.#call(question);
      return { ok: false, error: { code: 'E_INTERNAL', message: 'unknown question' } };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      return { ok: false, error: { code: 'E_INTERNAL', message: `the host could not answer: ${message}` } };
    }
  }

  /** The run is over: stop pending approvals, abort calls still acting and record how they ended. */
  end(): void {
    if (this.#over) return;
    this.#over = true;
    this.#endedController?.abort();
    for (const [, call] of this.#acting) {
      call.end({ code: 'E_REVOKED', message: 'the run ended before the call finished' });
      call.controller.abort();
    }
    this.#acting.clear();
  }

  /** An MCP tool call: the server as the policy names it, its secrets filled in from the grant. */
  #callMcp(grant: CapabilityGrant, tool: string, args: Record<string, unknown>, signal: AbortSignal) {
    const config = grant.config as McpConfig;
    const server = mcpServer(config, this.#setup.policyDir, new Map(Object.entries(grant.secrets)));
    return this.#setup.mcp.call(server, tool, args, config.timeoutMs, signal);
  }

  /** Ask the host's approver; the run's deadline stops while it decides. */
  async #decide(request: Omit<ApprovalRequest, 'signal' | 'runId' | 'task'>): Promise<ApprovalAnswer> {
    const { approve, approvalTimeoutMs, deadline, runId, task } = this.#setup;
    if (approve === undefined) {
      return { approved: false, outcome: 'unavailable', reason: 'the host has no approver' };
    }
    if (this.#over) return { approved: false, outcome: 'denied', reason: 'the run is over' };
    this.#endedController ??= new AbortController();
    const endedSignal = this.#endedController.signal;
    const controller = new AbortController();
    const stop = () => controller.abort();
    endedSignal.addEventListener('abort', stop, { once: true });
    let timer: NodeJS.Timeout | undefined;
    deadline.pause();
    try {
      const timedOut = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), approvalTimeoutMs);
      });
      const ended = new Promise<'ended'>((resolve) =>
        controller.signal.addEventListener('abort', () => resolve('ended'), { once: true }),
      );
      const decided = Promise.resolve()
        .then(() => approve({ ...request, runId, task, signal: controller.signal }))
        .then(
          (verdict) => (verdict === true ? 'approved' : 'denied') as ApprovalOutcome,
          () => 'failed' as const,
        );
      const outcome = await Promise.race([decided, timedOut, ended]);
      if (outcome === 'approved') return { approved: true, outcome };
      if (outcome === 'timeout') {
        return {
          approved: false,
          outcome,
          reason: `no decision within approvalTimeoutMs (${approvalTimeoutMs} ms)`,
        };
      }
      if (outcome === 'failed') return { approved: false, outcome: 'denied', reason: 'the approver failed' };
      if (outcome === 'ended') return { approved: false, outcome: 'denied', reason: 'the run is over' };
      return { approved: false, outcome: 'denied', reason: 'denied by the host' };
    } finally {
      clearTimeout(timer);
      controller.abort();
      endedSignal.removeEventListener('abort', stop);
      deadline.resume();
    }
  }

  #approval(question: Extract<Question, { kind: 'approve' }>): Promise<ApprovalAnswer> {
    const grant = this.#setup.grants.find((g) => g.name === question.cap);
    // Only a method the policy marks may be asked about (the sandbox's word is not trusted).
    if (grant === undefined || !needsApproval(grant.options, question.method)) {
      return Promise.resolve({
        approved: false,
        outcome: 'denied',
        reason: 'not a method that needs approval',
      });
    }
    return this.#decide({
      capability: question.cap,
      plugin: grant.plugin,
      method: question.method,
      args: question.args,
      rule: String(question.rule),
    });
  }

  async #call(question: Extract<Question, { kind: 'call' }>): Promise<Answer> {
    const { runId, task, emit } = this.#setup;
    const started = performance.now();
    const { cap, method, seq } = question;
    const label = `${cap}.${method}`;
    const grant = this.#setup.grants.find((g) => g.name === cap && g.remote !== undefined);
    const shown = question.view ?? null;
    const base = { runId, task, seq, cap, plugin: grant?.plugin ?? 'unknown', method, args: shown };
    const record = (rest: Partial<CallRecord>) =>
      emit({
        event: 'call',
        ts: new Date().toISOString(),
        ...base,
        decision: 'allow',
        outcome: 'ok',
        durationMs: performance.now() - started,
        ...rest,
      });
    const fail = (failure: Failure, rest: Partial<CallRecord> = {}): Answer => {
      record({ outcome: 'error', error: failure, ...rest });
      return { ok: false, error: failure };
    };
    const rule = `capabilities.${cap}.allow`;

    if (grant === undefined || !grant.remote?.methods.includes(method)) {
      return fail(
        { code: 'E_DENIED', message: `${label}: denied: not granted by the policy` },
        { decision: 'deny', rule },
      );
    }
    if (this.#over) return runOver(label);

    // 1. The argument, checked by the tool's own contract.
    const raw = Array.isArray(question.args) ? question.args[0] : undefined;
    const tool = grant.plugin === 'tools' ? this.#setup.tools.get(method) : undefined;
    let arg: unknown;
    if (grant.plugin === 'tools') {
      if (tool === undefined) {
        return fail(
          { code: 'E_DENIED', message: `${label}: denied: the host has no such tool` },
          { decision: 'deny', rule },
        );
      }
      const parsed = tool.args.safeParse(raw === undefined && tool.args instanceof z.ZodObject ? {} : raw);
      if (!parsed.success) {
        const message = `${label}: ${describeIssues(parsed.error)}`;
        return fail({ code: 'E_INVALID_ARGUMENT', message }, { decision: 'deny', rule: 'schema' });
      }
      arg = parsed.data;
    } else {
      // An MCP tool takes one object of named arguments; the server validates them itself.
      const value = raw ?? {};
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        const message = `${label}: argument 1: expected an object of the tool's arguments`;
        return fail({ code: 'E_INVALID_ARGUMENT', message }, { decision: 'deny', rule: 'schema' });
      }
      arg = value;
    }

    // 2. The host's approval, where the policy asks for it.
    let approval: ApprovalOutcome | undefined;
    if (needsApproval(grant.options, method)) {
      const verdict = await this.#decide({
        capability: cap,
        plugin: grant.plugin,
        method,
        args: shown,
        rule,
      });
      approval = verdict.outcome;
      if (!verdict.approved) {
        const message = `${label}: not approved (${verdict.reason ?? verdict.outcome})`;
        return fail({ code: 'E_DENIED', message }, { decision: 'deny', rule: 'approve', approval });
      }
    }
    const approved = approval === undefined ? {} : { approval };
    if (this.#over) return runOver(label);

    // 3. Intent before the act.
    emit({
      event: 'call.intent',
      ts: new Date().toISOString(),
      ...base,
      decision: 'allow',
      rule,
      ...approved,
    });

    // 4. Act. If the run ends first, end() records the call and the late outcome is dropped.
    const controller = new AbortController();
    let settled = false;
    this.#acting.set(seq, {
      controller,
      end: (failure) => {
        settled = true;
        record({
          rule,
          outcome: 'error',
          error: { code: failure.code, message: `${label}: ${failure.message}` },
          ...approved,
        });
      },
    });
    let value: unknown;
    let bytes: number;
    try {
      const result =
        tool !== undefined
          ? await tool.handler(arg, { signal: controller.signal, runId, task, capability: cap })
          : await this.#callMcp(grant, method, arg as Record<string, unknown>, controller.signal);
      let checked: unknown = result;
      if (tool?.returns !== undefined) {
        const valid = tool.returns.safeParse(result);
        if (!valid.success) throw new Error('invalid result');
        checked = valid.data;
      }
      const json = JSON.stringify(checked);
      bytes = json === undefined ? 0 : Buffer.byteLength(json);
      if (bytes > MAX_RESULT_BYTES)
        throw new ToolError('E_TOOL', `the result is larger than ${MAX_RESULT_BYTES} bytes`);
      value = json === undefined ? undefined : JSON.parse(json);
    } catch (error) {
      if (settled) return runOver(label);
      settled = true;
      this.#acting.delete(seq);
      if (error instanceof McpConnectError) this.#setup.log(cap, grant.plugin, error.detail);
      const failure: Failure =
        error instanceof ToolError
          ? { code: String(error.code), message: `${label}: ${error.message}` }
          : { code: 'E_TOOL', message: `${label} failed` };
      return fail(failure, { rule, ...approved });
    }
    if (settled) return runOver(label);
    settled = true;
    this.#acting.delete(seq);
    record({ rule, resultBytes: bytes, ...approved });
    return { ok: true, value };
  }
}

function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((issue) => `argument 1${issue.path.map((p) => `.${String(p)}`).join('')}: ${issue.message}`)
    .join('; ');
}

const mapValues = (record: Record<string, string>, f: (value: string) => string): Record<string, string> =>
  Object.fromEntries(Object.entries(record).map(([key, value]) => [key, f(value)]));

/** The MCP server a capability's config names: command and cwd resolved, secrets filled in. */
export function mcpServer(
  config: McpConfig,
  policyDir: string,
  secrets: ReadonlyMap<string, string>,
): McpServerConfig {
  const server = resolveServer(config.server, policyDir);
  const values = Object.fromEntries(secrets);
  // The policy's schema checked every template when it loaded, so each one parses here.
  const fill = (text: string) => {
    const parsed = parseTemplate(text);
    return parsed.ok ? expandTemplate(parsed.parts, values) : text;
  };
  return 'url' in server
    ? { ...server, headers: mapValues(server.headers, fill) }
    : { ...server, env: mapValues(server.env, fill) };
}
