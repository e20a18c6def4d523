// Host tools the own attack corpus runs with (`sesame run --tools`): each is a tripwire. A tool
// writes the attack's canary (/tmp/sesame-canary/<id>, the harness's evidence of an escape) when
// something reaches it that never should: a value that is not plain data (a function, a Proxy, an
// accessor, a foreign prototype), or a call at all to a tool the attack's policy does not grant or
// that needs an approval nobody gave. Registering them grants nothing: policies grant by name.
import fs from 'node:fs';
import { types } from 'node:util';
import { z } from 'zod';

const trip = (id, why) => {
  const safe =
    String(id)
      .replace(/[^A-Za-z0-9._-]/g, '_')
      .slice(0, 80) || 'unknown';
  fs.mkdirSync('/tmp/sesame-canary', { recursive: true });
  fs.writeFileSync(`/tmp/sesame-canary/${safe}`, `host tool tripped: ${why}`);
};

/** Why `value` is not plain JSON-like data, or undefined when it is. */
function notPlain(value, depth = 0) {
  if (depth > 100) return 'too deep';
  if (value === null || ['string', 'number', 'boolean'].includes(typeof value)) return undefined;
  if (typeof value !== 'object') return `a ${typeof value}`;
  if (types.isProxy(value)) return 'a Proxy';
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== Array.prototype && proto !== null) return 'a foreign prototype';
  for (const key of Reflect.ownKeys(value)) {
    if (typeof key === 'symbol') return 'a symbol key';
    const d = Object.getOwnPropertyDescriptor(value, key);
    if (d.get || d.set) return `an accessor at ${key}`;
    const inner = notPlain(d.value, depth + 1);
    if (inner) return `${inner} at ${key}`;
  }
  return undefined;
}

const withId = z.object({ id: z.string() }).passthrough();

export default {
  inspect: {
    description: 'Receives any JSON value; trips if anything but plain data arrives.',
    args: z.object({ id: z.string(), value: z.unknown() }),
    handler: (args) => {
      const why = notPlain(args);
      if (why) trip(args.id, why);
      return { received: true };
    },
  },
  leaky: {
    description: 'Returns host objects of every kind (they must reach the script only as data).',
    args: withId,
    handler: () => ({
      date: new Date(0),
      buffer: Buffer.from('host'),
      map: new Map([['k', 'v']]),
      error: new Error('a host error'),
      fn: () => process,
      nested: { deep: [new URL('http://127.0.0.1/'), Symbol('s')] },
      get getter() {
        return process;
      },
    }),
  },
  thrower: {
    description: 'Throws a host error carrying host objects.',
    args: withId,
    handler: () => {
      const error = new Error('host failure with a handle');
      error.process = process;
      throw error;
    },
  },
  danger: {
    description: 'No attack policy grants this; any call trips.',
    args: withId,
    handler: (args) => {
      trip(args.id, 'an ungranted tool was called');
      return null;
    },
  },
  guarded: {
    description: 'Granted with approve: the CLI has no terminal in the harness, so it must never run.',
    args: withId,
    handler: (args) => {
      trip(args.id, 'a call that needed approval ran without it');
      return null;
    },
  },
};
