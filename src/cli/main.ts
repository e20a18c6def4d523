// The `sesame` command line: run, policy check/explain, describe, plugin check, audit.
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { auditCommand } from './audit.ts';
import { describeCommand } from './describe.ts';
import { mcpCommand } from './mcp.ts';
import { pluginCommand } from './plugin.ts';
import { policyCommand } from './policy.ts';
import { runCommand } from './run.ts';

const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

// Node marks type stripping experimental; that notice is not the user's business.
process.removeAllListeners('warning');
process.on('warning', (warning) => {
  if (warning.name === 'ExperimentalWarning' && /stripTypeScriptTypes|Type Stripping/i.test(warning.message))
    return;
  process.stderr.write(`${warning.name}: ${warning.message}\n`);
});

// A reader that goes away (`sesame run ... | head`) is not an error of the run: stop writing, and
// exit with the run's own code instead of a stack trace.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
});

const program = new Command('sesame')
  .description('Run tool scripts written by a language model with least authority.')
  .version(pkg.version, '-v, --version');

program.addCommand(runCommand());
program.addCommand(policyCommand());
program.addCommand(auditCommand());
program.addCommand(pluginCommand());
program.addCommand(mcpCommand());
program.addCommand(describeCommand());
// addCommand() does not pass settings down: every command throws instead of exiting, so usage
// mistakes anywhere get exit 2.
const settle = (command: Command): void => {
  command.exitOverride().showHelpAfterError();
  for (const sub of command.commands) settle(sub);
};
settle(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    // Help and version exit 0; every other usage mistake is exit 2, as the contract says.
    process.exitCode = error.exitCode === 0 ? 0 : 2;
  } else {
    process.stderr.write(`sesame: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 2;
  }
}
