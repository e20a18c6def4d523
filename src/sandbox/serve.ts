// The sandbox process's message loop. Loaded by entry.ts only after lockdown() has run.
import process from 'node:process';
import { Worker } from 'node:worker_threads';
import { builtinPlugins } from '../../plugins/index.ts';
import { PluginError } from '../plugin/index.ts';
import type { RunRequest, SandboxMessage } from '../protocol.ts';
import { runScript } from './evaluate.ts';

if (!process.send)
  throw new Error('sesame: the sandbox entry must run as a child process with an IPC channel');

// A script may leave a rejected promise unhandled; that is its business, not a reason to crash
// the sandbox (Node's default) or to print anything.
process.on('unhandledRejection', () => {});

// Everything a guest can reach from the membrane is frozen, so no run can change the next one.
// Plugin definitions themselves stay unhardened (zod defines methods on schemas lazily); only
// the membrane's trusted code ever holds them.
harden(PluginError);
const plugins = new Map(builtinPlugins.map((p) => [p.name, p]));

const send = process.send.bind(process);
/** Send now; resolves once the message is written to the channel (for records that must land first). */
const post = (message: SandboxMessage): Promise<void> =>
  new Promise((resolve) => {
    send(message, undefined, undefined, () => resolve());
  });

function startWatchdog(): void {
  const limitMb = Number(process.env.SESAME_SANDBOX_RSS_MB);
  if (!(limitMb > 0)) return;
  const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
  const watchdog = new Worker(new URL(`./watchdog${ext}`, import.meta.url), {
    workerData: { limitBytes: limitMb * 1024 * 1024, intervalMs: 5 },
    env: {},
    resourceLimits: { maxOldGenerationSizeMb: 8 },
  });
  watchdog.unref();
}

let busy = false;
function onMessage(req: RunRequest): void {
  if (req?.type !== 'run') return;
  if (busy) {
    void post({
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
    return post(message);
  }).catch((error: unknown) => {
    busy = false;
    void post({
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
  process.on('message', onMessage);
  // The supervisor going away ends the sandbox.
  process.on('disconnect', () => process.exit(0));
  void post({ type: 'ready', lockdownMs });
}
