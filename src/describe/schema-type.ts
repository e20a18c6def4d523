// JSON Schema -> a TypeScript type, as text a model reads. A focused emitter for what zod's
// toJSONSchema and MCP tool schemas use: objects (required and optional properties,
// additionalProperties, records), arrays and tuples (prefixItems, or draft-07 items arrays), the
// primitive types, enum and const, anyOf/oneOf/allOf, nullable, $ref into $defs/definitions
// (inlined, or a named type alias when recursive), and descriptions and defaults as doc comments on
// properties. What it does not understand becomes `unknown`, never an error: schemas from a
// sandbox or an MCP server are data, and the worst a strange one can do is read as `unknown`.
//
// json-schema-to-typescript is not used: sesame needs inline parameter lists and method doc
// comments (src/describe/typescript.ts), and a small emitter whose every output path is reviewed.
import { docComment, indentLines, propertyName, safeType } from './type-text.ts';

/** A JSON Schema: an object of keywords, or true (anything) or false (nothing). */
export type JsonSchema = boolean | { readonly [keyword: string]: unknown };

/** Deeper than this a schema reads as `unknown` (a model gains nothing from more). */
const MAX_DEPTH = 32;
/**
 * Subschemas written per document, at most: refs are inlined, so a small schema whose definitions
 * refer to each other twice over could otherwise expand exponentially. The rest reads `unknown`.
 */
const MAX_NODES = 5000;
/** An object type longer than this on one line is written one property per line. */
const ONE_LINE_WIDTH = 80;

// Precedence of the text made: a function type (only ever from `tsType`) must be parenthesised in
// a union, a union as an array element or intersection member, an intersection as an array element.
const FUNCTION = -1;
const UNION = 0;
const INTERSECTION = 1;
const ATOM = 2;

interface Typed {
  text: string;
  prec: number;
}

const atom = (text: string): Typed => ({ text, prec: ATOM });
const UNKNOWN = atom('unknown');
const NEVER = atom('never');

function wrap(typed: Typed, min: number): string {
  return typed.prec >= min ? typed.text : `(${typed.text})`;
}

type Keywords = { readonly [keyword: string]: unknown };

const isObject = (value: unknown): value is Keywords =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Keywords whose values are data, not subschemas: never searched for $ref. */
const DATA_KEYWORDS = new Set(['const', 'enum', 'default', 'examples', '$defs', 'definitions']);

function literal(value: unknown): Typed {
  if (typeof value === 'string') return atom(JSON.stringify(value));
  if (typeof value === 'number' && Number.isFinite(value)) return atom(String(value));
  if (typeof value === 'boolean' || value === null) return atom(String(value));
  return UNKNOWN;
}

/** Members without duplicates, `skip` dropped; undefined when one of them is `absorb`. */
function distinct(members: readonly Typed[], min: number, absorb: string, skip: string): Typed[] | undefined {
  const kept = new Map<string, Typed>();
  for (const member of members) {
    if (member.text === absorb) return undefined;
    if (member.text !== skip) kept.set(wrap(member, min), member);
  }
  return [...kept.values()];
}

function union(members: readonly Typed[]): Typed {
  const kept = distinct(members, UNION, 'unknown', 'never');
  if (kept === undefined) return UNKNOWN;
  if (kept.length <= 1) return kept[0] ?? NEVER;
  return { text: kept.map((m) => wrap(m, UNION)).join(' | '), prec: UNION };
}

function intersection(members: readonly Typed[]): Typed {
  const kept = distinct(members, ATOM, 'never', 'unknown');
  if (kept === undefined) return NEVER;
  if (kept.length <= 1) return kept[0] ?? UNKNOWN;
  return { text: kept.map((m) => wrap(m, ATOM)).join(' & '), prec: INTERSECTION };
}

const pascal = (text: string): string =>
  text
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((word) => word[0]?.toUpperCase() + word.slice(1))
    .join('')
    .replace(/^[0-9]+/, '');

/** The lines of a doc comment on a property or parameter: description, default, format. */
export function schemaDocLines(schema: unknown): string[] {
  if (!isObject(schema)) return [];
  const lines: string[] = [];
  if (typeof schema.description === 'string' && schema.description.trim()) lines.push(schema.description);
  const facts: string[] = [];
  if (typeof schema.format === 'string') facts.push(`format: ${schema.format}`);
  if ('default' in schema && schema.default !== undefined) {
    const shown = JSON.stringify(schema.default);
    if (shown !== undefined && shown.length <= 200) facts.push(`default: ${shown}`);
  }
  if (facts.length > 0) lines.push(`(${facts.join('; ')})`);
  if (schema.deprecated === true) lines.push('@deprecated');
  return lines;
}

/** One schema document: its root anchors `#` refs; its recursive refs become type aliases. */
interface Document {
  root: unknown;
  /** Alias prefix: the capability and method, e.g. "OutboxSend". */
  prefix: string;
  recursive?: Set<string>;
  aliasNames: Map<string, string>;
  /** Subschemas still to be written (MAX_NODES). */
  budget: number;
}

/**
 * Emits types for the schemas of one set of declarations. Recursive schemas need named types:
 * those are collected in `aliases` (`type Name = ...;`), named after their capability so they never
 * clash with another's or with a global.
 */
export class SchemaTypes {
  readonly #aliases: string[] = [];
  readonly #taken: Set<string>;

  /** `taken`: names already declared (globals, capabilities) that an alias may not take. */
  constructor(taken: Iterable<string> = []) {
    this.#taken = new Set(taken);
  }

  /** Type aliases the emitted types refer to, each a complete declaration. */
  get aliases(): readonly string[] {
    return this.#aliases;
  }

  /**
   * The TypeScript type of `schema`, which is its own document (its `$defs` and `#` refs are its
   * own). `indent` is the indentation of the line the type starts on; `prefix` names aliases.
   */
  type(schema: unknown, options: { indent?: string; prefix?: string } = {}): string {
    return this.#document(schema, options).text;
  }

  /** Like type(), as an array element, intersection member or the like would need it. */
  atom(schema: unknown, options: { indent?: string; prefix?: string } = {}): string {
    return wrap(this.#document(schema, options), ATOM);
  }

  #document(schema: unknown, options: { indent?: string; prefix?: string }): Typed {
    const doc: Document = {
      root: schema,
      prefix: pascal(options.prefix ?? '') || 'Type',
      aliasNames: new Map(),
      budget: MAX_NODES,
    };
    doc.recursive = recursiveRefs(schema);
    // A schema that refers to itself (`$ref: "#"`) is a named type as a whole.
    if (doc.recursive.has('#')) return this.#ref('#', doc, options.indent ?? '', 0);
    return this.#emit(schema, doc, options.indent ?? '', 0);
  }

  /** Declare `type <name> = <text>;` under a name not yet taken (`name`, `name2`, ...); returns the name. */
  declare(name: string, text: string, doc: readonly string[] = []): string {
    const taken = this.#name(name);
    this.#aliases.push(`${docComment(doc, '')}type ${taken} = ${text};`);
    return taken;
  }

  #name(base: string): string {
    let name = base;
    for (let n = 2; this.#taken.has(name); n++) name = `${base}${n}`;
    this.#taken.add(name);
    return name;
  }

  #emit(schema: unknown, doc: Document, indent: string, depth: number): Typed {
    if (schema === true || schema === undefined) return UNKNOWN;
    if (schema === false) return NEVER;
    if (!isObject(schema) || depth > MAX_DEPTH || --doc.budget < 0) return UNKNOWN;
    const next = (sub: unknown, at = indent) => this.#emit(sub, doc, at, depth + 1);

    const tsType = safeType(schema.tsType);
    if (tsType !== undefined) {
      // A name (`Uint8Array`, `Foo[]`) is an atom; anything else is parenthesised where it matters.
      const simple = /^[A-Za-z_$][\w$.]*(\[\])*$/.test(tsType);
      return { text: indentLines(tsType, indent), prec: simple ? ATOM : FUNCTION };
    }

    const parts: Typed[] = [];
    if (typeof schema.$ref === 'string') parts.push(this.#ref(schema.$ref, doc, indent, depth));
    if ('const' in schema) parts.push(literal(schema.const));
    else if (Array.isArray(schema.enum)) parts.push(union(schema.enum.map(literal)));
    else {
      const base = this.#base(schema, doc, indent, depth);
      if (base !== undefined) parts.push(base);
    }
    for (const key of ['anyOf', 'oneOf'] as const) {
      const options = schema[key];
      if (Array.isArray(options) && options.length > 0) parts.push(union(options.map((o) => next(o))));
    }
    if (Array.isArray(schema.allOf)) parts.push(...schema.allOf.map((o) => next(o)));
    let typed = intersection(parts);
    if (schema.nullable === true) typed = union([typed, atom('null')]);
    return typed;
  }

  /** The type the `type` keyword (or object and array keywords without it) says. */
  #base(schema: Keywords, doc: Document, indent: string, depth: number): Typed | undefined {
    const declared = Array.isArray(schema.type)
      ? schema.type.filter((t): t is string => typeof t === 'string')
      : typeof schema.type === 'string'
        ? [schema.type]
        : undefined;
    const types =
      declared ??
      (['properties', 'additionalProperties', 'required', 'patternProperties'].some((k) => k in schema)
        ? ['object']
        : ['items', 'prefixItems'].some((k) => k in schema)
          ? ['array']
          : undefined);
    if (types === undefined) return undefined;
    return union(
      types.map((type): Typed => {
        switch (type) {
          case 'string':
          case 'number':
          case 'boolean':
          case 'null':
            return atom(type);
          case 'integer':
            return atom('number');
          case 'object':
            return this.#object(schema, doc, indent, depth);
          case 'array':
            return this.#array(schema, doc, indent, depth);
          default:
            return UNKNOWN;
        }
      }),
    );
  }

  #object(schema: Keywords, doc: Document, indent: string, depth: number): Typed {
    const inner = `${indent}  `;
    const properties = isObject(schema.properties) ? Object.entries(schema.properties) : [];
    const required = new Set(
      Array.isArray(schema.required) ? schema.required.filter((r) => typeof r === 'string') : [],
    );
    const extra = schema.additionalProperties;
    if (properties.length === 0) {
      if (extra === false && !isObject(schema.patternProperties)) return atom('Record<string, never>');
      const value = isObject(extra) ? this.#emit(extra, doc, indent, depth + 1) : UNKNOWN;
      return atom(`Record<string, ${value.text}>`);
    }
    const members = properties.map(([key, sub]) => ({
      doc: schemaDocLines(sub),
      line: `${propertyName(key)}${required.has(key) ? '' : '?'}: ${this.#emit(sub, doc, inner, depth + 1).text};`,
    }));
    // Declared properties need not fit a typed index signature; the others are unknown to TypeScript.
    if (isObject(extra) || isObject(schema.patternProperties)) {
      members.push({ doc: [], line: '[key: string]: unknown;' });
    }
    const oneLine = `{ ${members.map((m) => m.line.slice(0, -1)).join('; ')} }`;
    if (
      members.every((m) => m.doc.length === 0 && !m.line.includes('\n')) &&
      oneLine.length <= ONE_LINE_WIDTH
    ) {
      return atom(oneLine);
    }
    const body = members.map((m) => `${docComment(m.doc, inner)}${inner}${m.line}`).join('\n');
    return atom(`{\n${body}\n${indent}}`);
  }

  #array(schema: Keywords, doc: Document, indent: string, depth: number): Typed {
    const next = (sub: unknown) => this.#emit(sub, doc, indent, depth + 1);
    const tuple = Array.isArray(schema.prefixItems)
      ? { items: schema.prefixItems, rest: schema.items }
      : Array.isArray(schema.items)
        ? { items: schema.items, rest: schema.additionalItems }
        : undefined;
    if (tuple === undefined) return atom(`${wrap(next(schema.items), ATOM)}[]`);
    const min = typeof schema.minItems === 'number' ? schema.minItems : 0;
    const elements = tuple.items.map((item, i) => {
      const typed = next(item);
      return i < min ? typed.text : `${wrap(typed, ATOM)}?`;
    });
    const bounded = typeof schema.maxItems === 'number' && schema.maxItems <= tuple.items.length;
    if (tuple.rest !== false && !bounded) {
      const rest = tuple.rest === undefined || tuple.rest === true ? UNKNOWN : next(tuple.rest);
      if (rest.text !== 'never') elements.push(`...${wrap(rest, ATOM)}[]`);
    }
    return atom(`[${elements.join(', ')}]`);
  }

  #ref(ref: string, doc: Document, indent: string, depth: number): Typed {
    const target = resolvePointer(doc.root, ref);
    if (target === undefined) return UNKNOWN;
    doc.recursive ??= recursiveRefs(doc.root);
    if (!doc.recursive.has(ref)) return this.#emit(target, doc, indent, depth + 1);
    const known = doc.aliasNames.get(ref);
    if (known !== undefined) return atom(known);
    const title = isObject(target) && typeof target.title === 'string' ? target.title : '';
    const last = ref === '#' ? '' : (ref.split('/').pop() ?? '');
    const base = pascal(title) || (last.startsWith('__') ? '' : pascal(last)) || 'Type';
    const name = this.#name(`${doc.prefix}${base}`);
    doc.aliasNames.set(ref, name);
    const body = this.#emit(target, doc, '', 0).text;
    this.#aliases.push(`${docComment(schemaDocLines(target), '')}type ${name} = ${body};`);
    return atom(name);
  }
}

/** The subschema a local `$ref` (`#`, `#/$defs/x`, any JSON pointer) names, or undefined. */
export function resolvePointer(root: unknown, ref: string): unknown {
  if (ref === '#') return root;
  if (!ref.startsWith('#/')) return undefined;
  let node: unknown = root;
  for (const raw of ref.slice(2).split('/')) {
    let key: string;
    try {
      key = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
    } catch {
      return undefined;
    }
    if (Array.isArray(node)) node = node[Number(key)];
    else if (isObject(node) && Object.hasOwn(node, key)) node = node[key];
    else return undefined;
  }
  return node;
}

/** The local refs directly inside a schema (not inside its $defs, nor inside data keywords). */
function directRefs(schema: unknown, into: Set<string>, depth = 0): Set<string> {
  if (depth > MAX_DEPTH * 2) return into;
  if (Array.isArray(schema)) {
    for (const item of schema) directRefs(item, into, depth + 1);
  } else if (isObject(schema)) {
    if (typeof schema.$ref === 'string' && schema.$ref.startsWith('#')) into.add(schema.$ref);
    for (const [key, value] of Object.entries(schema)) {
      if (!DATA_KEYWORDS.has(key)) directRefs(value, into, depth + 1);
    }
  }
  return into;
}

/** The refs of a document that reach themselves again: these need a named type. */
function recursiveRefs(root: unknown): Set<string> {
  const edges = new Map<string, Set<string>>();
  const pending = [...directRefs(root, new Set())];
  while (pending.length > 0 && edges.size < 1000) {
    const ref = pending.pop() as string;
    if (edges.has(ref)) continue;
    const out = directRefs(resolvePointer(root, ref), new Set());
    edges.set(ref, out);
    pending.push(...out);
  }
  const recursive = new Set<string>();
  for (const start of edges.keys()) {
    const seen = new Set<string>();
    const stack = [...(edges.get(start) ?? [])];
    while (stack.length > 0) {
      const ref = stack.pop() as string;
      if (ref === start) {
        recursive.add(start);
        break;
      }
      if (seen.has(ref)) continue;
      seen.add(ref);
      stack.push(...(edges.get(ref) ?? []));
    }
  }
  return recursive;
}
