// The contents of a store: keys to JSON text, with the running size the quotas are counted in.
// A Map, never a plain object, so `__proto__`, `constructor` or `hasOwnProperty` are keys like any
// other and no key can reach a prototype.
import { PluginError } from 'sesame/plugin';
import { quoteKey, utf8Bytes } from './json.ts';

/** The limits a store is kept within (all from the capability's config). */
export interface Limits {
  readonly maxKeys: number;
  readonly maxKeyLength: number;
  readonly maxValueBytes: number;
  readonly maxTotalBytes: number;
}

/** What one entry costs against maxTotalBytes: its key and its value's JSON, in UTF-8 bytes. */
const cost = (key: string, text: string): number => utf8Bytes(key) + utf8Bytes(text);

/** Why an entry may not be stored at all, whatever else the store holds; undefined if it may. */
export function entryProblem(
  key: string,
  text: string,
  limits: Limits,
): { rule: keyof Limits; reason: string } | undefined {
  if (key.length > limits.maxKeyLength) {
    return {
      rule: 'maxKeyLength',
      reason: `key ${quoteKey(key)} is ${key.length} characters, over maxKeyLength (${limits.maxKeyLength})`,
    };
  }
  const bytes = utf8Bytes(text);
  if (bytes > limits.maxValueBytes) {
    return {
      rule: 'maxValueBytes',
      reason: `the value of ${quoteKey(key)} is ${bytes} bytes as JSON, over maxValueBytes (${limits.maxValueBytes})`,
    };
  }
  return undefined;
}

export class Entries {
  readonly #texts: Map<string, string>;
  #bytes: number;

  constructor(texts: Map<string, string> = new Map(), bytes = 0) {
    this.#texts = texts;
    this.#bytes = bytes;
  }

  get size(): number {
    return this.#texts.size;
  }

  /** The quota-counted size of everything stored. */
  get bytes(): number {
    return this.#bytes;
  }

  /** The stored JSON text of `key`. */
  text(key: string): string | undefined {
    return this.#texts.get(key);
  }

  has(key: string): boolean {
    return this.#texts.has(key);
  }

  /** Keys starting with `prefix`, sorted by UTF-16 code units (JavaScript's default order). */
  keys(prefix = ''): string[] {
    const out: string[] = [];
    for (const key of this.#texts.keys()) if (key.startsWith(prefix)) out.push(key);
    return out.sort();
  }

  /** Every entry, sorted by key: the order the file is written in, so it diffs well. */
  sorted(): [string, string][] {
    return [...this.#texts.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  }

  /**
   * Store `text` under `key`, or throw a quota error and change nothing. Per-entry limits are the
   * caller's to check first (authorize denies them); quotas depend on what is already stored.
   */
  put(key: string, text: string, limits: Limits): void {
    const before = this.#texts.get(key);
    if (before === undefined && this.#texts.size >= limits.maxKeys) {
      throw new PluginError(
        'E_KV_MAX_KEYS',
        `the store holds ${this.#texts.size} keys; maxKeys (${limits.maxKeys}) leaves no room for ${quoteKey(key)}`,
      );
    }
    const bytes = this.#bytes - (before === undefined ? 0 : cost(key, before)) + cost(key, text);
    if (bytes > limits.maxTotalBytes) {
      throw new PluginError(
        'E_KV_MAX_TOTAL_BYTES',
        `storing ${quoteKey(key)} would make the store ${bytes} bytes, over maxTotalBytes (${limits.maxTotalBytes})`,
      );
    }
    this.#texts.set(key, text);
    this.#bytes = bytes;
  }

  /** Remove `key`; whether it was there. */
  remove(key: string): boolean {
    const before = this.#texts.get(key);
    if (before === undefined) return false;
    this.#texts.delete(key);
    this.#bytes -= cost(key, before);
    return true;
  }

  /** A copy to change, so a write that fails leaves the original as it was. */
  clone(): Entries {
    return new Entries(new Map(this.#texts), this.#bytes);
  }
}
