// Entry of a sandbox process. lockdown() must run before any other module of the sandbox is
// evaluated, so this file imports only the lockdown module statically and loads the rest
// dynamically afterwards: no import sorting or hoisting can change that order.
import { lockdownMs } from './lockdown.ts';

const { serve } = await import('./serve.ts');
await serve(lockdownMs);
