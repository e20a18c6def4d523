// `sesame plugin check <dir>`, and the --plugin / --allow-builtin flags the other commands share.
// An operator installs a third-party plugin by naming it on the command line (or in createRuntime);
// `plugin check` is how they review one first: what it is, what it imports, what it may reach.
import { Command, Option } from 'commander';
import { DEFAULT_ALLOWED_BUILTINS } from '../plugin/grants.ts';
import { oneLine } from '../policy/explain.ts';
import { describeJson, type JsonSchema } from '../policy/messages.ts';
import type { PackageReach } from '../protocol.ts';
import { checkPlugin, type PluginCheck } from '../supervisor/plugins.ts';

export interface PluginFlags {
  plugin?: string[];
  allowBuiltin?: string[];
}

const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

/** --plugin <dir>, repeatable. */
export const pluginOption = (): Option =>
  new Option(
    '--plugin <dir>',
    'install a third-party plugin: a package folder or package name (repeatable)',
  ).argParser(collect);

/** --allow-builtin <module>, repeatable. */
export const allowBuiltinOption = (): Option =>
  new Option(
    '--allow-builtin <module>',
    'let third-party plugins be granted this Node builtin too, beyond the default list (repeatable)',
  ).argParser(collect);

/**
 * The runtime options the flags stand for. --allow-builtin adds to the default list; without it the
 * runtime's default applies. src/cli/prestart.ts computes the same, to start the right sandbox.
 */
export function pluginOptions(flags: PluginFlags): { plugins?: string[]; allowBuiltins?: string[] } {
  return {
    ...(flags.plugin === undefined ? {} : { plugins: flags.plugin }),
    ...(flags.allowBuiltin === undefined
      ? {}
      : { allowBuiltins: [...DEFAULT_ALLOWED_BUILTINS, ...flags.allowBuiltin] }),
  };
}

const list = (items: readonly string[]) => (items.length === 0 ? 'none' : items.join(', '));

function reachLines(packages: readonly PackageReach[]): string[] {
  return packages.map((pkg, i) => {
    const who = i === 0 ? `${pkg.name} (the plugin)` : `${pkg.name} (dependency ${pkg.label})`;
    return `  ${who}: builtins ${list(pkg.builtins)}; globals ${list(pkg.globals)}`;
  });
}

function configLines(schema: unknown): string[] {
  const json = schema as JsonSchema | null;
  const properties = Object.entries(json?.properties ?? {});
  if (properties.length === 0) return ['  (no settings)'];
  const required = new Set(json?.required ?? []);
  return properties.map(([key, field]) => {
    const spec = field as JsonSchema;
    const need = required.has(key)
      ? 'required'
      : spec.default === undefined
        ? 'optional'
        : `default ${JSON.stringify(spec.default)}`;
    const doc = typeof spec.description === 'string' ? ` (${spec.description})` : '';
    return `  ${key}: ${describeJson(spec)}, ${need}${doc}`;
  });
}

/**
 * The report as people read it. Much of it is the plugin's own text (descriptions, names): each
 * line is put on one line with control and format characters made spaces, so a plugin cannot
 * forge, hide or overwrite a line of its own review with terminal escapes.
 */
export function formatCheck(check: PluginCheck): string {
  return reportLines(check)
    .map((line) => oneLine(line))
    .join('\n');
}

function reportLines(check: PluginCheck): string[] {
  const lines: string[] = [];
  const { manifest, descriptor } = check;
  lines.push(
    manifest
      ? `plugin ${manifest.name} (${manifest.packageName}${manifest.version ? ` ${manifest.version}` : ''}) in ${check.dir}`
      : `plugin in ${check.dir}`,
  );
  if (descriptor) lines.push(`  ${descriptor.description}`);
  lines.push('', 'May reach (its manifest, as the sandbox enforces it):');
  if (descriptor) lines.push(...reachLines(descriptor.packages));
  else if (manifest)
    lines.push(
      `  ${manifest.packageName} (the plugin): builtins ${list(manifest.builtins)}; globals ${list(manifest.globals)}`,
    );
  const imports = Object.entries(check.imports);
  if (imports.length > 0) {
    lines.push('', 'Imports from outside its packages:');
    for (const [label, specifiers] of imports) {
      lines.push(
        `  ${label === '$root$' ? (manifest?.packageName ?? 'the plugin') : label}: ${list(specifiers)}`,
      );
    }
  }
  if (descriptor) {
    lines.push('', 'Methods (each call is checked and audited by the runtime):');
    const methods = Object.entries(descriptor.methods);
    if (methods.length === 0) lines.push('  (none)');
    for (const [name, spec] of methods) lines.push(`  ${descriptor.name}.${name}(): ${spec.description}`);
    lines.push(
      '',
      `Config (a policy writes these beside \`plugin: ${descriptor.name}\`):`,
      ...configLines(descriptor.config),
    );
    if (descriptor.hooks.length > 0) lines.push('', `Hooks: ${descriptor.hooks.join(', ')}`);
  }
  for (const unused of check.unused) lines.push(`warning: declared but never imported: ${unused}`);
  for (const undeclared of check.undeclared) lines.push(`problem: imported but not declared: ${undeclared}`);
  if (check.error !== undefined) lines.push(`problem: ${check.error}`);
  lines.push(problems(check) ? 'not ok' : 'ok');
  return lines;
}

const problems = (check: PluginCheck): boolean => check.error !== undefined || check.undeclared.length > 0;

export function pluginCommand(): Command {
  const plugin = new Command('plugin').description('Review third-party plugins before installing them.');
  plugin
    .command('check')
    .description(
      'Validate a plugin (manifest, schemas, declared builtins against its imports) and print what it can reach; exit 0, or 2 with each problem.',
    )
    .argument('<dir>', 'the plugin: a package folder or an installed package name')
    .addOption(allowBuiltinOption())
    .option('--json', 'print the report as one JSON object')
    .action(async (dir: string, flags: PluginFlags & { json?: boolean }) => {
      const { allowBuiltins } = pluginOptions(flags);
      const check = await checkPlugin(dir, allowBuiltins === undefined ? {} : { allowBuiltins });
      process.stdout.write(`${flags.json ? JSON.stringify(check) : formatCheck(check)}\n`);
      process.exitCode = problems(check) ? 2 : 0;
    });
  return plugin;
}
