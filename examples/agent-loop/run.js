#!/usr/bin/env node
// The agent loop example, from the command line (build first: `npm run build`).
//
//   node examples/agent-loop/run.js                 the offline demo: a scripted model, no network
//   node examples/agent-loop/run.js --describe      print what the model is told about run_script
//   OPENAI_API_KEY=... node examples/agent-loop/run.js --live ["your request"]
//                                                   a real model (OpenAI, or OPENAI_BASE_URL for
//                                                   any chat-completions server; OPENAI_MODEL)
//
// Without --live nothing leaves this machine; with --live, only the model's API is called (the
// scripts themselves have no network: the policy grants none).
import { parseArgs } from 'node:util';
import { DEMO_PROMPT, DEMO_STEPS } from './demo.js';
import { createAgentHost } from './host.js';
import { runAgent } from './loop.js';
import { openAICompatibleModel, scriptedModel } from './models.js';

const { values, positionals } = parseArgs({
  options: {
    live: { type: 'boolean', default: false },
    describe: { type: 'boolean', default: false },
    'max-steps': { type: 'string', default: '8' },
  },
  allowPositionals: true,
});

const say = (/** @type {string} */ who, /** @type {string} */ text) =>
  process.stdout.write(`${who.padStart(8)} | ${text.replaceAll('\n', `\n${' '.repeat(8)} | `)}\n`);

const host = await createAgentHost({ log: (line) => say('approval', line) });
try {
  if (values.describe) {
    process.stdout.write(`${host.description}\n`);
  } else {
    let model;
    let prompt = DEMO_PROMPT;
    if (values.live) {
      const apiKey = process.env.OPENAI_API_KEY;
      if (!apiKey) {
        process.stderr.write('--live needs OPENAI_API_KEY in the environment\n');
        process.exitCode = 2;
      } else {
        model = openAICompatibleModel({
          apiKey,
          ...(process.env.OPENAI_BASE_URL ? { baseURL: process.env.OPENAI_BASE_URL } : {}),
          ...(process.env.OPENAI_MODEL ? { model: process.env.OPENAI_MODEL } : {}),
        });
        prompt = positionals.join(' ') || DEMO_PROMPT;
      }
    } else {
      model = scriptedModel(DEMO_STEPS);
    }
    if (model !== undefined) await converse(model, prompt, Number(values['max-steps']));
  }
} finally {
  await host.runtime.close();
}

/**
 * @param {import('./loop.js').ModelClient} model
 * @param {string} prompt
 * @param {number} maxSteps
 */
async function converse(model, prompt, maxSteps) {
  say('user', prompt);
  const outcome = await runAgent({
    model,
    runtime: host.runtime,
    policy: host.policy,
    description: host.description,
    prompt,
    maxSteps,
    onEvent(event) {
      if (event.type === 'model') {
        const { reply } = event;
        if ('text' in reply) say('model', reply.text);
        else {
          const { script } = /** @type {{ script?: unknown }} */ (reply.toolCall.args ?? {});
          say(
            'model',
            `${reply.toolCall.name}:\n${typeof script === 'string' ? script : JSON.stringify(reply.toolCall.args)}`,
          );
        }
      } else {
        const { result, run } = event.run;
        const stats =
          run === undefined ? '' : ` (${run.stats.calls} calls, ${Math.round(run.stats.durationMs)} ms)`;
        const body = result.ok
          ? `ok${stats}: ${JSON.stringify(result.result)}`
          : `error ${result.error.code}${stats}: ${result.error.message}`;
        say('sesame', [body, ...result.logs.map((line) => `log: ${line}`)].join('\n'));
      }
    },
  });
  if (outcome.status === 'max_steps') say('loop', `stopped after ${outcome.steps} steps without an answer`);
  const calls = outcome.runs.reduce((n, r) => n + (r.run?.stats.calls ?? 0), 0);
  const count = (/** @type {number} */ n, /** @type {string} */ what) => `${n} ${what}${n === 1 ? '' : 's'}`;
  say(
    'loop',
    `${count(outcome.steps, 'model turn')}, ${count(outcome.runs.length, 'script')}, ${count(calls, 'capability call')}`,
  );
}
