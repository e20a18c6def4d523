// Cold start: `sesame run` needs one sandbox, whose start (a Node process, SES, lockdown, the
// plugins) costs more than the host's own start. Begin it first, before the CLI loads its
// modules, so the two overlap. The memory limit is read from the policy with a plain pattern;
// a wrong guess costs only the speculation: the runtime then starts a sandbox of the right size.
import { readFileSync } from 'node:fs';
import { prestartSandbox } from '../supervisor/pool.ts';

const DEFAULT_MEMORY_MB = 64;

function policyArgument(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--policy' || arg === '-p') return argv[i + 1];
    if (arg.startsWith('--policy=')) return arg.slice('--policy='.length);
  }
  return undefined;
}

const argv = process.argv.slice(2);
if (argv[0] === 'run') {
  const file = policyArgument(argv);
  if (file !== undefined) {
    let memoryMb = DEFAULT_MEMORY_MB;
    try {
      const match = /\bmemoryMb\s*:\s*(\d+)/.exec(readFileSync(file, 'utf8'));
      if (match) memoryMb = Number(match[1]);
    } catch {
      // No policy to read: the command will say so; start nothing.
      memoryMb = 0;
    }
    if (memoryMb >= 16 && memoryMb <= 8192) prestartSandbox(memoryMb);
  }
}
