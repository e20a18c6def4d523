// `sesame policy explain`: what a task may and may not do, in plain words for a security reviewer.
// Granted authority comes from each plugin's own explain hook and method docs; what is denied is
// spelt out too, because "not listed" is easy to overlook and deny-by-default is the point.
import type { AnyPlugin } from '../plugin/index.ts';
import type { LoadedPolicy } from './load.ts';
import { policyPathContext } from './load.ts';

/** Ambient authority a script lacks unless a capability of this plugin is granted. */
const WITHHELD_UNLESS_GRANTED: readonly { readonly plugin: string; readonly denied: string }[] =
  Object.freeze([
    { plugin: 'http', denied: 'use the network: no fetch, sockets or DNS' },
    { plugin: 'fs', denied: 'read or write files' },
    { plugin: 'kv', denied: 'keep data between runs' },
    { plugin: 'clock', denied: 'tell the time: Date.now() and new Date() throw' },
    {
      plugin: 'random',
      denied: 'draw random numbers: Math.random() and crypto.getRandomValues() throw',
    },
  ]);

/** Authority no policy grants. */
const ALWAYS_WITHHELD: readonly string[] = Object.freeze([
  'reach process, require, import(), environment variables, child processes, workers or any Node.js API',
  'see any global other than input, console, the standard JavaScript built-ins and the capabilities above',
  'go past the limits above: the run is stopped with an error',
]);

/** Plain words for a reviewer: the task, its limits, what it may do and what it may not. */
export function explainPolicy(policy: LoadedPolicy, plugins: readonly AnyPlugin[]): string {
  const lines: string[] = [`Task: ${policy.task}`];
  if (policy.description !== undefined) lines.push(`Description: ${oneLine(policy.description)}`);
  lines.push(`Policy: ${oneLine(policy.file ?? '(given as text)')} (sha256 ${policy.hash.slice(0, 16)})`);

  const { limits } = policy;
  lines.push('', 'Limits (a run that crosses one is stopped):');
  lines.push(`  - stops after ${formatDuration(limits.timeoutMs)}`);
  lines.push(`  - ${formatBytes(limits.memoryMb * MiB)} of memory`);
  lines.push(
    limits.maxCalls === 0
      ? '  - no capability calls at all'
      : `  - at most ${limits.maxCalls} capability call${limits.maxCalls === 1 ? '' : 's'}`,
  );
  lines.push(
    limits.maxOutputBytes === 0
      ? '  - returns nothing (maxOutputBytes is 0)'
      : `  - returns at most ${formatBytes(limits.maxOutputBytes)}`,
  );

  const granted = Object.entries(policy.capabilities);
  lines.push('', 'The script MAY (every capability call is checked against the policy and logged):');
  if (granted.length === 0) {
    lines.push('  - nothing beyond computing on its input: no capabilities are granted');
  }
  const ctx = policyPathContext(policy.dir);
  for (const [name, capability] of granted) {
    const plugin = plugins.find((candidate) => candidate.name === capability.plugin);
    if (plugin === undefined) {
      lines.push(
        `  - \`${name}\` (plugin ${capability.plugin}): the plugin is not installed, so the run would fail`,
      );
      continue;
    }
    lines.push(`  - \`${name}\` (plugin ${plugin.name}): ${oneLine(plugin.description)}`);
    for (const line of pluginExplanation(plugin, capability.config, ctx)) {
      lines.push(`      ${oneLine(line)}`);
    }
    const methods = Object.entries(plugin.methods as Record<string, { description: string }>);
    if (methods.length > 0) lines.push('      methods:');
    for (const [method, spec] of methods) {
      lines.push(`        ${name}.${oneLine(method)}(): ${oneLine(spec.description)}`);
    }
  }

  const grantedPlugins = new Set(granted.map(([, capability]) => capability.plugin));
  const secrets = Object.entries(policy.secrets);
  if (secrets.length > 0) {
    lines.push(
      '',
      'Secrets (injected by the runtime where a capability says; the script never sees a value):',
    );
    for (const [name, source] of secrets) {
      const from = 'env' in source ? `environment variable ${source.env}` : `file ${source.file}`;
      lines.push(`  - ${oneLine(name)}: read from the ${oneLine(from)}`);
    }
  }

  lines.push('', 'The script may NOT:');
  for (const { plugin, denied } of WITHHELD_UNLESS_GRANTED) {
    if (!grantedPlugins.has(plugin)) lines.push(`  - ${denied} (no ${plugin} capability)`);
  }
  for (const denied of ALWAYS_WITHHELD) lines.push(`  - ${denied}`);
  return lines.join('\n');
}

/** A plugin's explain lines for one config; a failing hook is said, not hidden. */
export function pluginExplanation(
  plugin: AnyPlugin,
  config: Record<string, unknown>,
  ctx: ReturnType<typeof policyPathContext>,
): string[] {
  if (plugin.explain === undefined) return [];
  try {
    const lines = plugin.explain(config, ctx);
    if (!Array.isArray(lines)) throw new TypeError('its explain hook did not return a list of lines');
    return lines;
  } catch (error) {
    // A reviewer must see that the explanation is missing rather than read a shorter list.
    return [`(the ${plugin.name} plugin could not explain this config: ${(error as Error).message})`];
  }
}

/**
 * Text from a policy or a plugin on one line, control and format characters (newlines, terminal
 * escapes, bidi overrides) made spaces: it must not be able to forge or hide a line of the explanation.
 */
export function oneLine(text: string): string {
  return String(text).replace(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]+/gu, ' ');
}

const KiB = 1024;
const MiB = 1024 * KiB;
const GiB = 1024 * MiB;

/** "2 s", "250 ms", "1.5 s", "10 min", "1 min 30 s". */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${trim(ms / 1000)} s`;
  const minutes = Math.floor(ms / 60_000);
  const rest = ms - minutes * 60_000;
  return rest === 0 ? `${minutes} min` : `${minutes} min ${trim(rest / 1000)} s`;
}

/** "64 KiB", "1 GiB", "1000 bytes"; exact, or the byte count with an approximation beside it. */
export function formatBytes(bytes: number): string {
  const unit =
    bytes >= GiB ? ['GiB', GiB] : bytes >= MiB ? ['MiB', MiB] : bytes >= KiB ? ['KiB', KiB] : undefined;
  if (unit === undefined) return `${bytes} byte${bytes === 1 ? '' : 's'}`;
  const [name, size] = unit as [string, number];
  const value = bytes / size;
  const shown = trim(value);
  return Number(shown) === value ? `${shown} ${name}` : `${bytes} bytes (about ${shown} ${name})`;
}

/** At most two decimals, without trailing zeros. */
const trim = (value: number): string => String(Math.round(value * 100) / 100);
