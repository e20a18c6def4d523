// The sandbox process's message loop. Loaded by entry.ts only after lockdown() has run.
import process from 'node:process';
import { Worker } from 'node:worker_threads';
import { builtinPlugins } from '../../plugins/index.ts';
import { PluginError } from '../plugin/index.ts';
import type { SupervisorMessage } from '../protocol.ts';
import { receive, send } from './channel.ts';
import { runScript } from './evaluate.ts';

// A script may leave a rejected promise unhandled; that is its business, not a reason to crash
// the sandbox (Node's default) or to print anything.
process.on('unhandledRejection', () => {});

// Everything a guest can reach from the membrane is frozen, so no run can change the next one.
// Plugin definitions themselves stay unhardened (zod defines methods on schemas lazily); only
// the membrane's trusted code ever holds them.
harden(PluginError);
const plugins = new Map(builtinPlugins.map((p) => [p.name, p]));

function startWatchdog(): void {
  const limitMb = Number(process.env.SESAME_SANDBOX_RSS_MB);
  const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
  const watchdog = new Worker(new URL(`./watchdog${ext}`, import.meta.url), {
    workerData: {
      limitBytes: limitMb > 0 ? limitMb * 1024 * 1024 : 0,
      intervalMs: 5,
      parentPid: process.ppid,
    },
    env: {},
    resourceLimits: { maxOldGenerationSizeMb: 8 },
  });
  watchdog.unref();
}

let busy = false;
function onMessage(req: SupervisorMessage): void {
  if (req?.type !== 'run') return;
  if (busy) {
    send({
      type: 'done',
      runId: req.runId,
      ok: false,
      error: { code: 'E_INTERNAL', message: 'sandbox busy' },
      calls: 0,
    });
    return;
  }
  busy = true;
  runScript(req, plugins, (message) => {
    if (message.type === 'done') busy = false;
    send(message);
  }).catch((error: unknown) => {
    busy = false;
    send({
      type: 'done',
      runId: req.runId,
      ok: false,
      error: {
        code: 'E_INTERNAL',
        message: `sandbox failure: ${error instanceof Error ? error.message : 'unknown'}`,
      },
      calls: 0,
    });
  });
}

/** Start serving runs; `lockdownMs` is reported to the supervisor with the ready message. */
export function serve(lockdownMs: number): void {
  startWatchdog();
  // The supervisor going away (its end of stdin closes) ends the sandbox.
  receive(onMessage, () => process.exit(0));
  send({ type: 'ready', lockdownMs });
}
