// random: working randomness. Without it `Math.random()` throws in the compartment (SES removes
// it); with it `Math.random()`, `crypto.getRandomValues()` and `crypto.randomUUID()` work.
import { getRandomValues, randomUUID } from 'node:crypto';
import { definePlugin, z } from 'sesame/plugin';

const MAX_BYTES = 65536; // the Web Crypto quota per getRandomValues call

// The guest's array is read through the intrinsic %TypedArray% getters: own properties it defines
// (`byteLength`, `buffer`) cannot lie to them. They also name its kind without the constructors,
// which a SES compartment lacks for Float32Array and Float64Array.
const TypedArrayPrototype = Object.getPrototypeOf(Uint8Array.prototype) as object;
const intrinsicGetter = (key: PropertyKey) => {
  const get = Object.getOwnPropertyDescriptor(TypedArrayPrototype, key)?.get;
  if (get === undefined) throw new TypeError(`%TypedArray%.prototype has no ${String(key)} getter`);
  return get;
};
const kindOf = intrinsicGetter(Symbol.toStringTag);
const bufferOf = intrinsicGetter('buffer');
const byteOffsetOf = intrinsicGetter('byteOffset');
const byteLengthOf = intrinsicGetter('byteLength');
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
        if (!INTEGER_ARRAYS.has(kindOf.call(array) as string)) {
          throw new TypeError('getRandomValues needs an integer TypedArray');
        }
        const length = byteLengthOf.call(array) as number;
        if (length > MAX_BYTES) {
          throw new RangeError(`getRandomValues is limited to ${MAX_BYTES} bytes`);
        }
        // Fill a buffer of our own, then copy: the guest's view is only written, never handed on.
        const bytes = new Uint8Array(length);
        getRandomValues(bytes);
        new Uint8Array(bufferOf.call(array) as ArrayBuffer, byteOffsetOf.call(array) as number, length).set(
          bytes,
        );
        return array;
      },
      randomUUID: () => randomUUID(),
    };
    return { Math, crypto };
  },
});
