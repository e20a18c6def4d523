// Hardening what the runtime builds for each run (the input, capability objects, plugin contexts,
// the console) at a fraction of harden()'s cost. harden() records every object it visits in a
// WeakSet, ~1 us an object plus work for the garbage collector, which a run with a few
// capabilities paid tens of microseconds for. These values are plain data, plain objects, arrays
// and arrow functions; what they inherit from (Object.prototype, Array.prototype,
// Function.prototype, AsyncFunction.prototype) lockdown() hardened already, so freezing each of
// them leaves them as hardened as harden() would. Anything else met on the way (another
// prototype, a function with a prototype object, an object frozen by someone else) goes to
// harden() itself.
const { freeze, getOwnPropertyDescriptor, getPrototypeOf, hasOwn, isFrozen } = Object;
const { ownKeys } = Reflect;

const HARDENED_PROTOTYPES = new Set<object | null>([
  Object.prototype,
  Array.prototype,
  Function.prototype,
  getPrototypeOf(async () => {}),
  null,
]);

const isObject = (value: unknown): value is object =>
  value !== null && (typeof value === 'object' || typeof value === 'function');

/** Deep-freeze `root` like harden(): every object and function reachable from it. */
export function hardenBuilt<T>(root: T): T {
  const seen = new Set<object>();
  const visit = (obj: object): void => {
    if (seen.has(obj)) return;
    if (
      isFrozen(obj) ||
      !HARDENED_PROTOTYPES.has(getPrototypeOf(obj)) ||
      (typeof obj === 'function' && hasOwn(obj, 'prototype'))
    ) {
      harden(obj);
      return;
    }
    seen.add(obj);
    // Frozen before its children are visited: nothing can be added to it meanwhile. One
    // descriptor at a time: getOwnPropertyDescriptors() made an object of them all, per object.
    freeze(obj);
    const keys = ownKeys(obj);
    for (let i = 0; i < keys.length; i++) {
      const descriptor = getOwnPropertyDescriptor(obj, keys[i] as PropertyKey) as PropertyDescriptor;
      if ('value' in descriptor) {
        if (isObject(descriptor.value)) visit(descriptor.value);
      } else {
        if (isObject(descriptor.get)) visit(descriptor.get);
        if (isObject(descriptor.set)) visit(descriptor.set);
      }
    }
  };
  if (isObject(root)) visit(root);
  return root;
}

/**
 * Harden an object the runtime has just built whose own properties are all enumerable, each an
 * arrow function it has just made (so its own properties are length and name, primitives), a
 * primitive, or data for hardenBuilt. Such functions need only freezing: walking their properties
 * as hardenBuilt does cost ~0.4 us a function, and a capability has a dozen methods. Callers
 * guarantee the shape; a function with a prototype object or an unusual prototype still goes to
 * hardenBuilt.
 */
export function freezeBuilt<T extends object>(obj: T): T {
  for (const value of Object.values(obj)) {
    if (
      typeof value === 'function' &&
      !hasOwn(value, 'prototype') &&
      HARDENED_PROTOTYPES.has(getPrototypeOf(value))
    ) {
      freeze(value);
    } else {
      hardenBuilt(value);
    }
  }
  return freeze(obj);
}
