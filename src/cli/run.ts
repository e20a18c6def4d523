// `sesame run <script> --policy <file>`: one run, reported as the contract's JSON object with
// --json, or as the result on stdout and logs on stderr for people.
import { readFile } from 'node:fs/promises';
import { Command, Option } from 'commander';
import { type AuditSink, jsonlSink } from '../audit/sinks.ts';
import { EXIT_CODES, type RunError } from '../protocol.ts';
import { createRuntime, type RunResult, type Runtime } from '../supervisor/runtime.ts';
import { cliApprover } from './approve.ts';
import { allowBuiltinOption, type PluginFlags, pluginOption, pluginOptions } from './plugin.ts';
import { loadTools, toolsOption } from './tools.ts';

interface RunFlags extends PluginFlags {
  policy: string;
  input?: string;
  inputFile?: string;
  audit?: string;
  json?: boolean;
  tools?: string;
}

function report(
  json: boolean | undefined,
  outcome: Pick<RunResult, 'ok' | 'result' | 'error' | 'logs' | 'stats'> &
    Partial<Pick<RunResult, 'pluginLogs'>>,
): void {
  if (json) {
    // Plugins' diagnostics are added (as `pluginLogs`) only when there are some.
    const pluginLogs = (outcome.pluginLogs ?? []).map(({ capability, plugin, message }) => ({
      capability,
      plugin,
      message,
    }));
    const out = {
      ok: outcome.ok,
      ...(outcome.ok ? { result: outcome.result } : { error: outcome.error }),
      logs: outcome.logs,
      stats: { durationMs: Math.round(outcome.stats.durationMs * 1000) / 1000, calls: outcome.stats.calls },
      ...(pluginLogs.length > 0 ? { pluginLogs } : {}),
    };
    process.stdout.write(`${JSON.stringify(out)}\n`);
  } else {
    for (const { plugin, message } of outcome.pluginLogs ?? []) {
      process.stderr.write(`[plugin ${plugin}] ${message}\n`);
    }
    for (const line of outcome.logs) process.stderr.write(`${line}\n`);
    if (outcome.ok) {
      process.stdout.write(`${JSON.stringify(outcome.result, null, 2) ?? 'undefined'}\n`);
    } else {
      const e = outcome.error as RunError;
      const where =
        e.line === undefined
          ? ''
          : ` (line ${e.line}${e.column === undefined ? '' : `, column ${e.column}`})`;
      process.stderr.write(`${e.code}: ${e.message}${where}\n`);
    }
  }
  process.exitCode = outcome.ok ? 0 : EXIT_CODES[(outcome.error as RunError).code];
}

function usage(json: boolean | undefined, message: string): void {
  report(json, {
    ok: false,
    error: { code: 'E_USAGE', message },
    logs: [],
    stats: { durationMs: 0, calls: 0 },
  });
}

export function runCommand(): Command {
  return new Command('run')
    .description('Run a tool script under a policy.')
    .argument('<script>', 'the script file (.js, or .ts for TypeScript): the body of an async function')
    .requiredOption('-p, --policy <file>', 'the policy file (YAML)')
    .addOption(new Option('-i, --input <json>', 'the task input, as JSON text').conflicts('inputFile'))
    .option('--input-file <file>', 'read the task input (JSON) from a file')
    .option('--audit <file>', 'append audit records (JSON lines) to this file')
    .option('--json', 'print exactly one JSON object: { ok, result | error, logs, stats }')
    .addOption(pluginOption())
    .addOption(allowBuiltinOption())
    .addOption(toolsOption())
    .action(async (scriptFile: string, flags: RunFlags) => {
      let script: string;
      try {
        script = await readFile(scriptFile, 'utf8');
      } catch (error) {
        return usage(
          flags.json,
          `cannot read script ${scriptFile}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`,
        );
      }
      let input: unknown = null;
      try {
        if (flags.inputFile !== undefined) input = JSON.parse(await readFile(flags.inputFile, 'utf8'));
        else if (flags.input !== undefined) input = JSON.parse(flags.input);
      } catch (error) {
        return usage(flags.json, `the input is not valid JSON: ${(error as Error).message}`);
      }
      let audit: AuditSink | undefined;
      try {
        if (flags.audit !== undefined) audit = jsonlSink(flags.audit);
      } catch (error) {
        return usage(
          flags.json,
          `cannot open audit file ${flags.audit}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`,
        );
      }
      let runtime: Runtime;
      try {
        const tools = await loadTools(flags.tools);
        const approve = cliApprover();
        runtime = createRuntime({
          size: 1,
          ...(audit ? { audit } : {}),
          ...pluginOptions(flags),
          ...(tools ? { tools } : {}),
          ...(approve ? { approve } : {}),
        });
      } catch (error) {
        // A plugin or tools module that is missing or invalid: the operator's to fix.
        audit?.close?.();
        return usage(flags.json, (error as Error).message);
      }
      const controller = new AbortController();
      const stop = () => controller.abort();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      try {
        const result = await runtime.run({
          policyPath: flags.policy,
          script,
          scriptName: scriptFile,
          input,
          signal: controller.signal,
        });
        report(flags.json, result);
      } finally {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        // The result is out and the audit records are in: the sandbox need not be waited for.
        await runtime.close({ wait: false });
      }
    });
}
