// A loaded policy as the neutral surface (./surface.ts): each granted capability from its plugin
// (a built-in plugin's zod schemas, or a third-party plugin's descriptor that a sandbox made), the
// plugin's explain lines as notes, the standard globals that plugins turn on, and the limits. Host
// tools and MCP tools come in already as surfaces (DescribeOptions.capabilities).
import type { AnyPlugin, MethodSpec } from '../plugin/index.ts';
import { formatBytes, formatDuration, pluginExplanation } from '../policy/explain.ts';
import { type LoadedPolicy, policyPathContext } from '../policy/load.ts';
import { reservedNameReason } from '../policy/schema.ts';
import type { PluginDescriptor } from '../protocol.ts';
import type { JsonSchema } from './schema-type.ts';
import type { CapabilitySurface, GlobalSurface, MethodSurface, PolicySurface } from './surface.ts';
import { isIdentifier } from './type-text.ts';
import { methodSurface } from './zod.ts';

export interface DescribeOptions {
  /**
   * Capabilities beyond the policy's, described by JSON Schema (host tools, MCP tools; see
   * toolMethod). Their names must be identifiers that no policy capability or standard global takes.
   */
  capabilities?: readonly CapabilitySurface[];
  /** The JSON Schema of the task input; without it `input` is declared `unknown`. */
  input?: JsonSchema;
}

/** Where a policy's capabilities come from. */
export interface SurfaceSources {
  /** The built-in plugins, then any third-party stand-ins (as Runtime.plugins). */
  plugins: readonly AnyPlugin[];
  /** Third-party plugins as a sandbox described them: these win over a stand-in of the same name. */
  descriptors?: readonly PluginDescriptor[];
  /**
   * The methods of host-side capabilities (host tools, MCP tools), by capability name: their
   * providers have no methods of their own, the host knows them (tools' schemas, the server's list).
   */
  hostMethods?: Readonly<Record<string, { source: string; methods: Record<string, MethodSurface> }>>;
}

const TYPED_ARRAY =
  'Int8Array | Uint8Array | Uint8ClampedArray | Int16Array | Uint16Array | Int32Array | Uint32Array | BigInt64Array | BigUint64Array';

/**
 * Standard globals that exist only when a plugin is granted (its `globals` hook), as data: what
 * works with it, and what throws without it. `type` declares a global ES2022's library lacks.
 */
const PLUGIN_GLOBALS: readonly {
  plugin: string;
  globals: readonly Omit<GlobalSurface, 'capability'>[];
  without: string;
}[] = Object.freeze([
  {
    plugin: 'clock',
    globals: [{ name: 'Date', note: 'Date.now() and new Date() tell the time' }],
    without: 'Date.now() and new Date() throw (no clock capability); new Date(value) works',
  },
  {
    plugin: 'random',
    globals: [
      { name: 'Math.random', note: 'Math.random() works' },
      {
        name: 'crypto',
        note: 'crypto.getRandomValues(typedArray) and crypto.randomUUID() work',
        type: `{ getRandomValues<T extends ${TYPED_ARRAY}>(array: T): T; randomUUID(): string }`,
      },
    ],
    without: 'Math.random() throws and there is no crypto (no random capability)',
  },
]);

/** Globals every script has beyond ES2022's library, which a script may not know to expect. */
const ALWAYS_GLOBALS: readonly GlobalSurface[] = Object.freeze([
  {
    name: 'TextEncoder',
    note: 'new TextEncoder().encode(text) gives UTF-8 bytes',
    type: 'new () => { readonly encoding: string; encode(input?: string): Uint8Array }',
  },
  {
    name: 'TextDecoder',
    note: 'new TextDecoder().decode(bytes) gives text (UTF-8 by default)',
    type:
      'new (label?: string, options?: { fatal?: boolean; ignoreBOM?: boolean }) => ' +
      '{ readonly encoding: string; decode(input?: ArrayBufferView | ArrayBuffer, options?: { stream?: boolean }): string }',
  },
]);

/** Names a script might reach for that the sandbox does not have (ES2022's library has some). */
const NEVER_PRESENT: readonly (readonly [name: string, shown: string])[] = Object.freeze([
  ['Intl', 'Intl (so no locale formatting)'],
  ['setTimeout', 'setTimeout and the other timers'],
  ['URL', 'URL'],
  ['structuredClone', 'structuredClone'],
  ['atob', 'atob/btoa'],
  ['SharedArrayBuffer', 'SharedArrayBuffer'],
  ['Atomics', 'Atomics'],
  ['WeakRef', 'WeakRef'],
  ['FinalizationRegistry', 'FinalizationRegistry'],
  ['fetch', 'fetch'],
  ['process', 'process'],
  ['require', 'require'],
  ['import', 'import()'],
]);

/**
 * Absolute host paths in notes become `…/<last segment>`: a script sees paths relative to its
 * capability's root, and the model writing it needs no map of the host.
 */
export function elideHostPaths(line: string): string {
  return line.replace(/(^|[\s("'=:])(\/[^\s"'`,;()]+)/g, (_whole, before: string, found: string) => {
    if (before === ':' || found.startsWith('//')) return `${before}${found}`; // a URL's path
    const last = found.replace(/\/+$/, '').split('/').pop();
    return `${before}${last ? `…/${last}` : found}`;
  });
}

function rules(policy: LoadedPolicy): string[] {
  const { limits } = policy;
  const calls =
    limits.maxCalls === 0
      ? 'no capability calls'
      : `at most ${limits.maxCalls} capability call${limits.maxCalls === 1 ? '' : 's'}`;
  return [
    'The script is the body of an async function: it may use `await` anywhere and ends with `return <result>`.',
    'The result must be JSON-like data: objects, arrays, strings, numbers, booleans and null.',
    'Globals are the standard JavaScript built-ins, `input`, `console` and the capabilities declared here.',
    'Every capability method returns a Promise; each call is checked against the policy and logged, and a denied call throws an Error whose `code` is "E_DENIED".',
    `Limits: ${formatDuration(limits.timeoutMs)} in all, ${formatBytes(limits.memoryMb * 1024 * 1024)} of memory, ${calls}, ` +
      `${formatBytes(limits.maxOutputBytes)} of result (as JSON) and as much console output; a run past one is stopped.`,
  ];
}

function fromDescriptor(descriptor: PluginDescriptor): Record<string, MethodSurface> {
  const methods: Record<string, MethodSurface> = {};
  for (const [name, spec] of Object.entries(descriptor.methods)) {
    methods[name] = {
      description: spec.description,
      // An older sandbox says nothing of the parameters: any arguments, an unknown result.
      params: spec.params ?? [{ name: 'args', schema: {}, optional: true, rest: true }],
      returns: spec.returns === undefined ? {} : spec.returns,
      ...(spec.returnsType === undefined ? {} : { returnsType: spec.returnsType }),
      ...(spec.signatures === undefined ? {} : { signatures: spec.signatures }),
    };
  }
  return methods;
}

/** What a capability's own limits and approvals mean for the script, one line each. */
function optionNotes(options: LoadedPolicy['capabilities'][string]['options']): string[] {
  if (options === undefined) return [];
  const notes: string[] = [];
  if (options.maxCalls !== undefined)
    notes.push(`at most ${options.maxCalls} calls to it in one run (more stops the run)`);
  if (options.rate !== undefined) {
    notes.push(
      `at most ${options.rate.calls} calls per ${formatDuration(options.rate.perMs)}; calls beyond that wait their turn`,
    );
  }
  if (options.approve === true)
    notes.push('every call waits for a person to approve it, and may be denied (E_DENIED)');
  else if (Array.isArray(options.approve)) {
    notes.push(
      `calls to ${options.approve.join(', ')} wait for a person to approve them, and may be denied (E_DENIED)`,
    );
  }
  return notes;
}

function capabilityOf(
  name: string,
  capability: LoadedPolicy['capabilities'][string],
  policy: LoadedPolicy,
  sources: SurfaceSources,
): CapabilitySurface {
  const descriptor = sources.descriptors?.find((d) => d.name === capability.plugin);
  const plugin = sources.plugins.find((p) => p.name === capability.plugin);
  if (plugin === undefined && descriptor === undefined) {
    throw new TypeError(`capability ${name}: the plugin ${capability.plugin} is not installed`);
  }
  const notes =
    plugin === undefined
      ? []
      : pluginExplanation(plugin, capability.config, policyPathContext(policy.dir)).map(elideHostPaths);
  const host = sources.hostMethods?.[name];
  notes.push(...optionNotes(capability.options));
  const surface: CapabilitySurface = {
    name,
    source: host?.source ?? `plugin ${capability.plugin}`,
    description: descriptor?.description ?? plugin?.description ?? '',
    notes,
    methods: host
      ? host.methods
      : descriptor
        ? fromDescriptor(descriptor)
        : Object.fromEntries(
            Object.entries((plugin as AnyPlugin).methods as Record<string, MethodSpec>).map(([m, spec]) => [
              m,
              methodSurface(spec),
            ]),
          ),
  };
  const call = descriptor ? descriptor.call : plugin?.call;
  if (typeof call === 'string' && call in surface.methods) surface.callable = call;
  return surface;
}

/** What a script under `policy` may use, as the neutral model. */
export function policySurface(
  policy: LoadedPolicy,
  sources: SurfaceSources,
  options: DescribeOptions = {},
): PolicySurface {
  const capabilities = Object.entries(policy.capabilities).map(([name, capability]) =>
    capabilityOf(name, capability, policy, sources),
  );
  const taken = new Set(capabilities.map((c) => c.name));
  for (const extra of options.capabilities ?? []) {
    const why = !isIdentifier(extra.name)
      ? 'is not an identifier'
      : taken.has(extra.name)
        ? 'is taken by another capability'
        : reservedNameReason(extra.name) !== undefined
          ? `is ${reservedNameReason(extra.name)}`
          : undefined;
    if (why !== undefined)
      throw new TypeError(`describe: the capability name ${JSON.stringify(extra.name)} ${why}`);
    taken.add(extra.name);
    capabilities.push(structuredClone(extra));
  }

  const granted = new Map<string, string>();
  for (const [name, capability] of Object.entries(policy.capabilities)) {
    if (!granted.has(capability.plugin)) granted.set(capability.plugin, name);
  }
  const globals: GlobalSurface[] = [];
  const unavailable: string[] = [];
  for (const entry of PLUGIN_GLOBALS) {
    const capability = granted.get(entry.plugin);
    if (capability === undefined) unavailable.push(entry.without);
    else {
      for (const global of entry.globals) {
        // A capability of the same name wins in the sandbox: the global is not there.
        if (!taken.has(global.name)) globals.push({ ...global, capability });
      }
    }
  }
  for (const global of ALWAYS_GLOBALS) if (!taken.has(global.name)) globals.push({ ...global });
  const missing = NEVER_PRESENT.filter(([global]) => !taken.has(global)).map(([, shown]) => shown);
  unavailable.push(`${missing.join(', ')}, or any other Node.js or DOM API`);

  return {
    task: policy.task,
    ...(policy.description === undefined ? {} : { description: policy.description }),
    limits: { ...policy.limits },
    rules: rules(policy),
    input: options.input === undefined ? {} : structuredClone(options.input),
    globals,
    unavailable,
    capabilities,
  };
}
