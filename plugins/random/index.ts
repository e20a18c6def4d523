// random: working randomness. Without it `Math.random()` throws in the compartment (SES removes
// it); with it `Math.random()`, `crypto.getRandomValues()` and `crypto.randomUUID()` work.
import { getRandomValues, randomUUID } from 'node:crypto';
import { definePlugin, typedArrays, z } from 'sesame/plugin';

const MAX_BYTES = 65536; // the Web Crypto quota per getRandomValues call

// The guest's array is read through its internal slots (typedArrays in the SDK): own properties
// it defines (`byteLength`, `buffer`) cannot lie.
const INTEGER_ARRAYS = new Set([
  'Int8Array',
  'Uint8Array',
  'Uint8ClampedArray',
  'Int16Array',
  'Uint16Array',
  'Int32Array',
  'Uint32Array',
  'BigInt64Array',
  'BigUint64Array',
]);

export default definePlugin({
  name: 'random',
  description: 'Randomness: makes Math.random() and crypto.getRandomValues()/randomUUID() work.',
  config: z.object({}).strict(),
  methods: {
    random: {
      description: 'A number in [0, 1).',
      sideEffects: false,
      args: z.tuple([]),
      returns: z.number(),
    },
    uuid: {
      description: 'A random RFC 4122 version 4 UUID.',
      sideEffects: false,
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
        if (!INTEGER_ARRAYS.has(typedArrays.kind(array) as string)) {
          throw new TypeError('getRandomValues needs an integer TypedArray');
        }
        const length = typedArrays.byteLength(array);
        if (length > MAX_BYTES) {
          throw new RangeError(`getRandomValues is limited to ${MAX_BYTES} bytes`);
        }
        // Fill a buffer of our own, then copy: the guest's view is only written, never handed on.
        const bytes = new Uint8Array(length);
        getRandomValues(bytes);
        new Uint8Array(typedArrays.buffer(array) as ArrayBuffer, typedArrays.byteOffset(array), length).set(
          bytes,
        );
        return array;
      },
      randomUUID: () => randomUUID(),
    };
    return { Math, crypto };
  },
});
