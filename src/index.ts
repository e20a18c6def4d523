// sesame: run tool scripts written by a language model with least authority.

export type { AuditSink } from './audit/sinks.ts';
export { callbackSink, jsonlSink, memorySink } from './audit/sinks.ts';
// `sesame describe`: the script's API as TypeScript declarations and JSON, and the model that
// host tools and MCP tools are described in to be added to it.
export type {
  CapabilitySurface,
  DescribeOptions,
  GlobalSurface,
  JsonSchema,
  MethodSurface,
  ParameterSurface,
  PolicyDescription,
  PolicySurface,
  ToolDescription,
} from './describe/index.ts';
export { renderTypeScript, toolMethod } from './describe/index.ts';
// Third-party plugins: what a runtime allows them by default, reviewing one, installing one.
export { DEFAULT_ALLOWED_BUILTINS, PLUGIN_GLOBALS } from './plugin/grants.ts';
export type { PluginManifest } from './plugin/manifest.ts';
export type { LoadedPolicy, PolicyIssue } from './policy/load.ts';
export { PolicyError } from './policy/load.ts';
export type {
  AuditRecord,
  CallRecord,
  ErrorCode,
  IntentRecord,
  Limits,
  PackageReach,
  PluginDescriptor,
  PluginLogEntry,
  PluginReport,
  RunEndRecord,
  RunError,
  RunStartRecord,
} from './protocol.ts';
export { ERROR_CODES, EXIT_CODES, PLUGIN_LOG_MAX_CHARS, PLUGIN_LOG_MAX_LINES } from './protocol.ts';
export type { ApprovalRequest, Approver } from './supervisor/host-calls.ts';
export { checkPlugin, type PluginCheck, PluginInstallError } from './supervisor/plugins.ts';
export type { PoolStats } from './supervisor/pool.ts';
export { SandboxStartError } from './supervisor/pool.ts';
export type { RunOptions, RunResult, Runtime, RuntimeOptions } from './supervisor/runtime.ts';
export { createRuntime } from './supervisor/runtime.ts';
export type { HostTool, HostTools, ToolContext } from './supervisor/tools.ts';
export { defineTool, ToolError } from './supervisor/tools.ts';

import { builtinPlugins } from '../plugins/index.ts';
import { type DescribeOptions, describeWith, type PolicyDescription } from './describe/index.ts';
import type { AnyPlugin } from './plugin/index.ts';
import { explainPolicy as explainWith } from './policy/explain.ts';
import { type LoadedPolicy, loadPolicy as loadWith, parsePolicy as parseWith } from './policy/load.ts';
import { standardPlugins } from './policy/providers.ts';

/** builtinPlugins run in sandboxes; standardPlugins adds the host-side providers `tools` and `mcp`. */
export { builtinPlugins, standardPlugins };

/** Load and validate a policy file; throws PolicyError (code E_POLICY) with positions. */
export function loadPolicy(
  file: string,
  opts: { plugins?: readonly AnyPlugin[] } = {},
): Promise<LoadedPolicy> {
  return loadWith(file, { plugins: opts.plugins ?? standardPlugins });
}

/** Validate policy text; `file` names it in errors and anchors relative paths. */
export function parsePolicy(
  text: string,
  opts: { file?: string; plugins?: readonly AnyPlugin[] } = {},
): LoadedPolicy {
  return parseWith(text, {
    ...(opts.file === undefined ? {} : { file: opts.file }),
    plugins: opts.plugins ?? standardPlugins,
  });
}

/** Plain words for a reviewer: what a task under this policy may and may not do. */
export function explainPolicy(policy: LoadedPolicy, plugins: readonly AnyPlugin[] = standardPlugins): string {
  return explainWith(policy, plugins);
}

/**
 * TypeScript declarations of everything a script under `policy` may use, for a model's prompt,
 * and the same as JSON (`json`: JSON Schema for each method's parameters and result): `input`,
 * `console`, the capabilities with their methods' types and docs and what the policy allows them,
 * the standard globals plugins turn on, the script format and the limits. Made from the plugins'
 * own zod schemas. `options.capabilities` adds capabilities described by JSON Schema only (host
 * tools, MCP tools: build their methods with `toolMethod`); `options.input` is the JSON Schema of
 * the input (otherwise `unknown`); `options.plugins` as for explainPolicy. For third-party plugins
 * use `runtime.describePolicy(policy)`.
 */
export function describePolicy(
  policy: LoadedPolicy,
  options: DescribeOptions & { plugins?: readonly AnyPlugin[] } = {},
): PolicyDescription {
  const { plugins, ...rest } = options;
  return describeWith(policy, plugins ?? builtinPlugins, rest);
}
