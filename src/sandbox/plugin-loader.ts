// Loading plugins into the sandbox, each package of each plugin in compartments of its own under
// the policy its manifests make (./plugin-policy.ts): only its declared builtins, the SDK and its
// declared globals exist for it. Built-in plugins load the same way as third-party ones; only their
// archives are made ahead of time, by the build, because making one needs Babel, which costs more
// to load than a cold `sesame run` may spend. A cached archive is used only while the files it was
// made from are unchanged; otherwise it is made again here.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
// import-archive.js brings the parsers for pre-compiled modules only. (The package's
// import-archive-parsers.js export resolves, under Node's "node" condition, to a set that also
// parses source, and so loads Babel: the very cost archives exist to avoid.)
import { parseArchive } from '@endo/compartment-mapper/import-archive.js';
import { SDK_SPECIFIER } from '../plugin/grants.ts';
import { type AnyPlugin, isPluginDefinition, type MethodSpec } from '../plugin/index.ts';
import type { PackageReach } from '../protocol.ts';
import type { PluginArchive } from './plugin-archive.ts';
import type { PluginExits } from './plugin-exits.ts';
import { PluginLoadError } from './plugin-policy.ts';

export interface PluginSource {
  /** The plugin's package folder, absolute. */
  dir: string;
  /** Shipped with sesame: trusted with what its manifest declares, whatever the host allows. */
  builtin: boolean;
}

export interface LoadedPlugin {
  name: string;
  dir: string;
  builtin: boolean;
  definition: AnyPlugin;
  packages: PackageReach[];
}

/** What an archive is besides its bytes: stored beside a cached one (dist/plugin-archives/). */
export type ArchiveInfo = Omit<PluginArchive, 'bytes'>;

const q = JSON.stringify;

/** The sesame package's root: the first folder above this module with a package.json. */
export function packageRoot(): string {
  for (let dir = path.dirname(fileURLToPath(import.meta.url)); ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) throw new Error('sesame: no package.json above the sandbox');
  }
}

/** Where the build keeps the built-in plugins' archives. */
export const archiveCacheDir = (): string => path.join(packageRoot(), 'dist', 'plugin-archives');

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** The cached archive of a built-in plugin, if the files it was made from have not changed since. */
async function cachedArchive(dir: string): Promise<PluginArchive | undefined> {
  const base = path.join(archiveCacheDir(), path.basename(dir));
  let info: ArchiveInfo;
  let bytes: Uint8Array;
  try {
    info = JSON.parse(await readFile(`${base}.json`, 'utf8')) as ArchiveInfo;
    bytes = await readFile(`${base}.zip`);
    for (const [file, digest] of Object.entries(info.sources)) {
      if (sha256(await readFile(path.join(dir, file))) !== digest) return undefined;
    }
  } catch {
    return undefined;
  }
  return { ...info, bytes };
}

/** An archive made now, from the plugin's files (loads Babel: the slow path). */
async function freshArchive(dir: string): Promise<PluginArchive> {
  const { buildPluginArchive } = await import('./plugin-archive.ts');
  return buildPluginArchive(dir);
}

function reach(archive: PluginArchive): PackageReach[] {
  return archive.packages.map(({ name, label, builtins, globals }) => ({ name, label, builtins, globals }));
}

/** Refuse, before anything of the plugin runs, a builtin the host does not allow. */
function checkAllowed(archive: PluginArchive, allow: ReadonlySet<string>): void {
  for (const pkg of archive.packages) {
    const refused = pkg.builtins.filter((builtin) => !allow.has(builtin));
    if (refused.length === 0) continue;
    const whose = pkg.label === '$root$' ? 'it declares' : `its dependency ${pkg.name} is granted`;
    throw new PluginLoadError(
      `plugin ${archive.manifest.name}: ${whose} ${refused.join(', ')}, which this runtime does not allow (allowBuiltins)`,
    );
  }
}

/** The definition a plugin's archive exports, checked: made by definePlugin, named as its manifest. */
function definitionOf(namespace: unknown, archive: PluginArchive, builtin: boolean): AnyPlugin {
  const { name } = archive.manifest;
  const definition = (namespace as { default?: unknown }).default;
  if (!isPluginDefinition(definition)) {
    throw new PluginLoadError(
      `plugin ${name}: its default export is not a plugin made with definePlugin() from ${q(SDK_SPECIFIER)}`,
    );
  }
  if (definition.name !== name) {
    throw new PluginLoadError(
      `plugin ${name}: definePlugin() names it ${q(definition.name)}, but its manifest names it ${q(name)} (sesame.name, or the package name)`,
    );
  }
  if (!builtin) {
    // Both hand the script values that do not pass through the membrane: no audit, no copy.
    if (definition.globals !== undefined) {
      throw new PluginLoadError(
        `plugin ${name}: defines a globals hook, which only built-in plugins may (its globals would bypass the membrane)`,
      );
    }
    for (const [method, spec] of Object.entries(definition.methods as Record<string, MethodSpec>)) {
      if (spec.present !== undefined) {
        throw new PluginLoadError(
          `plugin ${name}: method ${method} has a present hook, which only built-in plugins may (its result would bypass the membrane)`,
        );
      }
      // The audit trail records what the script asked, as the runtime saw it: not the plugin's say.
      if (spec.audit !== undefined) {
        throw new PluginLoadError(
          `plugin ${name}: method ${method} has audit hooks, which only built-in plugins may (they would decide what the audit trail records)`,
        );
      }
    }
  }
  return definition;
}

/** A plugin whose archive is made and checked, none of whose code has run yet. */
export interface ArchivedPlugin {
  name: string;
  source: PluginSource;
  archive: PluginArchive;
}

/**
 * Make (or find) every plugin's archive and check it against the host's allowBuiltins and the
 * other plugins' names, before anything of any plugin runs.
 */
export async function archivePlugins(
  sources: readonly PluginSource[],
  allowBuiltins: ReadonlySet<string>,
): Promise<ArchivedPlugin[]> {
  const archived: ArchivedPlugin[] = [];
  for (const source of sources) {
    const archive =
      (source.builtin ? await cachedArchive(source.dir) : undefined) ?? (await freshArchive(source.dir));
    if (!source.builtin) checkAllowed(archive, allowBuiltins);
    const { name } = archive.manifest;
    const other = archived.find((plugin) => plugin.name === name);
    if (other !== undefined) {
      throw new PluginLoadError(
        `plugin ${name}: the name is taken by the plugin in ${other.source.dir} (sesame.name renames one)`,
      );
    }
    archived.push({ name, source, archive });
  }
  return archived;
}

/** Run a plugin's archive in its compartments and take its definition. */
export async function importPlugin(
  { name, source, archive }: ArchivedPlugin,
  exits: PluginExits,
): Promise<LoadedPlugin> {
  let namespace: unknown;
  try {
    await exits.prepare(new Set(archive.packages.flatMap((pkg) => pkg.builtins)));
    const application = await parseArchive(archive.bytes, `sesame-plugin:${name}`);
    ({ namespace } = await application.import({
      globals: exits.globals,
      importHook: exits.importHook as NonNullable<Parameters<typeof application.import>[0]>['importHook'],
    }));
  } catch (error) {
    throw new PluginLoadError(`plugin ${name}: ${error instanceof Error ? error.message : String(error)}`);
  }
  return {
    name,
    dir: source.dir,
    builtin: source.builtin,
    definition: definitionOf(namespace, archive, source.builtin),
    packages: reach(archive),
  };
}

/** Archive, check, then run plugins, in order. */
export async function loadPlugins(
  sources: readonly PluginSource[],
  allowBuiltins: ReadonlySet<string>,
  exits: PluginExits,
): Promise<LoadedPlugin[]> {
  const loaded: LoadedPlugin[] = [];
  for (const plugin of await archivePlugins(sources, allowBuiltins))
    loaded.push(await importPlugin(plugin, exits));
  return loaded;
}
