// The methods of a policy's host-side capabilities, for `describe`: host tools from their zod
// schemas, MCP tools as their server lists them (the host connects to ask). A server that cannot
// be reached is described as such rather than failing the whole description.
import { type JsonSchema, type MethodSurface, toolMethod, zodJsonSchema } from '../describe/index.ts';
import { type LoadedPolicy, secretValues } from '../policy/load.ts';
import type { McpConfig } from '../policy/providers.ts';
import { mcpServer } from './host-calls.ts';
import type { McpClients, McpTool } from './mcp.ts';
import type { RegisteredTool } from './tools.ts';

/** What an MCP tool resolves to when it declares no output schema: its text. */
const MCP_TEXT = Object.freeze({
  type: 'string',
  description: "The tool's text output (or its list of content items when it returns more than text).",
});

type HostMethods = Record<string, { source: string; methods: Record<string, MethodSurface> }>;

export async function describeHostMethods(
  policy: LoadedPolicy,
  tools: ReadonlyMap<string, RegisteredTool>,
  mcp: McpClients,
): Promise<HostMethods> {
  const described: HostMethods = {};
  for (const [name, capability] of Object.entries(policy.capabilities)) {
    const allow = (capability.config as { allow?: string[] }).allow ?? [];
    if (capability.plugin === 'tools') {
      const methods: Record<string, MethodSurface> = {};
      for (const toolName of allow) {
        const tool = tools.get(toolName);
        if (tool === undefined) continue;
        methods[toolName] = toolMethod({
          description: tool.description,
          inputSchema: zodJsonSchema(tool.args, 'input'),
          ...(tool.returns === undefined ? {} : { outputSchema: zodJsonSchema(tool.returns, 'output') }),
          argName: 'args',
        });
      }
      described[name] = { source: 'host tools', methods };
    } else if (capability.plugin === 'mcp') {
      const config = capability.config as McpConfig;
      let listed: McpTool[] | undefined;
      try {
        listed = await mcp.tools(mcpServer(config, policy.dir, secretValues(policy)));
      } catch {
        listed = undefined;
      }
      const methods: Record<string, MethodSurface> = {};
      for (const toolName of allow) {
        const tool = listed?.find((candidate) => candidate.name === toolName);
        methods[toolName] = toolMethod({
          description:
            tool?.description ??
            (listed === undefined
              ? '(the MCP server could not be reached to describe this tool)'
              : '(the MCP server does not list this tool: calls to it will fail)'),
          inputSchema: (tool?.inputSchema as JsonSchema | undefined) ?? { type: 'object' },
          outputSchema: (tool?.outputSchema as JsonSchema | undefined) ?? MCP_TEXT,
          argName: 'args',
        });
      }
      described[name] = { source: 'MCP server', methods };
    }
  }
  return described;
}
