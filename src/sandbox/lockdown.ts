// The sandbox worker's first module: it must be evaluated before any other module of the worker,
// so that every module after it (plugins and their dependencies included) sees only hardened,
// tamed intrinsics. worker.ts imports it first; ESM evaluates imports in order.
import 'ses';
import '@endo/eventual-send/shim.js';

const started = performance.now();
lockdown({
  // Guests see no stack traces (they can carry host paths); the runtime reads them through the
  // start compartment's privileged getStackString.
  errorTaming: 'safe',
  stackFiltering: 'concise',
  // Libraries that assign to properties shadowing frozen intrinsics (toString, constructor...) keep working.
  overrideTaming: 'moderate',
  // The worker's own console is the runtime's; guests get a captured console of their own.
  consoleTaming: 'unsafe',
  // The runtime handles errors and rejections itself: nothing a guest does may print on the host.
  errorTrapping: 'none',
  unhandledRejectionTrapping: 'none',
  evalTaming: 'safe-eval',
});

/** How long lockdown() took in this worker, in milliseconds. */
export const lockdownMs = performance.now() - started;
