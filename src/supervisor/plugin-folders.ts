// Where third-party plugins are: the operator names each by folder or by package name, and the
// sandbox configuration says which folders every sandbox loads. Kept free of zod and of the rest
// of the runtime, because the CLI computes the configuration before it loads anything else, to
// start the run's sandbox early (src/cli/prestart.ts) with exactly the plugins the runtime will want.
import { existsSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { canonicalBuiltin, DEFAULT_ALLOWED_BUILTINS } from '../plugin/grants.ts';
import type { SandboxConfig } from '../protocol.ts';

/** A plugin the operator named cannot be found; the message says what was tried. */
export class PluginInstallError extends Error {
  override name = 'PluginInstallError';
}

const PACKAGE_NAME = /^(@[a-z0-9~-][a-z0-9._~-]*\/)?[a-z0-9~-][a-z0-9._~-]*$/;

const isDirectory = (dir: string): boolean => {
  try {
    return statSync(dir).isDirectory();
  } catch {
    return false;
  }
};

/**
 * The folder of a plugin named by `spec`: a path to a package folder (absolute, or relative to
 * `cwd`), or the name of a package installed in a node_modules folder at or above `cwd`.
 * Symlinks are resolved, so one plugin always has one folder.
 */
export function pluginFolder(spec: string, cwd: string): string {
  const direct = path.resolve(cwd, spec);
  const looksLikePath = spec.startsWith('.') || path.isAbsolute(spec) || spec.includes(path.sep);
  if (isDirectory(direct) && (looksLikePath || !PACKAGE_NAME.test(spec)))
    return folderWithManifest(direct, spec);
  if (!looksLikePath && PACKAGE_NAME.test(spec)) {
    for (let dir = path.resolve(cwd); ; dir = path.dirname(dir)) {
      const candidate = path.join(dir, 'node_modules', spec);
      if (isDirectory(candidate)) return folderWithManifest(candidate, spec);
      if (path.dirname(dir) === dir) break;
    }
    if (isDirectory(direct)) return folderWithManifest(direct, spec);
    throw new PluginInstallError(
      `plugin ${spec}: no folder ${direct}, and no package ${spec} in a node_modules folder at or above ${cwd}`,
    );
  }
  throw new PluginInstallError(`plugin ${spec}: no such folder (${direct})`);
}

function folderWithManifest(dir: string, spec: string): string {
  if (!existsSync(path.join(dir, 'package.json'))) {
    throw new PluginInstallError(`plugin ${spec}: ${dir} has no package.json (a plugin is a package folder)`);
  }
  return realpathSync(dir);
}

/**
 * What every sandbox of a runtime is told: the plugin folders, in the order given, and the builtins
 * third-party plugins may be granted (the default list unless the host gives its own).
 */
export function sandboxConfigFor(
  specs: readonly string[],
  allowBuiltins: readonly string[] | undefined,
  cwd: string,
): SandboxConfig {
  const allowed = (allowBuiltins ?? DEFAULT_ALLOWED_BUILTINS).map((name) => {
    const builtin = canonicalBuiltin(name);
    if (builtin === undefined)
      throw new PluginInstallError(`allowBuiltins: ${JSON.stringify(name)} is not a Node builtin`);
    return builtin;
  });
  return {
    plugins: specs.map((spec) => pluginFolder(spec, cwd)),
    allowBuiltins: [...new Set(allowed)].sort(),
  };
}
