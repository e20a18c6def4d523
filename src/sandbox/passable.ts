// Copy values across the membrane as plain data. Guest arguments are copied before any plugin
// sees them, and plugin results are copied before the guest sees them, so neither side ever holds
// an object of the other: no proxies, getters, host prototypes or functions cross.
import { types } from 'node:util';

export interface CopyOptions {
  /** Budget for the JSON-ish size of the value; exceeding it throws CopyLimitError. */
  maxBytes: number;
  /** Whether Uint8Array (copied) may appear; results returned to the host are JSON-like only. */
  allowBytes: boolean;
  /**
   * Arguments keep `undefined` at the top level (`fs.readFile(p, undefined)` means "no options");
   * everywhere else an array's `undefined` becomes null, as in JSON.
   */
  keepTopLevelUndefined?: boolean;
  /** Where the value came from, for messages: 'result', 'argument 1'. */
  label: string;
}

export class CopyError extends Error {}
export class CopyLimitError extends Error {}

const MAX_DEPTH = 64;
// Characters JSON writes as more than themselves: quotes, backslash, controls, non-ASCII.
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what JSON escapes
const NEEDS_ESCAPE_OR_UTF8 = /["\\\u0000-\u001f\u007f-\uffff]/;

/** The bytes a string takes in JSON text (UTF-8, escapes, quotes): what the host will print. */
export function jsonBytes(s: string): number {
  return NEEDS_ESCAPE_OR_UTF8.test(s) ? Buffer.byteLength(JSON.stringify(s)) : s.length + 2;
}
const { getPrototypeOf, getOwnPropertyDescriptor, defineProperty, freeze, prototype: objectProto } = Object;
const u8Proto = Uint8Array.prototype;

function define(target: object, key: string, value: unknown): void {
  // defineProperty, not assignment: a key named "__proto__" stays an ordinary key.
  defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** Copy `value` to fresh, frozen plain data, counting its size. Returns the copy and its size. */
export function copyPlain(value: unknown, opts: CopyOptions): { value: unknown; bytes: number } {
  let bytes = 0;
  const seen = new Set<object>();
  const charge = (n: number, where: string) => {
    bytes += n;
    if (bytes > opts.maxBytes) {
      throw new CopyLimitError(`${where}: more than ${opts.maxBytes} bytes`);
    }
  };
  const fail = (where: string, what: string): never => {
    throw new CopyError(`${where}: ${what} is not plain data`);
  };

  const copy = (v: unknown, where: string, depth: number): unknown => {
    switch (typeof v) {
      case 'string':
        charge(jsonBytes(v), where);
        return v;
      case 'number':
        charge(8, where);
        return v;
      case 'boolean':
        charge(5, where);
        return v;
      case 'undefined':
        charge(4, where);
        return undefined;
      case 'bigint':
        return fail(where, 'a bigint');
      case 'symbol':
        return fail(where, 'a symbol');
      case 'function':
        return fail(where, 'a function');
    }
    if (v === null) {
      charge(4, where);
      return null;
    }
    const obj = v as object;
    if (depth > MAX_DEPTH) throw new CopyError(`${where}: nested deeper than ${MAX_DEPTH} levels`);
    if (types.isProxy(obj)) return fail(where, 'a Proxy');
    if (seen.has(obj)) throw new CopyError(`${where}: a cycle is not plain data`);
    const proto = getPrototypeOf(obj);
    if (types.isUint8Array(obj) && proto === u8Proto) {
      if (!opts.allowBytes) return fail(where, 'a Uint8Array');
      const view = obj as Uint8Array;
      charge(view.byteLength, where);
      return new Uint8Array(view);
    }
    seen.add(obj);
    try {
      if (Array.isArray(obj)) {
        const lengthDesc = getOwnPropertyDescriptor(obj, 'length');
        const length = Number(lengthDesc?.value ?? 0);
        charge(2 + length, where);
        const out: unknown[] = [];
        for (let i = 0; i < length; i++) {
          const desc = getOwnPropertyDescriptor(obj, i);
          if (desc && ('get' in desc || 'set' in desc)) fail(`${where}[${i}]`, 'an accessor');
          const item = copy(desc?.value, `${where}[${i}]`, depth + 1);
          out.push(item === undefined && !(depth === 0 && opts.keepTopLevelUndefined) ? null : item);
        }
        return freeze(out);
      }
      if (proto !== objectProto && proto !== null) {
        return fail(where, types.isDate(obj) ? 'a Date (use .toISOString())' : 'an object with a prototype');
      }
      const out = {};
      charge(2, where);
      for (const key of Reflect.ownKeys(obj)) {
        if (typeof key !== 'string') continue;
        const desc = getOwnPropertyDescriptor(obj, key);
        if (!desc?.enumerable) continue;
        if ('get' in desc || 'set' in desc) fail(`${where}.${key}`, 'an accessor');
        const item = copy(desc.value, `${where}.${key}`, depth + 1);
        if (item === undefined) continue;
        charge(jsonBytes(key) + 1, where);
        define(out, key, item);
      }
      return freeze(out);
    } finally {
      seen.delete(obj);
    }
  };

  const out = copy(value, opts.label, 0);
  return { value: out, bytes };
}

/** The most an audit record's rendering of arguments may take, whatever their shape. */
const AUDIT_VIEW_BUDGET = 16 * 1024;

/**
 * A short, bounded rendering of arguments for the audit log: long strings and bytes summarised,
 * and the whole bounded (a structure sharing one long string many times must not make a huge
 * record for the supervisor to parse).
 */
export function auditView(value: unknown): unknown {
  let budget = AUDIT_VIEW_BUDGET;
  const view = (v: unknown, depth: number): unknown => {
    if (budget <= 0) return '…';
    if (typeof v === 'string') {
      const shown = v.length > 512 ? `${v.slice(0, 512)}…(${v.length} chars)` : v;
      budget -= shown.length + 2;
      return shown;
    }
    budget -= 8;
    if (v instanceof Uint8Array) return `<${v.byteLength} bytes>`;
    if (v === null || typeof v !== 'object') return v;
    if (depth > 4) return '…';
    if (Array.isArray(v)) {
      const items = v.slice(0, 32).map((item) => view(item, depth + 1));
      if (v.length > 32) items.push(`…(${v.length} items)`);
      return items;
    }
    const out: Record<string, unknown> = {};
    let n = 0;
    for (const [k, item] of Object.entries(v)) {
      if (n++ >= 32 || budget <= 0) {
        define(out, '…', `${Object.keys(v).length} keys`);
        break;
      }
      budget -= k.length;
      define(out, k, view(item, depth + 1));
    }
    return out;
  };
  return view(value, 0);
}
