// The guest's console: it formats values itself, reading only own data properties, and never
// hands a host function (such as util.inspect) to guest code. Output counts against the run's
// maxOutputBytes.
import { types } from 'node:util';
import { freezeBuilt } from './freeze.ts';

const MAX_DEPTH = 3;
const MAX_ITEMS = 50;
const MAX_STRING = 10_000;
/**
 * Characters one console call may produce before the rest is cut. Nested objects multiply (50
 * items, three levels deep, long strings), so the line is bounded while it is built, not after.
 */
const MAX_LINE = 64 * 1024;
let budget = MAX_LINE;

function formatString(s: string, nested: boolean): string {
  const limit = Math.max(0, Math.min(MAX_STRING, budget));
  const cut = s.length > limit ? `${s.slice(0, limit)}…` : s;
  budget -= cut.length;
  return nested ? JSON.stringify(cut) : cut;
}

function formatKey(key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? key : JSON.stringify(key);
}

/** Render a guest value without invoking host functions on it; guest traps and getters may run. */
export function formatValue(value: unknown, depth = 0, nested = false): string {
  if (budget <= 0) return '…';
  budget -= 4;
  try {
    switch (typeof value) {
      case 'string':
        return formatString(value, nested);
      case 'number':
      case 'boolean':
      case 'undefined':
        return String(value);
      case 'bigint':
        return `${value}n`;
      case 'symbol':
        return value.toString();
      case 'function':
        return `[Function ${typeof value.name === 'string' && value.name ? value.name : '(anonymous)'}]`;
    }
    if (value === null) return 'null';
    const obj = value as object;
    if (types.isProxy(obj)) return '[Proxy]';
    if (obj instanceof Error) {
      const name = Object.getOwnPropertyDescriptor(obj, 'name')?.value ?? obj.name;
      const message = Object.getOwnPropertyDescriptor(obj, 'message')?.value;
      return `${typeof name === 'string' ? name : 'Error'}: ${typeof message === 'string' ? message : ''}`;
    }
    if (depth >= MAX_DEPTH) return Array.isArray(obj) ? '[Array]' : '[Object]';
    const parts: string[] = [];
    if (Array.isArray(obj)) {
      const length = Number(Object.getOwnPropertyDescriptor(obj, 'length')?.value ?? 0);
      for (let i = 0; i < Math.min(length, MAX_ITEMS); i++) parts.push(formatProperty(obj, String(i), depth));
      if (length > MAX_ITEMS) parts.push(`… ${length - MAX_ITEMS} more`);
      return `[ ${parts.join(', ')} ]`.replace('[  ]', '[]');
    }
    const keys = Reflect.ownKeys(obj).filter((k): k is string => typeof k === 'string');
    for (const key of keys.slice(0, MAX_ITEMS)) {
      if (!Object.getOwnPropertyDescriptor(obj, key)?.enumerable) continue;
      parts.push(`${formatKey(key)}: ${formatProperty(obj, key, depth)}`);
    }
    if (keys.length > MAX_ITEMS) parts.push(`… ${keys.length - MAX_ITEMS} more`);
    return parts.length ? `{ ${parts.join(', ')} }` : '{}';
  } catch {
    return '[unprintable]';
  }
}

function formatProperty(obj: object, key: string, depth: number): string {
  const desc = Object.getOwnPropertyDescriptor(obj, key);
  if (!desc) return 'undefined';
  if ('get' in desc || 'set' in desc) return '[Getter/Setter]';
  return formatValue(desc.value, depth + 1, true);
}

export interface ConsoleSink {
  /** Returns false once the output budget is spent. */
  write(line: string): boolean;
}

/** A frozen console for one run. */
export function makeConsole(sink: ConsoleSink): object {
  const line =
    (prefix: string) =>
    (...args: unknown[]): void => {
      budget = MAX_LINE;
      const text = args.map((a) => formatValue(a)).join(' ');
      if (!sink.write(prefix + text)) {
        throw new RangeError('console output exceeds maxOutputBytes');
      }
    };
  const log = line('');
  return freezeBuilt({
    log,
    info: log,
    debug: log,
    trace: log,
    warn: line('warn: '),
    error: line('error: '),
  });
}
