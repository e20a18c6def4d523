// A thread the sandbox cannot do without (its watchdog, watchdog.ts). It is ready once it runs; if
// it stops after that, the sandbox has lost its memory limit, its orphan kill and its clean stop
// (kept reports written out before a kill), and must not serve another run.
import type { Worker } from 'node:worker_threads';

/**
 * Resolves once `worker` runs; rejects if it fails or stops before. Any end after that (an
 * uncaught error, its own heap limit) calls `onLost` with the reason.
 */
export function watchThread(worker: Worker, name: string, onLost: (why: string) => void): Promise<void> {
  let online = false;
  return new Promise((resolve, reject) => {
    worker.once('online', () => {
      online = true;
      resolve();
    });
    worker.on('error', (error) => {
      if (!online) reject(error);
    });
    worker.once('exit', (code) => {
      const why = `the ${name} thread stopped (exit ${code})`;
      if (online) onLost(why);
      else reject(new Error(why));
    });
  });
}
