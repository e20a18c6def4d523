// clock: working time for the script. Without it, `Date.now()` and `new Date()` throw (SES
// removes ambient time, a covert-channel and fingerprinting source); with it they tell the time.
import { definePlugin, z } from 'sesame/plugin';

export default definePlugin({
  name: 'clock',
  description: 'Tells the time: makes Date.now() and new Date() work and offers clock.now().',
  config: z
    .object({
      fixed: z
        .union([z.number().int(), z.iso.datetime()])
        .optional()
        .describe('Freeze time at this instant (epoch ms or ISO 8601) for reproducible runs.'),
    })
    .strict(),
  methods: {
    now: {
      description: 'Milliseconds since the Unix epoch.',
      sideEffects: false,
      args: z.tuple([]),
      returns: z.number(),
    },
  },
  explain: (config) => [
    config.fixed === undefined
      ? 'may read the current time (Date.now(), new Date())'
      : `sees time frozen at ${new Date(config.fixed).toISOString()}`,
  ],
  create(config) {
    const fixed = config.fixed === undefined ? undefined : new Date(config.fixed).getTime();
    return { now: () => fixed ?? Date.now() };
  },
  globals(config) {
    if (config.fixed === undefined) return { Date };
    const at = new Date(config.fixed).getTime();
    // A Date whose clock is frozen: construct with no arguments gives `at`.
    // biome-ignore lint/suspicious/noShadowRestrictedNames: the guest sees it as its Date
    const Frozen = function Date(this: unknown, ...args: unknown[]) {
      if (!new.target) return new globalThis.Date(at).toString();
      return args.length === 0
        ? new globalThis.Date(at)
        : new (globalThis.Date as unknown as new (...a: unknown[]) => Date)(...args);
    } as unknown as DateConstructor;
    Object.defineProperties(Frozen, {
      now: { value: () => at },
      parse: { value: globalThis.Date.parse },
      UTC: { value: globalThis.Date.UTC },
      prototype: { value: globalThis.Date.prototype },
    });
    return { Date: Frozen };
  },
});
