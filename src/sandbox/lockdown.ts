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

// SES shares Node's TextEncoder/TextDecoder with every compartment. The errors they throw are
// instances of Node's per-code error classes, whose prototypes lockdown() does not reach: a run
// could change one and the next run in this sandbox would run its code. Provoke each of those
// errors once and harden what they inherit from, so no such prototype stays writable.
const provoke: (() => unknown)[] = [
  () => new TextDecoder('no-such-label'),
  () => new TextDecoder('utf-8', 5 as never),
  () => new TextDecoder('utf-8', { fatal: true }).decode(new Uint8Array([0xff])),
  () => new TextDecoder().decode('x' as never),
  () => TextDecoder.prototype.decode.call({} as never),
  () => new TextEncoder().encodeInto('x', 5 as never),
  () => new TextEncoder().encodeInto(5 as never, new Uint8Array(1)),
  () => TextEncoder.prototype.encode.call({} as never),
];
for (const f of provoke) {
  try {
    f();
  } catch (error) {
    for (
      let p = Object.getPrototypeOf(error);
      p !== null && !Object.isFrozen(p);
      p = Object.getPrototypeOf(p)
    ) {
      harden(p);
    }
  }
}

/** How long lockdown() took in this worker, in milliseconds. */
export const lockdownMs = performance.now() - started;
