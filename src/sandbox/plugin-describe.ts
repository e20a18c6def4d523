// What only a plugin's own code can tell the host: a description of the plugin (its methods'
// schemas as JSON Schema for `sesame describe`, made as the host makes a built-in plugin's:
// src/describe/zod.ts), and a verdict on a config a policy gives it (its zod schema, then its
// check, secrets and explain hooks), worded by the same functions the host uses for built-in
// plugins (src/policy/messages.ts). Loaded only by
// sandboxes that have third-party plugins or inspect one: building the policy schemas costs time.
import path from 'node:path';
import { methodSurface } from '../describe/zod.ts';
import { type AnyPlugin, type ConfigIssue, type MethodSpec, z } from '../plugin/index.ts';
import { describeIssue, formatPath, zodIssueProblems } from '../policy/messages.ts';
import { capabilityEntrySchema } from '../policy/schema.ts';
import type {
  ConfigProblem,
  ConfigRequest,
  ConfigVerdict,
  PluginDescriptor,
  PluginMethodDescriptor,
} from '../protocol.ts';
import { CopyError, copyPlain } from './passable.ts';
import type { LoadedPlugin } from './plugin-loader.ts';

const MAX_CONFIG_BYTES = 1 << 20;

const errorText = (error: unknown): string => (error instanceof Error ? error.message : String(error));

function jsonSchemaOf(schema: unknown): unknown {
  try {
    return z.toJSONSchema(schema as z.ZodType, { target: 'draft-07', io: 'input', unrepresentable: 'any' });
  } catch {
    return null;
  }
}

/** A loaded plugin as plain data, for the host (policy explain, plugin check). */
export function describePlugin(plugin: LoadedPlugin): PluginDescriptor {
  const { definition } = plugin;
  const methods: Record<string, PluginMethodDescriptor> = {};
  for (const [name, spec] of Object.entries(definition.methods as Record<string, MethodSpec>)) {
    methods[name] = methodSurface(spec);
  }
  return {
    name: plugin.name,
    dir: plugin.dir,
    description: String(definition.description),
    config: jsonSchemaOf(definition.config),
    methods,
    ...(typeof definition.call === 'string' ? { call: definition.call } : {}),
    packages: plugin.packages,
    hooks: (['check', 'explain', 'secrets'] as const).filter(
      (hook) => typeof definition[hook] === 'function',
    ),
  };
}

/**
 * One capability's config, checked as the host checks a built-in plugin's: the same policy entry
 * schema (the plugin's config with `plugin` added, unknown keys refused), the same messages, then
 * the check, secrets and explain hooks.
 */
export function validateConfig(
  definition: AnyPlugin,
  request: ConfigRequest,
  policyDir: string,
): ConfigVerdict {
  const base = ['capabilities', request.name];
  const problem = (at: (string | number)[], message: string): ConfigVerdict => ({
    ok: false,
    problems: [
      { path: [...base, ...at], target: 'value', message: `${formatPath([...base, ...at])}: ${message}` },
    ],
  });
  // zod's functional parse reads the schema's own internals, not prototypes other plugins share.
  const parsed = z.safeParse(
    capabilityEntrySchema(definition),
    { ...request.config, plugin: definition.name },
    { error: describeIssue },
  );
  if (!parsed.success) {
    return { ok: false, problems: parsed.error.issues.flatMap((issue) => zodIssueProblems(issue, base)) };
  }
  const { plugin: _plugin, ...output } = parsed.data as Record<string, unknown>;
  let config: Record<string, unknown>;
  try {
    // The host keeps the config and sends it back with each run: it must be plain data.
    config = copyPlain(output, { maxBytes: MAX_CONFIG_BYTES, allowBytes: false, label: 'config' })
      .value as Record<string, unknown>;
  } catch (error) {
    const why = error instanceof CopyError ? error.message : 'it is too large';
    return problem(
      [],
      `the ${definition.name} plugin's schema made a config that is not plain data (${why})`,
    );
  }

  const ctx = harden({ policyDir, resolvePath: (p: string) => path.resolve(policyDir, p) });
  if (definition.check) {
    let found: ConfigIssue[];
    try {
      found = definition.check(config, ctx);
      if (!Array.isArray(found)) throw new TypeError('its check hook did not return a list of issues');
    } catch (error) {
      return problem([], `the ${definition.name} plugin could not check this config: ${errorText(error)}`);
    }
    const problems: ConfigProblem[] = found.map((issue) => {
      const at = [
        ...base,
        ...(Array.isArray(issue?.path) ? issue.path.map((p) => (typeof p === 'number' ? p : String(p))) : []),
      ];
      return { path: at, target: 'value', message: `${formatPath(at)}: ${String(issue?.message)}` };
    });
    if (problems.length > 0) return { ok: false, problems };
  }
  let secrets: string[] = [];
  if (definition.secrets) {
    try {
      const named = definition.secrets(config);
      if (!Array.isArray(named)) throw new TypeError('its secrets hook did not return a list of names');
      secrets = named.map(String);
    } catch (error) {
      return problem(
        [],
        `the ${definition.name} plugin could not name the secrets this config uses: ${errorText(error)}`,
      );
    }
  }
  let explain: string[] = [];
  if (definition.explain) {
    try {
      const lines = definition.explain(config, ctx);
      if (!Array.isArray(lines)) throw new TypeError('its explain hook did not return a list of lines');
      explain = lines.map(String);
    } catch (error) {
      // A reviewer must see that the explanation is missing rather than read a shorter list.
      explain = [`(the ${definition.name} plugin could not explain this config: ${errorText(error)})`];
    }
  }
  return { ok: true, config, secrets, explain };
}
