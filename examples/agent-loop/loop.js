// The agent loop: a model gets ONE tool, `run_script`, and answers a request by writing a script
// that makes all the calls it needs (to host tools, files, ...) in one go, instead of one tool
// call per turn. sesame runs each script in a fresh Compartment under the task's policy; the
// loop feeds the outcome back to the model as the tool's result and repeats until the model
// answers in text or the step bound is reached.
//
// Nothing here depends on a model vendor: a ModelClient turns { system, messages, tools } into
// either text or one tool call. models.js has a scripted stand-in (tests, offline demo) and an
// OpenAI-compatible adapter.
import { z } from 'zod';

/**
 * @typedef {{ id: string, name: string, args: unknown }} ToolCall
 * @typedef {{ role: 'user', content: string }
 *   | { role: 'assistant', content: string }
 *   | { role: 'assistant', toolCall: ToolCall }
 *   | { role: 'tool', toolCallId: string, name: string, content: ToolResult }} Message
 * @typedef {{ name: string, description: string, parameters: Record<string, unknown> }} ToolSpec
 *   `parameters` is a JSON Schema (what chat APIs take).
 * @typedef {{ text: string } | { toolCall: { id?: string, name: string, args: unknown } }} ModelReply
 * @typedef {{ system: string, messages: readonly Message[], tools: readonly ToolSpec[] }} ModelRequest
 * @typedef {{ complete(request: ModelRequest): Promise<ModelReply> }} ModelClient
 *   The one thing a model vendor has to provide.
 * @typedef {{ ok: true, result: unknown, logs: string[] }
 *   | { ok: false, error: { code: string, message: string, line?: number, column?: number }, logs: string[] }} ToolResult
 *   What the model reads back after a script ran.
 * @typedef {{ step: number, args: unknown, result: ToolResult, run?: import('sesame').RunResult }} ScriptRun
 * @typedef {{ type: 'model', step: number, reply: ModelReply }
 *   | { type: 'script', step: number, run: ScriptRun }} AgentEvent
 * @typedef {{ status: 'answered', text: string, steps: number, messages: Message[], runs: ScriptRun[] }
 *   | { status: 'max_steps', steps: number, messages: Message[], runs: ScriptRun[] }} AgentOutcome
 */

export const RUN_SCRIPT = 'run_script';

/** The tool's arguments: one schema is the check, the JSON Schema the model sees, and the type. */
export const RunScriptArgs = z
  .object({
    script: z.string().max(100_000).describe('The script: the body of an async JavaScript function.'),
    input: z.unknown().optional().describe('Optional JSON data; the script sees it as the global `input`.'),
  })
  .strict();

/**
 * The `run_script` tool as a model sees it.
 *
 * @param {string} description what the script may use (see toolDescription in host.js)
 * @returns {ToolSpec}
 */
export function runScriptTool(description) {
  const { $schema: _, ...parameters } = z.toJSONSchema(RunScriptArgs, { io: 'input' });
  return { name: RUN_SCRIPT, description, parameters };
}

/** What every script may rely on, whatever the policy: the contract of a tool script. */
export const SCRIPT_FORMAT = `Run a TypeScript (or JavaScript) script in a sandbox and get back what it returns. Use it to do the whole task in one go: call as many of the functions below as you need, loop, filter and compute in the script, and return only what you need to answer.
The script is the body of an async function: use await, and \`return\` plain JSON data (objects, arrays, strings, numbers, booleans, null). \`input\` is a global holding the optional input. console.log() output comes back as logs. Only the globals listed below exist (no require, import, process or network); a call the policy does not allow fails with code E_DENIED.
The result is { ok: true, result, logs } or { ok: false, error: { code, message }, logs }; on an error, fix the script and run it again.`;

/**
 * A run's outcome as the model reads it: the result or the error, and the script's logs.
 *
 * @param {import('sesame').RunResult} res
 * @returns {ToolResult}
 */
export function toolResult(res) {
  if (res.ok) return { ok: true, result: res.result, logs: res.logs };
  const { code = 'E_INTERNAL', message = 'the run failed', line, column } = res.error ?? {};
  return {
    ok: false,
    error: {
      code,
      message,
      ...(line === undefined ? {} : { line }),
      ...(column === undefined ? {} : { column }),
    },
    logs: res.logs,
  };
}

/**
 * Run the loop: ask the model, run each script it writes, feed the outcome back, until it
 * answers in text or `maxSteps` model turns have passed.
 *
 * @param {{
 *   model: ModelClient,
 *   runtime: import('sesame').Runtime,
 *   policy: import('sesame').LoadedPolicy,
 *   description: string,
 *   prompt: string,
 *   system?: string,
 *   maxSteps?: number,
 *   signal?: AbortSignal,
 *   onEvent?: (event: AgentEvent) => void,
 * }} options
 * @returns {Promise<AgentOutcome>}
 */
export async function runAgent(options) {
  const { model, runtime, policy, prompt, maxSteps = 8, signal, onEvent = () => {} } = options;
  const system =
    options.system ??
    `You are a helpful assistant. To look anything up or change anything, write ONE script that does the whole task with the ${RUN_SCRIPT} tool, then answer in plain words from its result.`;
  const tools = [runScriptTool(options.description)];
  /** @type {Message[]} */
  const messages = [{ role: 'user', content: prompt }];
  /** @type {ScriptRun[]} */
  const runs = [];

  for (let step = 1; step <= maxSteps; step++) {
    signal?.throwIfAborted();
    // The model sees a copy: a client that keeps or changes it cannot rewrite our history.
    const reply = await model.complete({ system, messages: structuredClone(messages), tools });
    onEvent({ type: 'model', step, reply });
    if ('text' in reply) {
      messages.push({ role: 'assistant', content: reply.text });
      return { status: 'answered', text: reply.text, steps: step, messages, runs };
    }
    const call = {
      id: reply.toolCall.id ?? `call_${step}`,
      name: reply.toolCall.name,
      args: reply.toolCall.args,
    };
    messages.push({ role: 'assistant', toolCall: call });
    const run = await runScriptCall(runtime, policy, call, step, signal);
    runs.push(run);
    onEvent({ type: 'script', step, run });
    messages.push({ role: 'tool', toolCallId: call.id, name: call.name, content: run.result });
  }
  return { status: 'max_steps', steps: maxSteps, messages, runs };
}

/**
 * One tool call: a malformed call is answered like a failed run, so the model can correct it.
 *
 * @param {import('sesame').Runtime} runtime
 * @param {import('sesame').LoadedPolicy} policy
 * @param {ToolCall} call
 * @param {number} step
 * @param {AbortSignal | undefined} signal
 * @returns {Promise<ScriptRun>}
 */
async function runScriptCall(runtime, policy, call, step, signal) {
  if (call.name !== RUN_SCRIPT) {
    const message = `there is no tool named ${JSON.stringify(call.name)}; the only tool is ${RUN_SCRIPT}`;
    return { step, args: call.args, result: { ok: false, error: { code: 'E_USAGE', message }, logs: [] } };
  }
  const parsed = RunScriptArgs.safeParse(call.args);
  if (!parsed.success) {
    const message = `invalid ${RUN_SCRIPT} arguments: ${z.prettifyError(parsed.error)}`;
    return { step, args: call.args, result: { ok: false, error: { code: 'E_USAGE', message }, logs: [] } };
  }
  const { script, input } = parsed.data;
  const run = await runtime.run({
    policy,
    script,
    scriptName: `step-${step}.ts`, // TypeScript: the model reads declarations and may write types
    input: input ?? null,
    ...(signal === undefined ? {} : { signal }),
  });
  return { step, args: parsed.data, result: toolResult(run), run };
}
