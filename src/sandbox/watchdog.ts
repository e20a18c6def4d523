// A thread of the sandbox process that keeps watch while the main thread runs guest code (which
// may never yield). It
//   - writes out the reports the main thread kept (channel.ts) every few milliseconds, so records
//     reach the supervisor while a long synchronous loop runs;
//   - stops the sandbox when the supervisor asks (a run past its deadline, an aborted run), after
//     writing out every kept report, so a killed run loses none of its records;
//   - kills the process (only this sandbox) when its resident memory passes the limit: V8's heap
//     limit does not count ArrayBuffers, so a script could otherwise allocate gigabytes of them; it
//     says why on stderr for the supervisor;
//   - kills it when the supervisor is gone (its control socket closed, or the sandbox re-parented):
//     a killed host must not leave a runaway script burning a core.
import { writeSync } from 'node:fs';
import { Socket } from 'node:net';
import process from 'node:process';
import { workerData } from 'node:worker_threads';
import { ReportBuffer } from './report-buffer.ts';

/** The marker the supervisor looks for on the sandbox's stderr. */
export const MEMORY_MARKER = 'sesame-sandbox: memory limit exceeded';

const { limitBytes, intervalMs, parentPid, reportFd, controlFd, reportMemory } = workerData as {
  limitBytes: number;
  intervalMs: number;
  parentPid: number;
  reportFd: number;
  controlFd: number;
  reportMemory: SharedArrayBuffer;
};
const reports = new ReportBuffer(reportFd, reportMemory);

/** Write out what the main thread kept, then end the process at once. */
function stop(): void {
  try {
    reports.flush();
  } finally {
    process.kill(process.pid, 'SIGKILL');
  }
}

setInterval(() => {
  if (process.ppid !== parentPid) process.kill(process.pid, 'SIGKILL');
  if (limitBytes > 0 && process.memoryUsage.rss() > limitBytes) {
    writeSync(2, `\n${MEMORY_MARKER}\n`);
    stop();
  }
  reports.tryFlush();
}, intervalMs);

// Any byte from the supervisor means "stop"; the supervisor kills the process itself if this
// thread does not within a moment.
const control = new Socket({ fd: controlFd, readable: true, writable: false });
control.on('data', stop);
control.on('end', () => process.kill(process.pid, 'SIGKILL'));
control.on('error', () => process.kill(process.pid, 'SIGKILL'));
