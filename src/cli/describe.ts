// `sesame describe --policy <file>`: the TypeScript declarations (or, with --format json, the same
// as JSON) of everything a script under the policy may use, for a host to put in a model's prompt.
import { readFile } from 'node:fs/promises';
import { Command, Option } from 'commander';
import type { DescribeOptions, JsonSchema } from '../describe/index.ts';
import type { Runtime } from '../supervisor/runtime.ts';
import { allowBuiltinOption, type PluginFlags, pluginOption } from './plugin.ts';
import { withPolicy } from './policy.ts';
import { toolsOption } from './tools.ts';

interface DescribeFlags extends PluginFlags {
  tools?: string;
  policy: string;
  format: 'ts' | 'json';
  inputSchema?: string;
}

/** The --input-schema file: a JSON Schema (an object or a boolean). Throws a message for the user. */
async function readInputSchema(file: string): Promise<JsonSchema> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new Error(`${file}: cannot read the input schema (${(error as NodeJS.ErrnoException).code})`);
  }
  let schema: unknown;
  try {
    schema = JSON.parse(text);
  } catch (error) {
    throw new Error(`${file}: the input schema is not JSON (${(error as Error).message})`);
  }
  if (
    typeof schema !== 'boolean' &&
    (typeof schema !== 'object' || schema === null || Array.isArray(schema))
  ) {
    throw new Error(`${file}: the input schema must be a JSON Schema (an object)`);
  }
  return schema as JsonSchema;
}

export function describeCommand(): Command {
  return new Command('describe')
    .description(
      "Print TypeScript declarations of everything a script under a policy may use (globals, each capability's methods, types and docs), for a model's prompt.",
    )
    .requiredOption('-p, --policy <file>', 'the policy file (YAML)')
    .addOption(
      new Option('--format <format>', 'ts: declarations; json: the same with JSON Schema for each method')
        .choices(['ts', 'json'])
        .default('ts'),
    )
    .option('--input-schema <file>', "a JSON Schema of the task input, to declare `input`'s type")
    .addOption(pluginOption())
    .addOption(allowBuiltinOption())
    .addOption(toolsOption())
    .action(async (flags: DescribeFlags) => {
      let options: DescribeOptions = {};
      if (flags.inputSchema !== undefined) {
        try {
          options = { input: await readInputSchema(flags.inputSchema) };
        } catch (error) {
          process.stderr.write(`sesame describe: ${(error as Error).message}\n`);
          process.exitCode = 2;
          return;
        }
      }
      // Always through a runtime: it knows the host's tools and asks MCP servers for theirs.
      await withPolicy(
        flags.policy,
        flags,
        async (loaded, runtime) => {
          const described = await (runtime as Runtime).describePolicy(loaded, options);
          process.stdout.write(
            flags.format === 'json' ? `${JSON.stringify(described.json, null, 2)}\n` : described.typescript,
          );
        },
        { runtime: true },
      );
    });
}
