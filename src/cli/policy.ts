// `sesame policy check <file>` and `sesame policy explain <file>`.
import { Command } from 'commander';
import type { AuditSink } from '../audit/sinks.ts';
import { explainPolicy } from '../policy/explain.ts';
import { type LoadedPolicy, loadPolicy, PolicyError } from '../policy/load.ts';
import { standardPlugins } from '../policy/providers.ts';
import { PluginInstallError } from '../supervisor/plugin-folders.ts';
import { SandboxStartError } from '../supervisor/pool.ts';
import { createRuntime, type Runtime } from '../supervisor/runtime.ts';
import { allowBuiltinOption, type PluginFlags, pluginOption, pluginOptions } from './plugin.ts';
import { loadTools, ToolsModuleError, toolsOption } from './tools.ts';

/**
 * Load a policy and hand it to `use`. With third-party plugins (--plugin), a runtime validates it:
 * their schemas run only in a sandbox. Without, the host checks it alone, as fast as it can.
 */
export async function withPolicy(
  file: string,
  flags: PluginFlags & { tools?: string },
  use: (policy: LoadedPolicy, runtime: Runtime | undefined) => Promise<void>,
  opts: { runtime?: boolean; size?: number; audit?: AuditSink } = {},
): Promise<void> {
  const options = pluginOptions(flags);
  let runtime: Runtime | undefined;
  try {
    const tools = await loadTools(flags.tools);
    // A runtime knows third-party plugins and the host's tools (and connects to MCP servers).
    if (options.plugins !== undefined || tools !== undefined || opts.runtime) {
      runtime = createRuntime({
        size: opts.size ?? 1,
        ...options,
        ...(tools ? { tools } : {}),
        ...(opts.audit ? { audit: opts.audit } : {}),
      });
    }
    const loaded = runtime
      ? await runtime.loadPolicy(file)
      : await loadPolicy(file, { plugins: standardPlugins });
    await use(loaded, runtime);
  } catch (error) {
    // A plugin that cannot be installed or loaded says so itself.
    const message =
      error instanceof PolicyError ||
      error instanceof ToolsModuleError ||
      error instanceof PluginInstallError ||
      error instanceof SandboxStartError
        ? error.message
        : `${file}: cannot read policy: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`;
    process.stderr.write(`${message}\n`);
    process.exitCode = 2;
  } finally {
    await runtime?.close();
  }
}

export function policyCommand(): Command {
  const policy = new Command('policy').description('Check and explain policy files.');
  policy
    .command('check')
    .description('Validate a policy file; errors are printed as file:line:col: message (exit 2).')
    .argument('<file>', 'the policy file (YAML)')
    .addOption(pluginOption())
    .addOption(allowBuiltinOption())
    .addOption(toolsOption())
    .action((file: string, flags: PluginFlags) =>
      withPolicy(file, flags, async (loaded) => {
        const caps = Object.keys(loaded.capabilities);
        process.stdout.write(
          `${file}: ok (task ${loaded.task}; ${caps.length ? `capabilities: ${caps.join(', ')}` : 'no capabilities'})\n`,
        );
      }),
    );
  policy
    .command('explain')
    .description('Say in plain words what a task under this policy may and may not do.')
    .argument('<file>', 'the policy file (YAML)')
    .addOption(pluginOption())
    .addOption(allowBuiltinOption())
    .addOption(toolsOption())
    .action((file: string, flags: PluginFlags) =>
      withPolicy(file, flags, async (loaded, runtime) => {
        const text = runtime ? await runtime.explainPolicy(loaded) : explainPolicy(loaded, standardPlugins);
        process.stdout.write(`${text}\n`);
      }),
    );
  return policy;
}
