// A plugin method's zod schemas as JSON Schema: the parameters from the `args` tuple (as the script
// writes them: io 'input') and the result (as the script gets it: io 'output'). The host uses it
// for built-in plugins and a sandbox for third-party ones (src/sandbox/plugin-describe.ts), whose
// schemas only a sandbox may run; both get the same answer.
import { type MethodSpec, z } from '../plugin/index.ts';
import type { JsonSchema } from './schema-type.ts';
import type { MethodSurface, ParameterSurface } from './surface.ts';

/** Classes `z.instanceof(C)` may name that a script knows by the same name (ES2022). */
const KNOWN_CLASSES = new Set([
  'Int8Array',
  'Uint8Array',
  'Uint8ClampedArray',
  'Int16Array',
  'Uint16Array',
  'Int32Array',
  'Uint32Array',
  'BigInt64Array',
  'BigUint64Array',
  'ArrayBuffer',
  'Date',
  'RegExp',
  'Map',
  'Set',
]);

type Override = NonNullable<Parameters<typeof z.toJSONSchema>[1]>['override'];

// JSON Schema cannot say "a Uint8Array" or "nothing": say it in `tsType`, the keyword the
// emitter (and json-schema-to-typescript) reads. A schema's own `.meta({ tsType })` wins.
const override: Override = (ctx) => {
  const internals = (ctx.zodSchema as { _zod?: { def?: { type?: string }; bag?: { Class?: unknown } } })._zod;
  if (internals === undefined || ctx.jsonSchema.tsType !== undefined) return;
  const type = internals.def?.type;
  if (type === 'custom') {
    const Class = internals.bag?.Class;
    const name = typeof Class === 'function' ? Class.name : undefined;
    if (name !== undefined && KNOWN_CLASSES.has(name)) ctx.jsonSchema.tsType = name;
  } else if (type === 'void' || type === 'undefined') {
    ctx.jsonSchema.tsType = 'undefined';
  }
};

/** A zod schema as JSON Schema (draft 2020-12, without `$schema`); `{}` if zod cannot say. */
export function zodJsonSchema(schema: unknown, io: 'input' | 'output'): JsonSchema {
  try {
    const { $schema: _, ...json } = z.toJSONSchema(schema as z.ZodType, {
      io,
      unrepresentable: 'any',
      override,
    }) as Record<string, unknown>;
    return json;
  } catch {
    return {};
  }
}

interface ZodInternals {
  _zod: { def: { type?: string; items?: unknown[]; rest?: unknown }; optin?: string; optout?: string };
}

const internalsOf = (schema: unknown): ZodInternals['_zod'] | undefined =>
  (schema as Partial<ZodInternals> | undefined)?._zod;

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

function paramName(json: JsonSchema, index: number, taken: Set<string>): string {
  const title = typeof json === 'object' ? json.title : undefined;
  const name =
    typeof title === 'string' && IDENTIFIER.test(title) && !taken.has(title) ? title : `arg${index}`;
  taken.add(name);
  return name;
}

/** Keywords that say nothing of a value's type. */
const ANNOTATIONS = new Set(['description', 'title', '$comment', 'examples', 'deprecated']);

/** A method spec (zod schemas) as the neutral model describe renders. */
export function methodSurface(spec: MethodSpec): MethodSurface {
  const tuple = internalsOf(spec.args)?.def;
  const items = Array.isArray(tuple?.items) ? tuple.items : [];
  // Only trailing parameters can be left out, as zod's tuple (and TypeScript) says.
  let required = items.length;
  while (required > 0 && internalsOf(items[required - 1])?.optin === 'optional') required--;
  const taken = new Set<string>();
  const params: ParameterSurface[] = items.map((item, i) => {
    const schema = zodJsonSchema(item, 'input');
    return { name: paramName(schema, i, taken), schema, optional: i >= required };
  });
  if (tuple?.rest !== undefined && tuple.rest !== null) {
    const schema = zodJsonSchema(tuple.rest, 'input');
    params.push({ name: paramName(schema, items.length, taken), schema, optional: true, rest: true });
  }

  const out = internalsOf(spec.returns);
  let returns: JsonSchema | null;
  if (out?.def.type === 'void' || out?.def.type === 'undefined') returns = null;
  else {
    returns = zodJsonSchema(spec.returns, 'output');
    const typed = typeof returns === 'object' && Object.keys(returns).some((k) => !ANNOTATIONS.has(k));
    if (out?.optout === 'optional' && typed) returns = { anyOf: [returns, { tsType: 'undefined' }] };
  }

  const surface: MethodSurface = { description: String(spec.description), params, returns };
  if (typeof spec.returnsType === 'string') surface.returnsType = spec.returnsType;
  if (Array.isArray(spec.signatures)) surface.signatures = spec.signatures.map(String);
  return surface;
}
