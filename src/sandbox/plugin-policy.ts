// The compartment-mapper policy for one plugin, generated from manifests (LavaMoat's policy.json
// shape: per package `builtins`, `globals`, `packages`). Plain data, so `sesame plugin check` can
// print it and an archive carries it: what a package may reach is decided here and nowhere else.
import { builtinSpellings, SDK_SPECIFIER } from '../plugin/grants.ts';
import type { Grant } from '../plugin/manifest.ts';

/** One package's entry in a compartment-mapper policy. */
export interface PackagePolicy {
  builtins: Record<string, true> | 'any';
  globals: Record<string, true>;
  packages: Record<string, true>;
}

/**
 * What a package may import and see: each declared builtin under both its spellings (`node:fs`
 * and `fs` are one module), the SDK, the declared globals, and the packages it depends on.
 * `survey` (for `sesame plugin check`) lets every builtin through so the import graph can be
 * recorded in full; nothing loaded that way is ever run.
 */
export function packagePolicy(grant: Grant, dependencies: Iterable<string>, survey = false): PackagePolicy {
  const builtins: Record<string, true> = { [SDK_SPECIFIER]: true };
  for (const builtin of grant.builtins)
    for (const spelling of builtinSpellings(builtin)) builtins[spelling] = true;
  const globals: Record<string, true> = {};
  for (const name of grant.globals) globals[name] = true;
  const packages: Record<string, true> = {};
  for (const label of dependencies) packages[label] = true;
  return { builtins: survey ? 'any' : builtins, globals, packages };
}

/** A plugin that cannot be loaded: the message starts with `plugin <name>` and says why. */
export class PluginLoadError extends Error {
  override name = 'PluginLoadError';
}
