// Start the sandbox's watchdog thread (watchdog.ts). entry.ts does it right after lockdown(), so
// that the thread boots (a Node environment of its own, ~30 ms) while the rest of the sandbox and
// its plugins load: no run starts before it runs, and it was the last to be ready.
import { writeSync } from 'node:fs';
import process from 'node:process';
import { Worker } from 'node:worker_threads';
import { CONTROL_FD, REPORT_FD, reportMemory } from './channel.ts';
import { watchThread } from './watch-thread.ts';

/** Start the watchdog thread; resolves once it runs (it must watch the very first run too). */
export function startWatchdog(): Promise<void> {
  const limitMb = Number(process.env.SESAME_SANDBOX_RSS_MB);
  const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
  const watchdog = new Worker(new URL(`./watchdog${ext}`, import.meta.url), {
    workerData: {
      limitBytes: limitMb > 0 ? limitMb * 1024 * 1024 : 0,
      intervalMs: 5,
      parentPid: process.ppid,
      reportFd: REPORT_FD,
      controlFd: CONTROL_FD,
      reportMemory,
    },
    env: {},
    // 16, not 8: run from TypeScript sources (tests), the thread loads Node's type stripper, and
    // with 8 MiB it runs out of heap and takes the sandbox down a moment after it started.
    resourceLimits: { maxOldGenerationSizeMb: 16 },
  });
  watchdog.unref();
  // Without its watchdog a sandbox must not go on: it ends, and the supervisor replaces it.
  return watchThread(watchdog, 'watchdog', (why) => {
    writeSync(2, `\nsesame-sandbox: ${why}\n`);
    process.exit(70);
  });
}
