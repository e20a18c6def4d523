// Model clients for the agent loop (see ModelClient in loop.js).
//
// - scriptedModel: a stand-in that replays canned steps. Tests and the offline demo use it; it
//   never touches the network.
// - openAICompatibleModel: the place a real model plugs in. A chat-completions adapter written
//   with plain fetch (OpenAI, or any server that speaks the same API: a local llama.cpp or vLLM,
//   a gateway). It is used only by `run.js --live` with an API key in the environment; tests
//   never call it.

/**
 * @typedef {import('./loop.js').ModelClient} ModelClient
 * @typedef {import('./loop.js').ModelReply} ModelReply
 * @typedef {import('./loop.js').ModelRequest} ModelRequest
 * @typedef {import('./loop.js').Message} Message
 * @typedef {ModelReply | ((request: ModelRequest) => ModelReply | Promise<ModelReply>)} ScriptedStep
 *   A reply, or a function of the request that makes one (to answer from a tool's result).
 */

/**
 * A model that replays `steps` in order, one per call; it throws when asked once more than it has
 * steps. `requests` records what it was asked (a copy), for tests to inspect.
 *
 * @param {readonly ScriptedStep[]} steps
 */
export function scriptedModel(steps) {
  /** @type {ModelRequest[]} */
  const requests = [];
  return {
    requests,
    /**
     * @param {ModelRequest} request
     * @returns {Promise<ModelReply>}
     */
    async complete(request) {
      const step = steps[requests.length];
      requests.push(structuredClone(request));
      if (step === undefined) throw new Error(`the scripted model has only ${steps.length} steps`);
      return typeof step === 'function' ? step(request) : step;
    },
  };
}

/**
 * The last tool result in a conversation (what a scripted step usually answers from).
 *
 * @param {readonly Message[]} messages
 */
export function lastToolResult(messages) {
  for (let i = messages.length - 1; i >= 0; i--) {
    const message = messages[i];
    if (message?.role === 'tool') return message.content;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// A REAL MODEL PLUGS IN HERE. Everything below talks to a model server over the network; it runs
// only when run.js is started with --live and an API key is set (OPENAI_API_KEY). Tests never
// call it. Any other vendor fits the same way: implement complete({ system, messages, tools })
// and return { text } or { toolCall: { id, name, args } }.
// ---------------------------------------------------------------------------------------------

/**
 * @typedef {{
 *   apiKey: string,
 *   baseURL?: string,
 *   model?: string,
 *   timeoutMs?: number,
 * }} OpenAICompatibleOptions
 */

/**
 * A ModelClient for an OpenAI-compatible chat-completions endpoint (POST {baseURL}/chat/completions).
 *
 * @param {OpenAICompatibleOptions} options
 * @returns {ModelClient}
 */
export function openAICompatibleModel({
  apiKey,
  baseURL = 'https://api.openai.com/v1',
  model = 'gpt-4.1-mini',
  timeoutMs = 120_000,
}) {
  if (typeof apiKey !== 'string' || apiKey === '') throw new Error('an API key is required');
  const url = `${baseURL.replace(/\/+$/, '')}/chat/completions`;
  return {
    async complete({ system, messages, tools }) {
      const body = {
        model,
        messages: [{ role: 'system', content: system }, ...messages.map(toChatMessage)],
        tools: tools.map((tool) => ({
          type: 'function',
          function: { name: tool.name, description: tool.description, parameters: tool.parameters },
        })),
        // One call per turn: the loop answers each call before asking again.
        parallel_tool_calls: false,
      };
      const response = await fetch(url, {
        method: 'POST',
        headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
      if (!response.ok) {
        throw new Error(
          `the model server answered ${response.status}: ${(await response.text()).slice(0, 500)}`,
        );
      }
      const data = /** @type {ChatCompletion} */ (await response.json());
      const message = data.choices?.[0]?.message;
      const call = message?.tool_calls?.[0];
      if (call !== undefined) {
        /** @type {unknown} */
        let args;
        try {
          args = JSON.parse(call.function.arguments);
        } catch {
          // Passed on as it is: the loop answers with E_USAGE and the model can try again.
          args = call.function.arguments;
        }
        return { toolCall: { id: call.id, name: call.function.name, args } };
      }
      return { text: message?.content ?? '' };
    },
  };
}

/**
 * @typedef {{ choices?: { message?: {
 *   content?: string | null,
 *   tool_calls?: { id: string, function: { name: string, arguments: string } }[],
 * } }[] }} ChatCompletion
 */

/**
 * The loop's messages in chat-completions form.
 *
 * @param {Message} message
 */
function toChatMessage(message) {
  if (message.role === 'tool') {
    return { role: 'tool', tool_call_id: message.toolCallId, content: JSON.stringify(message.content) };
  }
  if ('toolCall' in message) {
    const { id, name, args } = message.toolCall;
    return {
      role: 'assistant',
      content: null,
      tool_calls: [{ id, type: 'function', function: { name, arguments: JSON.stringify(args) } }],
    };
  }
  return { role: message.role, content: message.content };
}
