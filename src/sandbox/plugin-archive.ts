// Turning a plugin folder into a compartment-mapper archive: every module of the plugin and of
// its dependencies, pre-compiled, with a compartment map whose per-package policy comes from the
// manifests (./plugin-policy.ts). Nothing of the plugin runs here: modules are parsed, not
// evaluated. The loader (./plugin-loader.ts) runs archives; the build makes the built-in plugins'
// archives ahead of time (./plugin-archives-build.ts), because parsing needs Babel, which costs
// more to load than a cold `sesame run` may spend.
//
// Needs the SES shim (Compartment) but not lockdown: the build calls it as well as the sandbox.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { readFile } from 'node:fs/promises';
import { stripTypeScriptTypes } from 'node:module';
import path from 'node:path';
import url, { fileURLToPath, pathToFileURL } from 'node:url';
import { makeArchiveFromMap } from '@endo/compartment-mapper/archive-lite.js';
import { defaultParserForLanguage as archiveParsers } from '@endo/compartment-mapper/archive-parsers.js';
import { mapNodeModules } from '@endo/compartment-mapper/node-modules.js';
import { makeReadPowers } from '@endo/compartment-mapper/node-powers.js';
import { canonicalBuiltin, SDK_SPECIFIER } from '../plugin/grants.ts';
import { dependencyGrant, type Grant, type PluginManifest, parseManifest } from '../plugin/manifest.ts';
import { PluginLoadError, packagePolicy } from './plugin-policy.ts';

/** One package of a plugin and what it may reach. */
export interface PackageGrant extends Grant {
  /** Its name in package.json. */
  name: string;
  /** compartment-mapper's canonical name: `$root$` for the plugin, `a>b` for a dependency. */
  label: string;
}

export interface PluginArchive {
  manifest: PluginManifest;
  /** The archive (zip): compartment map with policies, and pre-compiled modules. */
  bytes: Uint8Array;
  /** Every package in the archive, the plugin first. */
  packages: PackageGrant[];
  /** What each package imports from outside the archive (builtins, the SDK), by label, sorted. */
  exits: Record<string, string[]>;
  /** sha256 of every file read from the plugin's folder, by path relative to it. */
  sources: Record<string, string>;
}

const ENTRY_LABEL = '$root$';
const q = JSON.stringify;
const decoder = new TextDecoder();
const encoder = new TextEncoder();

type Parser = (typeof archiveParsers)[keyof typeof archiveParsers];
type ParseArgs = Parameters<Parser['parse']>;

// TypeScript sources (the built-in plugins, and any plugin that ships .ts) are stripped of their
// types by Node's own stripper, then compiled like any ES module. Only erasable syntax is allowed,
// as with Node's type stripping.
const typeScriptParser: Parser = {
  parse(bytes, ...rest) {
    const source = stripTypeScriptTypes(decoder.decode(bytes), { mode: 'strip' });
    return archiveParsers.mjs.parse(encoder.encode(source), ...rest);
  },
  heuristicImports: false,
  synchronous: true,
};

/**
 * The parsers, each also telling `onImports` what a module imports (its package, its specifiers):
 * that is the import graph `plugin check` compares with the manifests. Builtins written `node:x`
 * never reach an exit hook while archiving (any scheme-prefixed specifier is taken to be the
 * host's), so the parsed modules are the one place every import shows.
 */
function recordingParsers(onImports: (packageLocation: string, imports: readonly string[]) => void) {
  const parsers: Record<string, Parser> = {};
  for (const [language, parser] of Object.entries({ ...archiveParsers, ts: typeScriptParser })) {
    parsers[language] = {
      ...parser,
      parse(...args: ParseArgs) {
        const result = parser.parse(...args) as { record?: { imports?: readonly string[] } };
        onImports(args[3], result.record?.imports ?? []);
        return result as ReturnType<Parser['parse']>;
      },
    } as Parser;
  }
  return Object.freeze(parsers);
}

/** The placeholder an archive records for a module from outside it (never evaluated). */
const exitPlaceholder = Object.freeze({ imports: [], exports: [], execute() {} });

function readPowersRecording(root: string, sources: Record<string, string>) {
  const powers = makeReadPowers({ fs, url });
  const record = (location: string, bytes: Uint8Array | undefined) => {
    if (bytes === undefined || !location.startsWith('file:')) return;
    const file = fileURLToPath(location);
    const relative = path.relative(root, file);
    if (relative.startsWith('..') || path.isAbsolute(relative)) return;
    sources[relative.split(path.sep).join('/')] = createHash('sha256').update(bytes).digest('hex');
  };
  return {
    ...powers,
    read: async (location: string) => {
      const bytes = await powers.read(location);
      record(location, bytes);
      return bytes;
    },
    maybeRead: async (location: string) => {
      const bytes = await powers.maybeRead(location);
      record(location, bytes);
      return bytes;
    },
  };
}

/** The plugin's package.json without a dependency on sesame: the SDK is an exit, not a package. */
function withoutSdkDependency(descriptor: Record<string, unknown>): Record<string, unknown> {
  const out = { ...descriptor };
  for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies', 'peerDependenciesMeta']) {
    const deps = out[field];
    if (deps !== null && typeof deps === 'object' && Object.hasOwn(deps, 'sesame')) {
      const { sesame: _sdk, ...rest } = deps as Record<string, unknown>;
      out[field] = rest;
    }
  }
  return out;
}

/** The module a package's `exports` (conditions import, node, default) or `main` names for ".". */
function entryModule(descriptor: Record<string, unknown>): string | undefined {
  const pick = (target: unknown): string | undefined => {
    if (typeof target === 'string') return target;
    if (target === null || typeof target !== 'object' || Array.isArray(target)) return undefined;
    const conditions = target as Record<string, unknown>;
    for (const condition of ['import', 'node', 'default']) {
      const found = Object.hasOwn(conditions, condition) ? pick(conditions[condition]) : undefined;
      if (found !== undefined) return found;
    }
    return undefined;
  };
  const { exports } = descriptor;
  if (exports !== undefined) {
    const dot =
      exports !== null && typeof exports === 'object' && Object.hasOwn(exports, '.')
        ? (exports as Record<string, unknown>)['.']
        : exports;
    return pick(dot);
  }
  return typeof descriptor.main === 'string' ? descriptor.main : 'index.js';
}

/** `plugin x` for the plugin itself, `plugin x: its dependency y` for one of its packages. */
function who(manifest: PluginManifest, pkg: PackageGrant): string {
  return pkg.label === ENTRY_LABEL
    ? `plugin ${manifest.name}`
    : `plugin ${manifest.name}: its dependency ${pkg.name}`;
}

/**
 * Read a plugin folder into an archive. With `survey`, undeclared builtins are recorded rather
 * than refused (for `sesame plugin check`, which compares the two); otherwise the first one found
 * is a PluginLoadError naming the plugin, the package and the builtin.
 */
export async function buildPluginArchive(
  dir: string,
  opts: { survey?: boolean } = {},
): Promise<PluginArchive> {
  const root = path.resolve(dir);
  const descriptorFile = path.join(root, 'package.json');
  let descriptor: Record<string, unknown>;
  try {
    descriptor = JSON.parse(await readFile(descriptorFile, 'utf8')) as Record<string, unknown>;
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new PluginLoadError(`${root}: cannot read package.json (${reason})`);
  }
  const manifest = parseManifest(descriptor, descriptorFile);
  const sources: Record<string, string> = {};
  const readPowers = readPowersRecording(root, sources);

  // The plugin's own package.json is read by us, not by the mapper: hash it here.
  sources['package.json'] = createHash('sha256')
    .update(await readFile(descriptorFile))
    .digest('hex');
  // The mapper reads package.json through readPowers; hand it the one without `sesame` deps.
  const rootDescriptorUrl = pathToFileURL(descriptorFile).href;
  const mapperPowers = {
    ...readPowers,
    maybeRead: async (location: string) =>
      location === rootDescriptorUrl
        ? encoder.encode(JSON.stringify(withoutSdkDependency(descriptor)))
        : readPowers.maybeRead(location),
  };

  const descriptors = new Map<string, { name: string; descriptor: unknown; location: string }>();
  const dependencies = new Map<string, Set<string>>();
  const entry = entryModule(descriptor);
  const entryFile = entry === undefined ? undefined : path.resolve(root, entry);
  if (entryFile === undefined || path.relative(root, entryFile).startsWith('..')) {
    throw new PluginLoadError(`plugin ${manifest.name}: package.json names no entry module inside ${root}`);
  }
  const compartmentMap = await mapNodeModules(mapperPowers, pathToFileURL(entryFile).href, {
    conditions: new Set(['node']),
    languageForExtension: { ts: 'ts' },
    languages: [...Object.keys(archiveParsers), 'ts'],
    packageDataHook: ({ packageData }) => {
      for (const [label, data] of packageData) {
        descriptors.set(label, {
          name: data.name,
          descriptor: data.packageDescriptor,
          location: data.location,
        });
      }
    },
    packageDependenciesHook: ({ canonicalName, dependencies: deps }) => {
      // A dependency on sesame itself would load a second copy of the SDK: the SDK is an exit.
      const kept = new Set([...deps].filter((label) => descriptors.get(label)?.name !== 'sesame'));
      dependencies.set(canonicalName, kept);
      return { dependencies: kept };
    },
  });

  // Every compartment gets its policy from the manifests: the plugin's for itself, and for each
  // dependency its own declaration plus what the plugin grants it.
  const packages: PackageGrant[] = [];
  const byLocation = new Map<string, PackageGrant>();
  for (const [location, compartment] of Object.entries(compartmentMap.compartments)) {
    const label = String(compartment.label);
    const name = String(compartment.name);
    const grant =
      label === ENTRY_LABEL
        ? { builtins: manifest.builtins, globals: manifest.globals }
        : dependencyGrant(descriptors.get(label)?.descriptor, name, manifest, `${location}package.json`);
    const pkg: PackageGrant = { name: label === ENTRY_LABEL ? manifest.packageName : name, label, ...grant };
    (compartment as { policy?: unknown }).policy = packagePolicy(
      grant,
      dependencies.get(label) ?? [],
      opts.survey,
    );
    packages.push(pkg);
    byLocation.set(location, pkg);
  }

  // What each package imports from outside the archive: builtins and the SDK.
  const exits: Record<string, Set<string>> = {};
  const recordImports = (packageLocation: string, imports: readonly string[]) => {
    const pkg = byLocation.get(packageLocation) ?? byLocation.get(`${packageLocation}/`);
    if (pkg === undefined) return;
    for (const specifier of imports) {
      const exit = specifier === SDK_SPECIFIER ? specifier : canonicalBuiltin(specifier);
      if (exit === undefined) continue;
      const seen = exits[pkg.label] ?? new Set<string>();
      exits[pkg.label] = seen;
      seen.add(exit);
    }
  };
  // Bare specifiers that name no dependency reach the exit hook: neither builtins nor the SDK.
  const unknown: { pkg: PackageGrant; specifier: string }[] = [];
  const exitHook = async (specifier: string, packageLocation: string) => {
    const pkg = byLocation.get(packageLocation) ?? byLocation.get(`${packageLocation}/`);
    if (pkg !== undefined && specifier !== SDK_SPECIFIER && canonicalBuiltin(specifier) === undefined) {
      unknown.push({ pkg, specifier });
    }
    return exitPlaceholder;
  };
  const refusal = (): PluginLoadError | undefined => {
    const [stray] = unknown;
    if (stray) {
      return new PluginLoadError(
        `${who(manifest, stray.pkg)} imports ${q(stray.specifier)}, which is neither a Node builtin, nor ${q(SDK_SPECIFIER)}, nor a dependency in its package.json`,
      );
    }
    if (opts.survey) return undefined;
    for (const pkg of packages) {
      for (const builtin of exits[pkg.label] ?? []) {
        if (builtin === SDK_SPECIFIER || pkg.builtins.includes(builtin)) continue;
        const declared = pkg.builtins.length > 0 ? pkg.builtins.join(', ') : 'none';
        return new PluginLoadError(
          `${who(manifest, pkg)} imports ${builtin}, which its manifest does not declare (sesame.builtins: ${declared})`,
        );
      }
    }
    return undefined;
  };

  let bytes: Uint8Array;
  try {
    bytes = await makeArchiveFromMap(readPowers, compartmentMap, {
      parserForLanguage: recordingParsers(recordImports),
      importHook: exitHook,
    } as Parameters<typeof makeArchiveFromMap>[2]);
  } catch (error) {
    // A refused builtin is the news; the mapper's aggregate error around it is not.
    throw refusal() ?? new PluginLoadError(`plugin ${manifest.name}: ${(error as Error).message}`);
  }
  const refused = refusal();
  if (refused) throw refused;
  packages.sort((a, b) =>
    a.label === ENTRY_LABEL ? -1 : b.label === ENTRY_LABEL ? 1 : a.label.localeCompare(b.label),
  );
  return {
    manifest,
    bytes,
    packages,
    exits: Object.fromEntries(Object.entries(exits).map(([label, set]) => [label, [...set].sort()])),
    sources,
  };
}
