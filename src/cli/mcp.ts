// `sesame mcp --policy <file> [--tools <module>]`: an MCP server on stdio (official SDK v2) with
// one tool, `run_script`, so that any MCP client (an agent, an IDE) can have a model write one
// script that does many things under a policy the operator fixed. The client chooses the script
// and its input, never the policy, the tools or the limits. The tool's description carries the
// `describe` text: the declarations of everything the script may use.
import os from 'node:os';
import type { StdioServerTransport } from '@modelcontextprotocol/server/stdio';
import { Command } from 'commander';
import { z } from 'zod';
import { type AuditSink, jsonlSink } from '../audit/sinks.ts';
import type { LoadedPolicy } from '../policy/load.ts';
import type { RunResult, Runtime } from '../supervisor/runtime.ts';
import { allowBuiltinOption, type PluginFlags, pluginOption } from './plugin.ts';
import { withPolicy } from './policy.ts';
import { toolsOption } from './tools.ts';

interface McpFlags extends PluginFlags {
  policy: string;
  tools?: string;
  audit?: string;
}

/** Most log lines quoted in a tool result's text (all of them are in its structured content). */
const LOG_SUMMARY_LINES = 20;

const inputSchema = z.object({
  script: z
    .string()
    .describe(
      'The tool script: the body of an async function in TypeScript or JavaScript. It may await, and ends with `return <JSON data>`.',
    ),
  input: z.unknown().optional().describe('JSON data the script sees as the global `input`.'),
  language: z.enum(['ts', 'js']).optional().describe('ts (the default: types are stripped) or js.'),
});

const outputSchema = z.object({
  ok: z.boolean(),
  result: z.unknown().optional().describe('What the script returned (when ok).'),
  error: z
    .object({
      code: z.string(),
      message: z.string(),
      line: z.number().optional(),
      column: z.number().optional(),
    })
    .optional()
    .describe("Why the run failed: sesame's stable error code (E_DENIED, E_TIMEOUT, ...) and a message."),
  logs: z.array(z.string()).describe("The script's console output."),
  stats: z.object({ durationMs: z.number(), calls: z.number() }),
});

/** The run_script tool's description: what it does, then the declarations a script may use. */
export function runScriptDescription(policy: LoadedPolicy, declarations: string): string {
  return [
    `Run a tool script under the sesame policy "${policy.task}"${policy.description ? ` (${policy.description})` : ''}.`,
    'Write ONE script that does the whole job: call as many of the capabilities below as it needs, in loops and in parallel (Promise.all), and return only what is needed as JSON data.',
    'The script runs in a sandbox that has only the globals declared below; every call is checked against the policy and recorded. A failed run returns an error with a stable code.',
    '',
    declarations,
  ].join('\n');
}

/** A run's outcome as an MCP tool result: structured content, a short text, isError when it failed. */
export function toolResult(res: RunResult) {
  const structured = {
    ok: res.ok,
    ...(res.ok ? { result: res.result } : { error: res.error }),
    logs: res.logs,
    stats: { durationMs: Math.round(res.stats.durationMs * 1000) / 1000, calls: res.stats.calls },
  };
  const head = res.ok
    ? (JSON.stringify(res.result) ?? 'undefined')
    : `${res.error?.code}: ${res.error?.message}${res.error?.line === undefined ? '' : ` (line ${res.error.line})`}`;
  const shown = res.logs.slice(-LOG_SUMMARY_LINES);
  const logs =
    res.logs.length === 0
      ? ''
      : `\n\nconsole (${res.logs.length} line${res.logs.length === 1 ? '' : 's'}${res.logs.length > shown.length ? `, last ${shown.length}` : ''}):\n${shown.join('\n')}`;
  return {
    content: [{ type: 'text' as const, text: `${head}${logs}` }],
    structuredContent: structured,
    ...(res.ok ? {} : { isError: true }),
  };
}

/** Serve run_script over `transport` until the client goes away. */
export async function serveMcp(
  runtime: Runtime,
  policy: LoadedPolicy,
  transport: StdioServerTransport,
): Promise<void> {
  const { typescript } = await runtime.describePolicy(policy);
  // Loaded here, not at the top: every other command would pay for it at start-up.
  const { McpServer } = await import('@modelcontextprotocol/server');
  const server = new McpServer({ name: 'sesame', version: '0.1.0' });
  server.registerTool(
    'run_script',
    {
      title: `Run a script (${policy.task})`,
      description: runScriptDescription(policy, typescript),
      inputSchema,
      outputSchema,
    },
    async ({ script, input, language }, ctx) =>
      toolResult(
        await runtime.run({
          policy,
          script,
          input,
          language: language ?? 'ts',
          signal: ctx.mcpReq.signal,
        }),
      ),
  );
  const closed = new Promise<void>((resolve) => {
    transport.onclose = () => resolve();
  });
  await server.connect(transport);
  await closed;
  await server.close().catch(() => {});
}

export function mcpCommand(): Command {
  return new Command('mcp')
    .description(
      'Serve an MCP server on stdio with one tool, run_script, that runs scripts under this policy (the client never chooses the policy).',
    )
    .requiredOption('-p, --policy <file>', 'the policy file (YAML)')
    .option('--audit <file>', 'append audit records (JSON lines) to this file')
    .addOption(pluginOption())
    .addOption(allowBuiltinOption())
    .addOption(toolsOption())
    .action(async (flags: McpFlags) => {
      let audit: AuditSink | undefined;
      try {
        if (flags.audit !== undefined) audit = jsonlSink(flags.audit);
      } catch (error) {
        process.stderr.write(
          `sesame mcp: cannot open audit file ${flags.audit}: ${(error as NodeJS.ErrnoException).code ?? 'error'}\n`,
        );
        process.exitCode = 2;
        return;
      }
      // stdout is the protocol's: everything else goes to stderr.
      await withPolicy(
        flags.policy,
        flags,
        async (policy, runtime) => {
          const { StdioServerTransport } = await import('@modelcontextprotocol/server/stdio');
          const transport = new StdioServerTransport();
          // The first script should not wait for a sandbox to start.
          void (runtime as Runtime).prewarm(policy.limits.memoryMb).catch(() => {});
          process.stderr.write(`sesame mcp: serving run_script for task ${policy.task} on stdio\n`);
          await serveMcp(runtime as Runtime, policy, transport);
        },
        // Clients may run several scripts at once: a sandbox per core.
        { runtime: true, size: os.availableParallelism(), ...(audit ? { audit } : {}) },
      );
    });
}
