// The host side of the example: one sesame runtime holding the tracker's host tools, the policy
// that says what a model's scripts may do with them and with the workspace, the approver that
// decides on each comment, and the description the model reads.
import path from 'node:path';
import { createRuntime } from 'sesame';
import { z } from 'zod';
import { SCRIPT_FORMAT } from './loop.js';
import { createTracker } from './tracker.js';

export const POLICY_PATH = path.join(import.meta.dirname, 'policy.yaml');

/**
 * What the model is told about `run_script`: the script format, then what the policy lets a
 * script use. This is the one place that text is made; it will become
 * `runtime.describe(policy)` (TypeScript declarations of the granted globals) once that exists.
 * Until then it is `policy explain` in words plus, since explain names host tools without their
 * arguments, each granted host tool's description and JSON Schema (from the `hostTools` given).
 *
 * @param {import('sesame').Runtime} runtime
 * @param {import('sesame').LoadedPolicy} policy
 * @param {import('sesame').HostTools} [hostTools] the tools given to createRuntime
 * @returns {Promise<string>}
 */
export async function toolDescription(runtime, policy, hostTools = {}) {
  const explained = (await runtime.explainPolicy(policy))
    .split('\n')
    // Which file the policy came from, and its hash, are for reviewers, not for the model.
    .filter((line) => !line.startsWith('Policy: '))
    .join('\n');
  const signatures = [];
  for (const [capability, grant] of Object.entries(policy.capabilities)) {
    if (grant.plugin !== 'tools') continue;
    const approve = grant.options?.approve;
    for (const name of /** @type {string[]} */ (grant.config.allow)) {
      const tool = hostTools[name];
      if (tool === undefined) continue;
      const { $schema: _, ...args } = z.toJSONSchema(tool.args, { io: 'input' });
      const approval = approve === true || (Array.isArray(approve) && approve.includes(name));
      signatures.push(
        `- await ${capability}.${name}(args): ${tool.description}${approval ? ' Each call waits for the host to approve it; a refusal fails with E_DENIED.' : ''}`,
        `  args (JSON Schema): ${JSON.stringify(args)}`,
      );
    }
  }
  return [
    SCRIPT_FORMAT,
    '',
    'What a script may use under this policy:',
    explained,
    ...(signatures.length > 0 ? ['', 'Host tools (call them with one object argument):', ...signatures] : []),
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
    const description = await toolDescription(runtime, policy, tracker.tools);
    return { runtime, policy, tracker, description };
  } catch (error) {
    await runtime.close();
    throw error;
  }
}
