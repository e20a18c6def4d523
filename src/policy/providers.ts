// Capabilities that live in the host rather than in a sandbox: the host application's own tools
// (`createRuntime({ tools })`) and the tools of MCP servers. A policy grants them like plugins
// (`plugin: tools` / `plugin: mcp`, with the same maxCalls, rate and approve), but no sandbox
// loads them: the sandbox's membrane counts and copies each call and asks the supervisor, which
// validates, approves, records and makes it. These definitions are what the policy checks.
import path from 'node:path';
import { builtinPlugins } from '../../plugins/index.ts';
import { type AnyPlugin, definePlugin, parseTemplate, templateSecrets, z } from '../plugin/index.ts';
import { markHostSide } from './schema.ts';

/** A host tool's name: it becomes a method of the capability (`tools.lookup(...)`). */
export const TOOL_NAME = /^[A-Za-z_$][A-Za-z0-9_$]{0,127}$/;
/** An MCP tool's name as the MCP specification allows it. */
export const MCP_TOOL_NAME = /^[A-Za-z0-9_.-]{1,128}$/;
/**
 * Names no method may have: `then` would make the capability a thenable (`await tools` would call
 * it), the others are Object.prototype's own machinery.
 */
export const UNUSABLE_METHOD_NAMES: readonly string[] = Object.freeze([
  'then',
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'valueOf',
  'hasOwnProperty',
]);

const methodName = (pattern: RegExp, doc: string) =>
  z
    .string()
    .regex(pattern, { error: (iss) => `expected ${doc}, got ${JSON.stringify(iss.input)}` })
    .refine((name) => !UNUSABLE_METHOD_NAMES.includes(name), {
      error: (iss) => `${JSON.stringify(iss.input)} cannot be a method name (expected another name)`,
    });

const uniqueList = <T extends z.ZodType<string>>(item: T, doc: string) =>
  z
    .array(item)
    .min(1, { error: 'expected at least one name' })
    .refine((names) => new Set(names).size === names.length, { error: 'expected each name once' })
    .describe(doc);

const toolsConfig = z
  .object({
    allow: uniqueList(
      methodName(TOOL_NAME, 'a host tool name (a JavaScript identifier)'),
      'The host tools this capability offers, by name; each is a method (`tools.lookup({...})`).',
    ),
  })
  .strict();

/**
 * The `tools` provider. `registered` names the tools the runtime has (its check refuses others);
 * undefined when the policy is checked without a runtime (`sesame policy check`).
 */
export function toolsProvider(registered?: readonly string[]): AnyPlugin {
  const definition = definePlugin({
    name: 'tools',
    description:
      "Functions the host application registers (createRuntime({ tools })), granted by name. Each call is validated with the tool's schema, recorded, and made by the host.",
    config: toolsConfig,
    methods: {},
    // The methods are the allowed tools: the sandbox builds them from the grant (wrapRemote).
    create: () => ({}),
    check(config) {
      if (registered === undefined) return [];
      return config.allow.flatMap((name, i) =>
        registered.includes(name)
          ? []
          : [
              {
                path: ['allow', i],
                message: `the host registers no tool named ${JSON.stringify(name)} (it has: ${registered.length > 0 ? registered.join(', ') : 'none'})`,
              },
            ],
      );
    },
    explain: (config) => [`call the host's tools ${config.allow.join(', ')}`],
  });
  return markHostSide(definition, (config) => (config as z.output<typeof toolsConfig>).allow);
}

const templated = (doc: string) =>
  z
    .string()
    .refine((text) => parseTemplate(text).ok, {
      error: `expected text with well-formed secret references (\${NAME})`,
    })
    .describe(doc);

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;

const stdioServer = z
  .object({
    command: z
      .string()
      .min(1)
      .describe('The program to run (a relative path resolves against the policy file).'),
    args: z.array(z.string()).default([]).describe('Its arguments.'),
    env: z
      .record(
        z.string().regex(ENV_NAME, { error: 'expected an environment variable name' }),
        templated(`A value; \${NAME} inserts the policy secret NAME.`),
      )
      .default({})
      .describe(
        `Its environment: these variables, on top of the MCP SDK's small default set (HOME, LOGNAME, PATH, SHELL, TERM, USER); nothing else of the host's. \${NAME} inserts a policy secret.`,
      ),
    cwd: z
      .string()
      .optional()
      .describe("Its working directory, relative to the policy file (default: the policy's directory)."),
  })
  .strict()
  .describe('An MCP server the host starts and speaks to over stdio.');

const httpServer = z
  .object({
    url: z
      .url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL' })
      .describe("The MCP server's Streamable HTTP endpoint."),
    headers: z
      .record(
        z.string().regex(/^[A-Za-z0-9-]{1,128}$/),
        templated(`A header value; \${NAME} inserts a policy secret.`),
      )
      .default({})
      .describe(`Headers sent with every request (e.g. Authorization: "Bearer \${TOKEN}").`),
  })
  .strict()
  .describe('An MCP server the host connects to over Streamable HTTP.');

const mcpConfig = z
  .object({
    server: z
      .union([stdioServer, httpServer], {
        error: 'expected { command, args?, env?, cwd? } (stdio) or { url, headers? } (HTTP)',
      })
      .describe('Where the MCP server is: a command the host runs, or a URL it connects to.'),
    allow: uniqueList(
      methodName(MCP_TOOL_NAME, 'an MCP tool name (letters, digits, _, . or -)'),
      "The server's tools this capability offers, by name; each is a method (`github.list_issues({...})`). Nothing else of the server is reachable.",
    ),
    timeoutMs: z
      .number()
      .int()
      .min(1)
      .max(600_000)
      .default(30_000)
      .describe("How long one tool call may take, in milliseconds (the run's timeout still applies)."),
  })
  .strict();

export type McpConfig = z.output<typeof mcpConfig>;
export type McpServerConfig = McpConfig['server'];

/** The `mcp` provider: an MCP server's tools, allow-listed by name. */
export const mcpProvider: AnyPlugin = markHostSide(
  definePlugin({
    name: 'mcp',
    description:
      'The tools of an MCP server the host runs (stdio) or connects to (HTTP), allow-listed by name. The host makes each call with the official MCP client; the script never reaches the server otherwise.',
    config: mcpConfig,
    methods: {},
    // The methods are the allowed tools: the sandbox builds them from the grant (wrapRemote).
    create: () => ({}),
    secrets(config) {
      const server = config.server;
      const texts = 'url' in server ? Object.values(server.headers) : Object.values(server.env);
      return [...new Set(texts.flatMap(templateSecrets))];
    },
    explain(config, ctx) {
      const server = config.server;
      const where =
        'url' in server
          ? `the MCP server at ${server.url}`
          : `the MCP server the host runs: ${[ctx.resolvePath(server.command), ...server.args].join(' ')} (in ${server.cwd === undefined ? ctx.policyDir : ctx.resolvePath(server.cwd)})`;
      return [`call the tools ${config.allow.join(', ')} of ${where}`];
    },
  }),
  (config) => (config as McpConfig).allow,
);

/** Resolve a stdio server's command and cwd against the policy's directory. */
export function resolveServer(server: McpServerConfig, policyDir: string): McpServerConfig {
  if ('url' in server) return server;
  const command =
    server.command.includes('/') || server.command.includes(path.sep)
      ? path.resolve(policyDir, server.command)
      : server.command;
  return { ...server, command, cwd: path.resolve(policyDir, server.cwd ?? '.') };
}

/** What a policy is checked against when no runtime is at hand: built-ins and host providers. */
export const standardPlugins: readonly AnyPlugin[] = Object.freeze([
  ...builtinPlugins,
  toolsProvider(),
  mcpProvider,
]);
