// The host side of the example: one sesame runtime holding the tracker's host tools, the policy
// that says what a model's scripts may do with them and with the workspace, the approver that
// decides on each comment, and the description the model reads.
import path from 'node:path';
import { createRuntime } from 'sesame';
import { SCRIPT_FORMAT } from './loop.js';
import { createTracker } from './tracker.js';

export const POLICY_PATH = path.join(import.meta.dirname, 'policy.yaml');

/**
 * What the model is told about `run_script`: how to use the tool, then `sesame describe`'s
 * TypeScript declarations of everything a script under the policy may use (the granted globals,
 * each host tool's argument and result types from its zod schemas, what the policy allows, which
 * calls need approval, the limits). This is the one place that text is made.
 *
 * @param {import('sesame').Runtime} runtime
 * @param {import('sesame').LoadedPolicy} policy
 * @returns {Promise<string>}
 */
export async function toolDescription(runtime, policy) {
  const { typescript } = await runtime.describePolicy(policy);
  return [
    SCRIPT_FORMAT,
    '',
    'What a script may use under this policy (TypeScript declarations):',
    '',
    typescript,
  ].join('\n');
}

/**
 * The host's decision on each call the policy marks `approve` (here: tracker.addComment). A real
 * host would ask a person (a button in the chat UI) and could take its time: the run's deadline
 * is paused while it decides, up to the policy's approvalTimeoutMs. This one decides by rule and
 * logs why: short comments only, and no links (a link in a comment is a way to carry data out).
 *
 * @param {(line: string) => void} log
 * @returns {import('sesame').Approver}
 */
export function commentApprover(log) {
  return (request) => {
    const [args] = /** @type {[{ id?: unknown, body?: unknown }?]} */ (request.args);
    const body = typeof args?.body === 'string' ? args.body : '';
    const reason =
      request.method !== 'addComment'
        ? 'only comments are approved here'
        : body.length > 280
          ? 'longer than 280 characters'
          : /https?:|www\.|\]\(/i.test(body)
            ? 'it contains a link'
            : undefined;
    const target = `${request.capability}.${request.method} on #${String(args?.id)}`;
    log(reason === undefined ? `approved ${target}` : `denied ${target}: ${reason}`);
    return reason === undefined;
  };
}

/**
 * A runtime for the agent, its policy and a fresh tracker. Close the runtime when done.
 *
 * @param {{
 *   policyPath?: string,
 *   log?: (line: string) => void,
 *   approve?: import('sesame').Approver,
 *   issues?: import('./tracker.js').Issue[],
 *   audit?: import('sesame').AuditSink,
 * }} [options]
 */
export async function createAgentHost(options = {}) {
  const log = options.log ?? (() => {});
  const tracker = createTracker(options.issues);
  const runtime = createRuntime({
    size: 1,
    tools: tracker.tools,
    approve: options.approve ?? commentApprover(log),
    ...(options.audit === undefined ? {} : { audit: options.audit }),
  });
  try {
    const policy = await runtime.loadPolicy(options.policyPath ?? POLICY_PATH);
    const description = await toolDescription(runtime, policy);
    return { runtime, policy, tracker, description };
  } catch (error) {
    await runtime.close();
    throw error;
  }
}
