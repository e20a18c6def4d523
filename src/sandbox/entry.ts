// Entry of a sandbox process. lockdown() must run before any other module of the sandbox is
// evaluated, so this file imports only the lockdown module statically and loads the rest
// dynamically afterwards: no import sorting or hoisting can change that order.
import { lockdownMs } from './lockdown.ts';

// The watchdog thread boots while everything else loads (see watchdog-start.ts).
const { startWatchdog } = await import('./watchdog-start.ts');
const watching = startWatchdog();
watching.catch(() => {}); // serve() reports a watchdog that does not start

// zod compiles object parsers with `new Function` unless told not to. In the sandbox that is SES's
// evaluator in the start compartment, whose first use reads the descriptor of every global of the
// Node realm and so loads all of Node's lazy globals (undici among them: ~30 ms of each sandbox's
// start); and code made from schemas is nothing the sandbox needs. Set before any schema exists.
const { config } = await import('zod');
config({ jitless: true });

const { serve } = await import('./serve.ts');
await serve(lockdownMs, watching);
