// A thread of the sandbox process that watches the whole process's resident memory. V8's heap
// limit does not count ArrayBuffers, so a script could allocate gigabytes of them; this thread
// kills the process (only this sandbox) when its memory passes the limit, and says why on
// stderr for the supervisor.
import { writeSync } from 'node:fs';
import process from 'node:process';
import { workerData } from 'node:worker_threads';

/** The marker the supervisor looks for on the sandbox's stderr. */
export const MEMORY_MARKER = 'sesame-sandbox: memory limit exceeded';

const { limitBytes, intervalMs } = workerData as { limitBytes: number; intervalMs: number };

setInterval(() => {
  if (process.memoryUsage.rss() > limitBytes) {
    writeSync(2, `\n${MEMORY_MARKER}\n`);
    process.kill(process.pid, 'SIGKILL');
  }
}, intervalMs);
