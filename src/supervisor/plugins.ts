// The host's view of the plugins a runtime has: the built-in plugins, whose code the host runs to
// validate policies (it ships with sesame), and third-party plugins, whose code it never runs. The
// operator installs those (RuntimeOptions.plugins, `--plugin`); a policy can only name them.
//
// For a third-party plugin the host reads its manifest (plain data: its name, what it may reach)
// and keeps a stand-in definition: the policy schema checks only its `plugin` key, a sandbox runs
// the plugin's own schema and hooks on the rest (load.ts, parsePolicyDeferred), and the stand-in
// answers the host's later questions (which secrets, what to explain) from the sandbox's verdict
// on that very config object.
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { builtinPlugins } from '../../plugins/index.ts';
import { BUILTIN_PLUGIN_FOLDERS } from '../../plugins/names.ts';
import { type AnyPlugin, z } from '../plugin/index.ts';
import { ManifestError, type PluginManifest, parseManifest } from '../plugin/manifest.ts';
import type { DeferredValidator, DeferredVerdict } from '../policy/load.ts';
import { mcpProvider, toolsProvider } from '../policy/providers.ts';
import { deferConfig } from '../policy/schema.ts';
import type { ConfigRequest, PluginDescriptor, PluginReport, SandboxConfig } from '../protocol.ts';
import { PluginInstallError, pluginFolder, sandboxConfigFor } from './plugin-folders.ts';
import { Pool, SandboxTimeoutError } from './pool.ts';

export { PluginInstallError };

/** How long a sandbox may take over one policy's third-party configs (schemas and check hooks). */
const VALIDATE_TIMEOUT_MS = 10_000;
/** How long `plugin check` may take to survey and load a plugin (Babel parses every module). */
const INSPECT_TIMEOUT_MS = 60_000;

export interface PluginOptions {
  /** Third-party plugins: package folders, or names of packages installed in node_modules. */
  plugins?: readonly string[];
  /** Builtins third-party plugins may be granted, `node:` names (default DEFAULT_ALLOWED_BUILTINS). */
  allowBuiltins?: readonly string[];
  /** Where relative folders and package names are resolved from (default: the process's cwd). */
  cwd?: string;
  /** The names of the host tools the runtime registers (a policy may grant only these). */
  toolNames?: readonly string[];
}

interface ThirdParty {
  dir: string;
  manifest: PluginManifest;
  described?: PluginDescriptor;
  /** What the sandbox said of each config it accepted (keyed by the config object it returned). */
  verdicts: WeakMap<object, { secrets: string[]; explain: string[] }>;
  standIn: AnyPlugin;
}

// What comes back from a sandbox is checked before the host relies on it.
const problemSchema = z.object({
  path: z.array(z.union([z.string(), z.number()])),
  target: z.enum(['key', 'value']),
  message: z.string(),
});
const verdictSchema = z.union([
  z.object({
    ok: z.literal(true),
    config: z.record(z.string(), z.unknown()),
    secrets: z.array(z.string()),
    explain: z.array(z.string()),
  }),
  z.object({ ok: z.literal(false), problems: z.array(problemSchema).min(1) }),
]);
const jsonSchema = z.union([z.boolean(), z.record(z.string(), z.unknown())]);
const methodDescriptorSchema = z.object({
  description: z.string(),
  params: z
    .array(
      z.object({ name: z.string(), schema: jsonSchema, optional: z.boolean(), rest: z.boolean().optional() }),
    )
    .optional(),
  returns: z.union([jsonSchema, z.null()]).optional(),
  returnsType: z.string().optional(),
  signatures: z.array(z.string()).optional(),
});
const descriptorSchema = z.object({
  name: z.string(),
  dir: z.string(),
  description: z.string(),
  config: z.unknown(),
  methods: z.record(z.string(), methodDescriptorSchema),
  call: z.string().optional(),
  packages: z.array(
    z.object({
      name: z.string(),
      label: z.string(),
      builtins: z.array(z.string()),
      globals: z.array(z.string()),
    }),
  ),
  hooks: z.array(z.string()),
});

/** The sesame package's folder (its built-in plugins are under plugins/). */
function sesameRoot(): string {
  for (let dir = path.dirname(fileURLToPath(import.meta.url)); ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json'))) return realpathSync(dir);
    if (path.dirname(dir) === dir) throw new Error('sesame: no package.json above the supervisor');
  }
}

function readManifest(dir: string): PluginManifest {
  const file = path.join(dir, 'package.json');
  let descriptor: unknown;
  try {
    descriptor = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new PluginInstallError(`${file}: cannot read it as JSON (${(error as Error).message})`);
  }
  try {
    return parseManifest(descriptor, file);
  } catch (error) {
    if (error instanceof ManifestError) throw new PluginInstallError(error.message);
    throw error;
  }
}

function standIn(plugin: ThirdParty): AnyPlugin {
  const { name } = plugin.manifest;
  let methods: { described?: PluginDescriptor; value: AnyPlugin['methods'] } = { value: {} };
  return deferConfig(
    Object.freeze({
      name,
      get description() {
        return plugin.described?.description ?? `the third-party plugin in ${plugin.dir}`;
      },
      config: z.object({}),
      get methods() {
        // Only their descriptions are used on the host (policy explain).
        if (methods.described !== plugin.described) {
          const value: AnyPlugin['methods'] = {};
          for (const [method, spec] of Object.entries(plugin.described?.methods ?? {})) {
            value[method] = {
              description: spec.description,
              args: z.tuple([]).rest(z.unknown()),
              returns: z.unknown(),
            };
          }
          methods = { ...(plugin.described ? { described: plugin.described } : {}), value };
        }
        return methods.value;
      },
      secrets: (config: object) => plugin.verdicts.get(config)?.secrets ?? [],
      explain: (config: object) => plugin.verdicts.get(config)?.explain ?? [],
      create(): never {
        throw new Error(`plugin ${name} runs only in a sandbox`);
      },
    }) as AnyPlugin,
  );
}

/** The plugins of one runtime. Throws PluginInstallError when a plugin cannot be installed. */
export class InstalledPlugins {
  /** Built-in definitions, then third-party stand-ins: what policies are checked against. */
  readonly definitions: readonly AnyPlugin[];
  /** What sandboxes are told; undefined when there is nothing beyond the defaults to say. */
  readonly sandbox: SandboxConfig | undefined;
  readonly #thirdParty: ThirdParty[];

  constructor(options: PluginOptions = {}) {
    const specs = options.plugins ?? [];
    const config = sandboxConfigFor(specs, options.allowBuiltins, options.cwd ?? process.cwd());
    const hostProviders = [toolsProvider(options.toolNames ?? []), mcpProvider];
    const taken = new Map(
      [...builtinPlugins, ...hostProviders].map((plugin) => [plugin.name, 'a built-in plugin']),
    );
    this.#thirdParty = config.plugins.map((dir, i) => {
      const manifest = readManifest(dir);
      const other = taken.get(manifest.name);
      if (other !== undefined) {
        throw new PluginInstallError(
          `plugin ${specs[i]}: its name ${JSON.stringify(manifest.name)} is taken by ${other} (set sesame.name in its package.json to install it under another name)`,
        );
      }
      taken.set(manifest.name, `the plugin in ${dir}`);
      const installed: ThirdParty = {
        dir,
        manifest,
        verdicts: new WeakMap(),
        standIn: undefined as unknown as AnyPlugin,
      };
      installed.standIn = standIn(installed);
      return installed;
    });
    this.definitions = Object.freeze([
      ...builtinPlugins,
      ...hostProviders,
      ...this.#thirdParty.map((plugin) => plugin.standIn),
    ]);
    this.sandbox = specs.length === 0 && options.allowBuiltins === undefined ? undefined : config;
  }

  /** Whether any third-party plugin is installed. */
  get thirdParty(): boolean {
    return this.#thirdParty.length > 0;
  }

  /** The third-party plugins a sandbox has described so far. */
  get descriptors(): PluginDescriptor[] {
    return this.#thirdParty.flatMap((plugin) => (plugin.described ? [plugin.described] : []));
  }

  /** Whether every third-party plugin has been described by a sandbox (descriptions, methods). */
  get described(): boolean {
    return this.#thirdParty.every((plugin) => plugin.described !== undefined);
  }

  /** Take what a sandbox said about the third-party plugins it loaded. */
  noteDescriptors(descriptors: readonly unknown[]): void {
    for (const raw of descriptors) {
      const parsed = descriptorSchema.safeParse(raw);
      if (!parsed.success) continue;
      const plugin = this.#thirdParty.find((candidate) => candidate.manifest.name === parsed.data.name);
      if (plugin) plugin.described = parsed.data as PluginDescriptor;
    }
  }

  /** The validator parsePolicyDeferred needs: a sandbox of the policy's size checks the configs. */
  validator(pool: Pool): DeferredValidator {
    return async (capabilities, { dir, limits }) => {
      const requests: ConfigRequest[] = capabilities.map(({ name, plugin, config }) => ({
        name,
        plugin,
        config,
      }));
      const failAll = (why: string): DeferredVerdict[] =>
        capabilities.map(({ name, plugin }) => ({
          ok: false,
          problems: [
            {
              path: ['capabilities', name],
              target: 'value',
              message: `capabilities.${name}: the ${plugin} plugin ${why}`,
            },
          ],
        }));
      const sandbox = await pool.acquire(limits.memoryMb);
      this.noteDescriptors(sandbox.plugins);
      let raw: unknown[];
      try {
        ({ verdicts: raw } = await sandbox.ask(
          { type: 'validate', policyDir: dir, capabilities: requests },
          'validated',
          VALIDATE_TIMEOUT_MS,
        ));
      } catch (error) {
        // A hook that never returns keeps its sandbox busy for ever: replace it.
        await pool.discard(sandbox);
        return failAll(
          error instanceof SandboxTimeoutError
            ? `did not check this config within ${VALIDATE_TIMEOUT_MS} ms`
            : `could not check this config (${(error as Error).message})`,
        );
      }
      pool.release(sandbox);
      if (!Array.isArray(raw) || raw.length !== capabilities.length)
        return failAll('gave no verdict on this config');
      return raw.map((answer, i): DeferredVerdict => {
        const capability = capabilities[i] as (typeof capabilities)[number];
        const verdict = verdictSchema.safeParse(answer);
        if (!verdict.success) return failAll('gave a malformed verdict on this config')[i] as DeferredVerdict;
        if (!verdict.data.ok) return { ok: false, problems: verdict.data.problems };
        const plugin = this.#thirdParty.find((candidate) => candidate.manifest.name === capability.plugin);
        const { config, secrets, explain } = verdict.data;
        plugin?.verdicts.set(config, { secrets, explain });
        return { ok: true, config };
      });
    };
  }

  /** Ask a sandbox to describe the third-party plugins, unless one already has. */
  async describe(pool: Pool, memoryMb = 64): Promise<void> {
    if (this.described) return;
    const sandbox = await pool.acquire(memoryMb);
    this.noteDescriptors(sandbox.plugins);
    pool.release(sandbox);
  }
}

/** `sesame plugin check`'s findings: the sandbox's report, plus what the host reads itself. */
export interface PluginCheck extends PluginReport {
  manifest?: PluginManifest;
}

/**
 * Check a plugin folder as an operator would before installing it: its manifest (read here), its
 * import graph against its manifests, and the plugin loaded and described in a sandbox (with the
 * built-in plugins, so a name clash shows). Never runs the plugin's code in the host.
 */
export async function checkPlugin(
  spec: string,
  options: Omit<PluginOptions, 'plugins'> = {},
): Promise<PluginCheck> {
  const cwd = options.cwd ?? process.cwd();
  let dir: string;
  let manifest: PluginManifest;
  let config: SandboxConfig;
  try {
    dir = pluginFolder(spec, cwd);
    manifest = readManifest(dir);
    config = sandboxConfigFor([], options.allowBuiltins, cwd);
  } catch (error) {
    return {
      dir: path.resolve(cwd, spec),
      error: (error as Error).message,
      imports: {},
      undeclared: [],
      unused: [],
    };
  }
  // A built-in plugin's own folder may be checked too (its manifest is reviewed like any other).
  const ownFolder = BUILTIN_PLUGIN_FOLDERS.some(
    (folder) => path.join(sesameRoot(), 'plugins', folder) === dir,
  );
  const clash = !ownFolder && builtinPlugins.some((plugin) => plugin.name === manifest.name);
  const pool = new Pool({ size: 1 }, { config });
  try {
    const sandbox = await pool.acquire(64);
    // Its own sandbox, used once: whatever the plugin's code did there ends with it.
    const answer = sandbox.ask({ type: 'inspect', dir }, 'inspected', INSPECT_TIMEOUT_MS);
    const { report } = await answer.finally(() => pool.discard(sandbox));
    const error =
      report.error ??
      (clash
        ? `its name ${JSON.stringify(manifest.name)} is taken by a built-in plugin (set sesame.name)`
        : undefined);
    return { ...report, ...(error === undefined ? {} : { error }), manifest };
  } catch (error) {
    return { dir, manifest, error: (error as Error).message, imports: {}, undeclared: [], unused: [] };
  } finally {
    await pool.close();
  }
}
