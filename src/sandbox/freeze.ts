// Hardening what the runtime builds for each run (the input, capability objects, plugin contexts,
// the console) at a fraction of harden()'s cost. harden() records every object it visits in a
// WeakSet, ~1 us an object plus work for the garbage collector, which a run with a few
// capabilities paid tens of microseconds for. These values are plain data, plain objects, arrays
// and arrow functions; what they inherit from (Object.prototype, Array.prototype,
// Function.prototype, AsyncFunction.prototype) lockdown() hardened already, so freezing each of
// them leaves them as hardened as harden() would. Anything else met on the way (another
// prototype, a function with a prototype object, an object frozen by someone else) goes to
// harden() itself.
const { freeze, getOwnPropertyDescriptors, getPrototypeOf, hasOwn, isFrozen } = Object;

const HARDENED_PROTOTYPES = new Set<object | null>([
  Object.prototype,
  Array.prototype,
  Function.prototype,
  getPrototypeOf(async () => {}),
  null,
]);

/** Deep-freeze `root` like harden(): every object and function reachable from it. */
export function hardenBuilt<T>(root: T): T {
  const seen = new Set<object>();
  const visit = (value: unknown): void => {
    if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return;
    const obj = value as object;
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
    // Frozen before its children are visited: nothing can be added to it meanwhile.
    freeze(obj);
    const descriptors = getOwnPropertyDescriptors(obj);
    for (const key of Reflect.ownKeys(descriptors)) {
      const descriptor = descriptors[key as keyof typeof descriptors] as PropertyDescriptor;
      if ('value' in descriptor) visit(descriptor.value);
      else {
        visit(descriptor.get);
        visit(descriptor.set);
      }
    }
  };
  visit(root);
  return root;
}
