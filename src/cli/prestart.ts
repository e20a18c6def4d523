// Cold start: `sesame run` needs one sandbox, whose start (a Node process, SES, lockdown, the
// plugins) costs more than the host's own start. Begin it first, before the CLI loads its
// modules, so the two overlap. The memory limit is read from the policy with a plain pattern;
// a wrong guess costs only the speculation: the runtime then starts a sandbox of the right size.
import { readFileSync } from 'node:fs';
import { DEFAULT_ALLOWED_BUILTINS } from '../plugin/grants.ts';
import { sandboxConfigFor } from '../supervisor/plugin-folders.ts';
import { prestartSandbox, type SandboxSetup } from '../supervisor/pool.ts';

const DEFAULT_MEMORY_MB = 64;

function policyArgument(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--policy' || arg === '-p') return argv[i + 1];
    if (arg.startsWith('--policy=')) return arg.slice('--policy='.length);
  }
  return undefined;
}

/**
 * The plugins a policy names, guessed with a plain pattern, so the sandbox loads them while the
 * CLI loads itself (a wrong guess only loads a plugin early or late).
 */
function pluginsNamed(text: string): string[] {
  return [
    ...new Set(
      [...text.matchAll(/\bplugin\s*:\s*["']?([a-z][a-z0-9-]*)/g)].map((match) => match[1] as string),
    ),
  ];
}

/** Every value of a repeatable option, as commander will read them. */
function repeated(argv: readonly string[], name: string): string[] | undefined {
  const values: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === name && i + 1 < argv.length) values.push(argv[++i] as string);
    else if (arg.startsWith(`${name}=`)) values.push(arg.slice(name.length + 1));
  }
  return values.length > 0 ? values : undefined;
}

/**
 * The plugins the runtime will want (src/cli/plugin.ts pluginOptions, then createRuntime):
 * a sandbox started with other plugins would only be stopped again. Undefined when the flags
 * cannot be resolved: the command will say why, and nothing is started.
 */
function setupFor(argv: readonly string[]): SandboxSetup | undefined {
  const plugins = repeated(argv, '--plugin');
  const allow = repeated(argv, '--allow-builtin');
  if (plugins === undefined && allow === undefined) return {};
  try {
    const allowBuiltins = allow === undefined ? undefined : [...DEFAULT_ALLOWED_BUILTINS, ...allow];
    return { config: sandboxConfigFor(plugins ?? [], allowBuiltins, process.cwd()) };
  } catch {
    return undefined;
  }
}

const argv = process.argv.slice(2);
if (argv[0] === 'run') {
  const file = policyArgument(argv);
  if (file !== undefined) {
    let memoryMb = DEFAULT_MEMORY_MB;
    let text = '';
    try {
      text = readFileSync(file, 'utf8');
      const match = /\bmemoryMb\s*:\s*(\d+)/.exec(text);
      if (match) memoryMb = Number(match[1]);
    } catch {
      // No policy to read: the command will say so; start nothing.
      memoryMb = 0;
    }
    const setup = setupFor(argv);
    if (setup !== undefined && memoryMb >= 16 && memoryMb <= 8192) {
      prestartSandbox(memoryMb, { ...setup, preload: pluginsNamed(text) });
    }
  }
}
