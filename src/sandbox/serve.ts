// The sandbox process's message loop. Loaded by entry.ts only after lockdown() has run.
import { flushCompileCache } from 'node:module';
import process from 'node:process';
import { PluginError } from '../plugin/index.ts';
import type { SupervisorMessage } from '../protocol.ts';
import { answerArrived, keep, receive, send } from './channel.ts';
import { runScript } from './evaluate.ts';
import { SandboxPlugins, sandboxConfig } from './plugins.ts';

// A script may leave a rejected promise unhandled; that is its business, not a reason to crash
// the sandbox (Node's default) or to print anything.
process.on('unhandledRejection', () => {});

// Everything a guest can reach from the membrane is frozen, so no run can change the next one.
// Plugin definitions themselves stay unhardened (zod defines methods on schemas lazily); only
// the membrane's trusted code ever holds them.
harden(PluginError);
// Every plugin, built-in or not, is loaded confined (compartment-mapper) when the sandbox starts;
// which third-party plugins, and what they may be granted, the supervisor says on the command line.
const sandboxPlugins = new SandboxPlugins(sandboxConfig(process.argv[2]));
const plugins = sandboxPlugins.byName;

let busy = false;
function onMessage(req: SupervisorMessage): void {
  if (req?.type === 'answer') {
    answerArrived(req);
    return;
  }
  if (req?.type === 'validate') {
    send({
      type: 'validated',
      id: req.id,
      verdicts: sandboxPlugins.validate(req.capabilities, req.policyDir),
    });
    return;
  }
  if (req?.type === 'inspect') {
    void sandboxPlugins.inspect(req.dir).then((report) => send({ type: 'inspected', id: req.id, report }));
    return;
  }
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
  const start = () =>
    runScript(
      req,
      plugins,
      (message) => {
        if (message.type === 'done') busy = false;
        send(message);
      },
      keep,
    );
  // A built-in plugin the run needs may still be loading (see SandboxPlugins.start).
  const needed = req.capabilities.filter((grant) => !grant.remote).map((grant) => grant.plugin);
  (sandboxPlugins.loaded(needed) ? start() : sandboxPlugins.whenLoaded(needed).then(start)).catch(
    (error: unknown) => {
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
    },
  );
}

/**
 * Start serving runs once the plugins are loaded and the watchdog thread (started by entry.ts)
 * runs; `lockdownMs` is reported to the supervisor with the ready message.
 */
export async function serve(lockdownMs: number, watching: Promise<void>): Promise<void> {
  // The supervisor going away (its end of stdin closes) ends the sandbox, even while it starts.
  receive(onMessage, () => process.exit(0));
  try {
    await Promise.all([sandboxPlugins.start(), watching]);
  } catch (error) {
    // A plugin that cannot load makes every run wrong: say why, and stop.
    send({ type: 'failed', error: error instanceof Error ? error.message : String(error) });
    process.exit(1);
  }
  send({ type: 'ready', lockdownMs, plugins: sandboxPlugins.describe() });
  await sandboxPlugins.loadBuiltins();
  // Node writes its compile cache (NODE_COMPILE_CACHE, set by the supervisor) at exit, and a
  // sandbox usually ends by SIGKILL: write it once every module is loaded, a moment after the
  // start, so that it does not delay the first run (and a sandbox that lives for one run skips it).
  setTimeout(() => flushCompileCache?.(), 1000).unref();
}
