// sesame: run tool scripts written by a language model with least authority.

export type { AuditSink } from './audit/sinks.ts';
export { callbackSink, jsonlSink, memorySink } from './audit/sinks.ts';
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
export { SandboxStartError } from './supervisor/pool.ts';
export type { RunOptions, RunResult, Runtime, RuntimeOptions } from './supervisor/runtime.ts';
export { createRuntime } from './supervisor/runtime.ts';
export type { HostTool, HostTools, ToolContext } from './supervisor/tools.ts';
export { defineTool, ToolError } from './supervisor/tools.ts';

import { builtinPlugins } from '../plugins/index.ts';
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
