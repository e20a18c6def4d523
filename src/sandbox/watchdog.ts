// A thread of the sandbox process that keeps watch while the main thread runs guest code (which
// may never yield). It kills the process (only this sandbox) when
//   - its resident memory passes the limit: V8's heap limit does not count ArrayBuffers, so a
//     script could otherwise allocate gigabytes of them; it says why on stderr for the supervisor;
//   - the supervisor is gone (the sandbox was re-parented): a killed host must not leave a runaway
//     script burning a core.
import { writeSync } from 'node:fs';
import process from 'node:process';
import { workerData } from 'node:worker_threads';

/** The marker the supervisor looks for on the sandbox's stderr. */
export const MEMORY_MARKER = 'sesame-sandbox: memory limit exceeded';

const { limitBytes, intervalMs, parentPid } = workerData as {
  limitBytes: number;
  intervalMs: number;
  parentPid: number;
};

setInterval(() => {
  if (process.ppid !== parentPid) process.kill(process.pid, 'SIGKILL');
  if (limitBytes > 0 && process.memoryUsage.rss() > limitBytes) {
    writeSync(2, `\n${MEMORY_MARKER}\n`);
    process.kill(process.pid, 'SIGKILL');
  }
}, intervalMs);
