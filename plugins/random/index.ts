// random: working randomness. Without it `Math.random()` throws in the compartment (SES removes
// it); with it `Math.random()`, `crypto.getRandomValues()` and `crypto.randomUUID()` work.
import { getRandomValues, randomUUID } from 'node:crypto';
import { definePlugin, z } from '../../src/plugin/index.ts';

const MAX_BYTES = 65536; // the Web Crypto quota per getRandomValues call

export default definePlugin({
  name: 'random',
  description: 'Randomness: makes Math.random() and crypto.getRandomValues()/randomUUID() work.',
  config: z.object({}).strict(),
  methods: {
    random: {
      description: 'A number in [0, 1).',
      args: z.tuple([]),
      returns: z.number(),
    },
    uuid: {
      description: 'A random RFC 4122 version 4 UUID.',
      args: z.tuple([]),
      returns: z.string(),
    },
  },
  explain: () => ['may draw random numbers (Math.random(), crypto.getRandomValues(), crypto.randomUUID())'],
  create() {
    return { random: () => Math.random(), uuid: () => randomUUID() };
  },
  globals() {
    const crypto = {
      getRandomValues<T extends ArrayBufferView | null>(array: T): T {
        if (
          !ArrayBuffer.isView(array) ||
          array instanceof Float32Array ||
          array instanceof Float64Array ||
          array instanceof DataView
        ) {
          throw new TypeError('getRandomValues needs an integer TypedArray');
        }
        if (array.byteLength > MAX_BYTES) {
          throw new RangeError(`getRandomValues is limited to ${MAX_BYTES} bytes`);
        }
        // Fill a buffer of our own, then copy: the guest's view is only written, never handed on.
        const bytes = new Uint8Array(array.byteLength);
        getRandomValues(bytes);
        new Uint8Array(array.buffer, array.byteOffset, array.byteLength).set(bytes);
        return array;
      },
      randomUUID: () => randomUUID(),
    };
    return { Math, crypto };
  },
});
