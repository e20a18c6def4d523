// `sesame policy check <file>` and `sesame policy explain <file>`.
import { Command } from 'commander';
import { builtinPlugins } from '../../plugins/index.ts';
import { explainPolicy } from '../policy/explain.ts';
import { type LoadedPolicy, loadPolicy, PolicyError } from '../policy/load.ts';

async function load(file: string): Promise<LoadedPolicy | undefined> {
  try {
    return await loadPolicy(file, { plugins: builtinPlugins });
  } catch (error) {
    const message =
      error instanceof PolicyError
        ? error.message
        : `${file}: cannot read policy: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`;
    process.stderr.write(`${message}\n`);
    process.exitCode = 2;
    return undefined;
  }
}

export function policyCommand(): Command {
  const policy = new Command('policy').description('Check and explain policy files.');
  policy
    .command('check')
    .description('Validate a policy file; errors are printed as file:line:col: message (exit 2).')
    .argument('<file>', 'the policy file (YAML)')
    .action(async (file: string) => {
      const loaded = await load(file);
      if (loaded) {
        const caps = Object.keys(loaded.capabilities);
        process.stdout.write(
          `${file}: ok (task ${loaded.task}; ${caps.length ? `capabilities: ${caps.join(', ')}` : 'no capabilities'})\n`,
        );
      }
    });
  policy
    .command('explain')
    .description('Say in plain words what a task under this policy may and may not do.')
    .argument('<file>', 'the policy file (YAML)')
    .action(async (file: string) => {
      const loaded = await load(file);
      if (loaded) process.stdout.write(`${explainPolicy(loaded, builtinPlugins)}\n`);
    });
  return policy;
}
