// The sandbox's plugins: loaded once per sandbox (see start), then asked on the host's behalf what
// only plugin code can answer. The host never runs a third-party plugin's code (it is not locked
// down), so it asks a sandbox to describe each plugin, to validate the configs a policy gives
// them (their zod schemas and check hooks), and (`sesame plugin check`) to survey a plugin folder.
// Answers are plain data; problems come back as (path, message) pairs the host places in the
// policy's YAML, worded by the same functions the host uses (src/policy/messages.ts).
import path from 'node:path';
import { BUILTIN_PLUGIN_FOLDERS } from '../../plugins/names.ts';
import { DEFAULT_ALLOWED_BUILTINS, SDK_SPECIFIER } from '../plugin/grants.ts';
import type { AnyPlugin } from '../plugin/index.ts';
import type {
  ConfigRequest,
  ConfigVerdict,
  PluginDescriptor,
  PluginReport,
  SandboxConfig,
} from '../protocol.ts';
import { PluginExits } from './plugin-exits.ts';
import {
  type ArchivedPlugin,
  archivePlugins,
  importPlugin,
  type LoadedPlugin,
  loadPlugins,
  type PluginSource,
  packageRoot,
} from './plugin-loader.ts';
import { PluginLoadError } from './plugin-policy.ts';

const errorText = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** The sandbox's configuration from its command line; none means built-in plugins only. */
export function sandboxConfig(argument: string | undefined): SandboxConfig {
  const parsed = (argument === undefined ? {} : JSON.parse(argument)) as Partial<SandboxConfig>;
  const config: SandboxConfig = {
    plugins: parsed.plugins ?? [],
    allowBuiltins: parsed.allowBuiltins ?? [...DEFAULT_ALLOWED_BUILTINS],
    ...(parsed.preload === undefined ? {} : { preload: parsed.preload }),
  };
  const strings = (list: unknown) => Array.isArray(list) && list.every((item) => typeof item === 'string');
  if (!strings(config.plugins) || !strings(config.allowBuiltins) || !strings(config.preload ?? [])) {
    throw new TypeError('sandbox: malformed configuration');
  }
  return config;
}

type Describe = typeof import('./plugin-describe.ts');

export class SandboxPlugins {
  readonly #exits = new PluginExits();
  readonly #config: SandboxConfig;
  #loaded: LoadedPlugin[] = [];
  /** Built-in plugins not yet run, by name, and those being run. */
  readonly #waiting = new Map<string, PluginSource>();
  readonly #loading = new Map<string, Promise<void>>();
  #describe: Describe | undefined;
  /** The plugins runs may use, by name (the built-in ones once they are loaded). */
  readonly byName = new Map<string, AnyPlugin>();

  constructor(config: SandboxConfig) {
    this.#config = config;
  }

  #builtinFolders(): string[] {
    const root = packageRoot();
    return BUILTIN_PLUGIN_FOLDERS.map((folder) => path.join(root, 'plugins', folder));
  }

  async #describer(): Promise<Describe> {
    this.#describe ??= await import('./plugin-describe.ts');
    return this.#describe;
  }

  /**
   * Load the plugins before the sandbox is ready: the third-party ones, so that one that cannot
   * load stops the sandbox and the host can have them described and their configs validated; and
   * the built-in ones (all, or those the configuration's `preload` names, the rest following in
   * loadBuiltins). Throws PluginLoadError.
   */
  async start(): Promise<void> {
    // A built-in plugin is named as its folder (a test keeps it so); its manifest is read when it loads.
    for (const dir of this.#builtinFolders()) this.#waiting.set(path.basename(dir), { dir, builtin: true });
    // Built-in plugins load before the sandbox is ready, so a run's time limit never pays for
    // them; only a sandbox told which ones its run will use (the CLI's, which starts while the CLI
    // itself loads) loads just those first and the others once it is ready. A failure here is
    // the run's to report, when it needs the plugin.
    await this.whenLoaded(this.#config.preload ?? [...this.#waiting.keys()]).catch(() => {});
    if (this.#config.plugins.length === 0) return;
    await this.#describer();
    const sources = this.#config.plugins.map((dir) => ({ dir, builtin: false }));
    for (const plugin of await archivePlugins(sources, new Set(this.#config.allowBuiltins))) {
      if (this.#waiting.has(plugin.name)) {
        throw new PluginLoadError(
          `plugin ${plugin.name}: the name is taken by a built-in plugin (sesame.name renames it)`,
        );
      }
      this.#add(await importPlugin(plugin, this.#exits));
    }
  }

  #add(plugin: LoadedPlugin): void {
    this.#loaded.push(plugin);
    this.byName.set(plugin.name, plugin.definition);
  }

  #load(name: string): Promise<void> {
    const pending = this.#loading.get(name);
    if (pending) return pending;
    const source = this.#waiting.get(name);
    if (source === undefined) return Promise.resolve();
    const loading = archivePlugins([source], new Set())
      .then(([plugin]) => importPlugin(plugin as ArchivedPlugin, this.#exits))
      .then((loaded) => {
        if (loaded.name !== name)
          throw new PluginLoadError(`plugin ${loaded.name}: its folder is plugins/${name}`);
        this.#waiting.delete(name);
        this.#add(loaded);
      });
    this.#loading.set(name, loading);
    return loading;
  }

  /** Load the built-in plugins one after another, while the sandbox waits for work. */
  async loadBuiltins(): Promise<void> {
    for (const name of [...this.#waiting.keys()]) {
      // A failure stays recorded in #loading: the run that needs the plugin reports it.
      await this.#load(name).catch(() => {});
    }
  }

  /** Whether none of the named plugins is still waiting to load (a run need not wait then). */
  loaded(names: readonly string[]): boolean {
    return names.every((name) => !this.#waiting.has(name));
  }

  /** Resolves once the named plugins (those that exist) are loaded; rejects if one cannot be. */
  async whenLoaded(names: readonly string[]): Promise<void> {
    await Promise.all(names.map((name) => this.#load(name)));
  }

  /** The third-party plugins, described for the host. */
  describe(): PluginDescriptor[] {
    const describe = this.#describe;
    if (describe === undefined) return [];
    return this.#loaded.filter((plugin) => !plugin.builtin).map(describe.describePlugin);
  }

  /** Verdicts on third-party capabilities' configs, in order. */
  validate(capabilities: readonly ConfigRequest[], policyDir: string): ConfigVerdict[] {
    return capabilities.map((request): ConfigVerdict => {
      const plugin = this.#loaded.find(
        (candidate) => candidate.name === request.plugin && !candidate.builtin,
      );
      if (plugin === undefined || this.#describe === undefined) {
        const at = ['capabilities', request.name, 'plugin'];
        const message = `capabilities.${request.name}.plugin: plugin ${request.plugin} is not loaded in the sandbox`;
        return { ok: false, problems: [{ path: at, target: 'value', message }] };
      }
      return this.#describe.validateConfig(plugin.definition, request, policyDir);
    });
  }

  /**
   * `sesame plugin check`: survey a plugin folder's import graph (nothing of it runs for that),
   * compare it with the manifests, then load the plugin confined and describe it.
   */
  async inspect(dir: string): Promise<PluginReport> {
    const report: PluginReport = { dir, imports: {}, undeclared: [], unused: [] };
    try {
      const { describePlugin } = await this.#describer();
      const { buildPluginArchive } = await import('./plugin-archive.ts');
      const survey = await buildPluginArchive(dir, { survey: true });
      report.imports = survey.exits;
      for (const pkg of survey.packages) {
        const imported = new Set(survey.exits[pkg.label] ?? []);
        for (const builtin of imported) {
          if (builtin !== SDK_SPECIFIER && !pkg.builtins.includes(builtin)) {
            report.undeclared.push(`${pkg.name}: ${builtin}`);
          }
        }
        for (const builtin of pkg.builtins) {
          if (!imported.has(builtin)) report.unused.push(`${pkg.name}: ${builtin}`);
        }
      }
      // A built-in plugin's own folder is checked as the built-in it is (it may use globals hooks).
      const builtin = this.#builtinFolders().includes(path.resolve(dir));
      const [plugin] = await loadPlugins(
        [{ dir, builtin }],
        new Set(this.#config.allowBuiltins),
        this.#exits,
      );
      if (plugin) report.descriptor = describePlugin(plugin);
    } catch (error) {
      report.error = errorText(error);
    }
    return report;
  }
}
