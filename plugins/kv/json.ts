// What a kv value may be: JSON data. Values are kept as their JSON text, so a value read back is a
// fresh copy (no aliasing with what was stored), its size is exact, and the memory and file stores
// behave alike (-0 reads back as 0 in both).
import { Buffer } from 'node:buffer';
import { z } from 'sesame/plugin';

/** Deepest nesting a value may have: JSON data rarely needs more, and the membrane copies at most 64. */
export const MAX_VALUE_DEPTH = 32;

const { getPrototypeOf, keys } = Object;
const objectProto = Object.prototype;

/** A key for a message: quoted, and short, since a message must not grow with the data. */
export const quoteKey = (key: string): string =>
  JSON.stringify(key.length > 64 ? `${key.slice(0, 64)}...` : key);

/**
 * Why `value` is not JSON data, or undefined if it is. Anything `JSON.stringify` would silently
 * change (NaN, Infinity, bytes, class instances, functions, undefined) is refused rather than
 * stored as something else. `__proto__` and `constructor` are ordinary keys here: they are only
 * read, never assigned.
 */
export function jsonProblem(value: unknown, where = 'value', depth = 0): string | undefined {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return undefined;
    case 'number':
      return Number.isFinite(value) ? undefined : `${where} is ${value}, which JSON cannot represent`;
    case 'object':
      break;
    default:
      return `${where} is ${typeof value === 'undefined' ? 'undefined' : `a ${typeof value}`}, not JSON data`;
  }
  if (value === null) return undefined;
  if (depth >= MAX_VALUE_DEPTH) return `${where} is nested deeper than ${MAX_VALUE_DEPTH} levels`;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const problem = jsonProblem(value[i], `${where}[${i}]`, depth + 1);
      if (problem !== undefined) return problem;
    }
    return undefined;
  }
  const proto = getPrototypeOf(value);
  if (proto !== objectProto && proto !== null) {
    const kind = value instanceof Uint8Array ? 'a Uint8Array' : 'an object with a prototype';
    return `${where} is ${kind}, not JSON data`;
  }
  const record = value as Record<string, unknown>;
  for (const key of keys(record)) {
    const problem = jsonProblem(record[key], `${where}[${quoteKey(key)}]`, depth + 1);
    if (problem !== undefined) return problem;
  }
  return undefined;
}

/**
 * A JSON value. Deliberately not `z.json()`: zod rebuilds records and silently drops a `__proto__`
 * key, and the membrane hands the plugin the schema's output. This checks and passes the value
 * through unchanged.
 */
export const JsonValue = z
  .unknown()
  .superRefine((value, ctx) => {
    const problem = jsonProblem(value);
    if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
  })
  .describe('JSON data: null, a boolean, a finite number, a string, an array or a plain object');

/** Size in UTF-8 bytes, the unit every kv limit is counted in. */
export const utf8Bytes = (text: string): number => Buffer.byteLength(text, 'utf8');
