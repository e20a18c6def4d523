// MCP servers' tools as capabilities. The host connects with the official MCP TypeScript client
// (v2) to the server a policy names (a command it runs over stdio, or a Streamable HTTP URL), once
// per runtime and server, and makes each allowed call for the script. A stdio server gets the environment
// the policy gives it on top of the SDK's default set (HOME, LOGNAME, PATH, SHELL, TERM, USER), no more.

// The SDK is loaded on first use: most runtimes never connect to an MCP server, and loading it
// would slow every cold start.
import type { Client } from '@modelcontextprotocol/client';
import type { McpServerConfig } from '../policy/providers.ts';
import { ToolError } from './tools.ts';

/** Longest error text of a tool passed on to the script. */
const MAX_ERROR_CHARS = 2000;
/** How long connecting (starting a server, the MCP handshake) may take. */
const CONNECT_TIMEOUT_MS = 20_000;

/** A tool as the server lists it: what `describe` shows the model. */
export interface McpTool {
  name: string;
  description?: string;
  inputSchema?: unknown;
  outputSchema?: unknown;
}

interface Connection {
  client: Client;
  tools?: Promise<McpTool[]>;
}

type Content = { type: string; text?: unknown };

/** A failure whose details are for the operator (plugin log), not the script. */
export class McpConnectError extends ToolError {
  readonly detail: string;
  constructor(detail: string) {
    super('E_TOOL', 'cannot reach the MCP server');
    this.detail = detail;
  }
}

function textOf(content: readonly Content[] | undefined): string {
  return (content ?? [])
    .filter((item) => item?.type === 'text' && typeof item.text === 'string')
    .map((item) => item.text as string)
    .join('\n');
}

/** The MCP connections of one runtime, keyed by server (with its secrets filled in). */
export class McpClients {
  readonly #connections = new Map<string, Promise<Connection>>();
  #closed = false;

  /**
   * Call `tool` on `server` with `args`; resolves to the result's structured content, else its text
   * (all text content joined), else its content list. A tool's own error (isError) is a ToolError
   * with the tool's text, which is meant for the model.
   */
  async call(
    server: McpServerConfig,
    tool: string,
    args: Record<string, unknown>,
    timeoutMs: number,
    signal: AbortSignal,
  ): Promise<unknown> {
    const connection = await this.#connect(server);
    let result: Awaited<ReturnType<Client['callTool']>>;
    try {
      result = await connection.client.callTool(
        { name: tool, arguments: args },
        { signal, timeout: timeoutMs },
      );
    } catch (error) {
      if (signal.aborted) throw new ToolError('E_REVOKED', 'the run ended before the call finished');
      const message = error instanceof Error ? error.message : String(error);
      if (/time(d)? ?out/i.test(message)) throw new ToolError('E_TOOL', `no answer within ${timeoutMs} ms`);
      throw new ToolError('E_TOOL', `the MCP server failed the call: ${message.slice(0, MAX_ERROR_CHARS)}`);
    }
    const content = (Array.isArray(result.content) ? result.content : []) as Content[];
    if (result.isError) {
      throw new ToolError(
        'E_TOOL',
        (textOf(content) || 'the tool reported an error').slice(0, MAX_ERROR_CHARS),
      );
    }
    if (result.structuredContent !== undefined) return result.structuredContent;
    if (content.every((item) => item?.type === 'text')) return textOf(content);
    return content;
  }

  /** The server's tools as it lists them. */
  async tools(server: McpServerConfig): Promise<McpTool[]> {
    const connection = await this.#connect(server);
    connection.tools ??= connection.client.listTools().then((listed) =>
      listed.tools.map((tool) => ({
        name: tool.name,
        ...(tool.description === undefined ? {} : { description: tool.description }),
        inputSchema: tool.inputSchema,
        ...(tool.outputSchema === undefined ? {} : { outputSchema: tool.outputSchema }),
      })),
    );
    return connection.tools;
  }

  async close(): Promise<void> {
    this.#closed = true;
    const connections = [...this.#connections.values()];
    this.#connections.clear();
    await Promise.all(connections.map((pending) => pending.then((c) => c.client.close()).catch(() => {})));
  }

  #connect(server: McpServerConfig): Promise<Connection> {
    if (this.#closed) return Promise.reject(new ToolError('E_TOOL', 'the runtime is closed'));
    const key = JSON.stringify(server);
    let pending = this.#connections.get(key);
    if (pending === undefined) {
      pending = this.#open(server, () => {
        // A server that went away is started again by the next call.
        if (this.#connections.get(key) === pending) this.#connections.delete(key);
      });
      this.#connections.set(key, pending);
      pending.catch(() => {
        if (this.#connections.get(key) === pending) this.#connections.delete(key);
      });
    }
    return pending;
  }

  async #open(server: McpServerConfig, onGone: () => void): Promise<Connection> {
    const [{ Client, StreamableHTTPClientTransport }, { StdioClientTransport }] = await Promise.all([
      import('@modelcontextprotocol/client'),
      import('@modelcontextprotocol/client/stdio'),
    ]);
    const client = new Client({ name: 'sesame', version: '0.1.0' });
    let stderr = '';
    const transport =
      'url' in server
        ? new StreamableHTTPClientTransport(new URL(server.url), { requestInit: { headers: server.headers } })
        : new StdioClientTransport({
            command: server.command,
            args: server.args,
            env: { ...server.env },
            ...(server.cwd === undefined ? {} : { cwd: server.cwd }),
            stderr: 'pipe',
          });
    if (transport instanceof StdioClientTransport) {
      transport.stderr?.on('data', (chunk: Buffer) => {
        stderr = (stderr + chunk.toString()).slice(-2000);
      });
    }
    client.onclose = onGone;
    try {
      await client.connect(transport, { timeout: CONNECT_TIMEOUT_MS });
    } catch (error) {
      onGone();
      await client.close().catch(() => {});
      const why = error instanceof Error ? error.message : String(error);
      const tail = stderr.trim() ? ` (${stderr.trim().split('\n').slice(-3).join(' / ')})` : '';
      throw new McpConnectError(`cannot reach the MCP server: ${why}${tail}`.slice(0, MAX_ERROR_CHARS));
    }
    return { client };
  }
}
