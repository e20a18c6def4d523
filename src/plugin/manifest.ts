// A plugin's manifest: the `sesame` field of its package.json. It is plain data an operator can
// review in a diff (as LavaMoat's policy is): the name policies use, the Node builtins and the
// globals the plugin's own code may reach, and what it grants the packages it depends on. The
// sandbox loads every package of a plugin under a compartment-mapper policy generated from this
// data (src/sandbox/plugin-policy.ts); the host reads it to name plugins without running them.
//
// Both sides import this module: it is data and checks, with nothing of either side in it.
import { z } from 'zod';
import { isBuiltin, PLUGIN_GLOBALS, PLUGIN_NAME } from './grants.ts';

export { PLUGIN_NAME };

const builtinSchema = z.string().refine((value) => value.startsWith('node:') && isBuiltin(value), {
  error: (iss) =>
    `expected a Node builtin written with "node:" (such as "node:fs/promises"), got ${JSON.stringify(iss.input)}`,
});
const globalSchema = z.string().refine((value) => Object.hasOwn(PLUGIN_GLOBALS, value), {
  error: (iss) =>
    `expected one of the globals a plugin may declare (${Object.keys(PLUGIN_GLOBALS).join(', ')}), got ${JSON.stringify(iss.input)}`,
});

const grantShape = {
  builtins: z.array(builtinSchema).default([]).describe('Node builtins the package may import.'),
  globals: z.array(globalSchema).default([]).describe('Globals the package may use beyond SES.'),
};
const grantSchema = z.object(grantShape).strict();

const manifestSchema = z
  .object({
    ...grantShape,
    name: z
      .string()
      .regex(PLUGIN_NAME, 'expected lower-case letters, digits and "-", starting with a letter')
      .optional()
      .describe('The name policies use; by default the package name without its scope and "plugin-" prefix.'),
    packages: z
      .record(z.string().min(1), grantSchema)
      .default({})
      .describe('What the plugin grants each of its dependencies, by package name.'),
  })
  .strict();

/** What one package may reach. */
export interface Grant {
  builtins: string[];
  globals: string[];
}

/** A plugin package's manifest, validated. */
export interface PluginManifest extends Grant {
  /** The name policies use. */
  name: string;
  /** The package's own name and version (package.json). */
  packageName: string;
  version: string;
  /** Grants to dependencies, by package name. */
  packages: Record<string, Grant>;
}

/** A package.json that cannot be a plugin's; the message says where and why. */
export class ManifestError extends Error {
  override name = 'ManifestError';
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function issuesText(error: z.ZodError, prefix: string): string {
  return error.issues
    .map((issue) => {
      const at = issue.path.map(String).join('.');
      const message =
        issue.code === 'unrecognized_keys' ? `unknown key ${issue.keys.join(', ')}` : issue.message;
      return `${prefix}${at ? `.${at}` : ''}: ${message}`;
    })
    .join('; ');
}

/**
 * The name a plugin gets without `sesame.name`: `@scope/sesame-plugin-x`, `sesame-plugin-x`,
 * `@scope/plugin-x` and `x` all give `x`.
 */
export function defaultPluginName(packageName: string): string {
  return packageName.replace(/^@[^/]+\//, '').replace(/^(sesame-)?plugin-/, '');
}

/** Read a plugin's manifest from its parsed package.json; `where` names the file in errors. */
export function parseManifest(descriptor: unknown, where: string): PluginManifest {
  if (!isRecord(descriptor)) throw new ManifestError(`${where}: expected a JSON object`);
  const packageName = descriptor.name;
  if (typeof packageName !== 'string' || packageName === '') {
    throw new ManifestError(`${where}: expected a "name"`);
  }
  if (!isRecord(descriptor.sesame)) {
    throw new ManifestError(
      `${where}: not a sesame plugin: expected a "sesame" field such as { "builtins": ["node:fs/promises"] }`,
    );
  }
  const parsed = manifestSchema.safeParse(descriptor.sesame);
  if (!parsed.success) throw new ManifestError(`${where}: ${issuesText(parsed.error, 'sesame')}`);
  const { name = defaultPluginName(packageName), ...grant } = parsed.data;
  if (!PLUGIN_NAME.test(name)) {
    throw new ManifestError(
      `${where}: the package name ${JSON.stringify(packageName)} gives no plugin name (lower-case letters, digits and "-"); set sesame.name`,
    );
  }
  return {
    name,
    packageName,
    version: typeof descriptor.version === 'string' ? descriptor.version : '',
    builtins: [...new Set(grant.builtins)].sort(),
    globals: [...new Set(grant.globals)].sort(),
    packages: grant.packages,
  };
}

/**
 * What a dependency of a plugin may reach: what its own package.json declares in a `sesame`
 * field, and what the plugin's manifest grants it by name. A package that declares nothing and is
 * granted nothing gets no builtins and no globals.
 */
export function dependencyGrant(
  descriptor: unknown,
  packageName: string,
  root: PluginManifest,
  where: string,
): Grant {
  const own: Grant = { builtins: [], globals: [] };
  if (isRecord(descriptor) && descriptor.sesame !== undefined) {
    const field = isRecord(descriptor.sesame) ? descriptor.sesame : {};
    const parsed = grantSchema.safeParse({ builtins: field.builtins, globals: field.globals });
    if (!parsed.success) throw new ManifestError(`${where}: ${issuesText(parsed.error, 'sesame')}`);
    own.builtins = parsed.data.builtins;
    own.globals = parsed.data.globals;
  }
  const granted = Object.hasOwn(root.packages, packageName) ? root.packages[packageName] : undefined;
  return {
    builtins: [...new Set([...own.builtins, ...(granted?.builtins ?? [])])].sort(),
    globals: [...new Set([...own.globals, ...(granted?.globals ?? [])])].sort(),
  };
}
