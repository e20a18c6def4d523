// Reports the sandbox may hand over a moment late (see channel.ts), held in memory that the
// sandbox's main thread and its watchdog thread share, so that either can write them out: the main
// thread before any report that must not overtake them and before a capability acts outside the
// sandbox, the watchdog every few milliseconds while the main thread runs guest code, and before
// the sandbox is stopped. A lock keeps their writes to the report descriptor whole and in order.
//
// The lock is a futex-style mutex on one Int32 (0 free, 1 held, 2 held with waiters). It is only
// ever held by the runtime's own code for a copy or a write(2), never while guest code runs.
import { writeSync } from 'node:fs';

const LOCK = 0;
const USED = 1;
const HEADER_BYTES = 8;
/** Room for about a thousand records; a full buffer is written out at once. */
export const REPORT_BUFFER_BYTES = 256 * 1024;

/** Write all of `bytes` to a possibly non-blocking descriptor, waiting while the pipe is full. */
export function writeAll(fd: number, bytes: Uint8Array): void {
  let offset = 0;
  while (offset < bytes.length) {
    try {
      offset += writeSync(fd, bytes, offset);
    } catch (error) {
      // A full pipe: wait for the supervisor to read, then go on.
      if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 0.05);
    }
  }
}

export class ReportBuffer {
  /** The shared memory, for the other thread's ReportBuffer over the same descriptor. */
  readonly shared: SharedArrayBuffer;
  readonly #state: Int32Array;
  readonly #bytes: Buffer;
  readonly #fd: number;

  constructor(fd: number, shared = new SharedArrayBuffer(HEADER_BYTES + REPORT_BUFFER_BYTES)) {
    this.#fd = fd;
    this.shared = shared;
    this.#state = new Int32Array(shared, 0, 2);
    this.#bytes = Buffer.from(shared, HEADER_BYTES);
  }

  /** Keep `line` (a whole report, newline included) to be written with the next flush. */
  add(line: string): void {
    this.#lock();
    try {
      let used = this.#state[USED] as number;
      // Buffer#write stops at the end of the room it has: make sure the line fits, as UTF-8.
      if (used + line.length * 3 > this.#bytes.length) {
        this.#drain();
        used = 0;
        if (line.length * 3 > this.#bytes.length) {
          writeAll(this.#fd, Buffer.from(line));
          return;
        }
      }
      this.#state[USED] = used + this.#bytes.write(line, used);
    } finally {
      this.#unlock();
    }
  }

  /** Write `line` now, after everything kept: it has left the sandbox when this returns. */
  write(line: string): void {
    const bytes = Buffer.from(line);
    this.#lock();
    try {
      this.#drain();
      writeAll(this.#fd, bytes);
    } finally {
      this.#unlock();
    }
  }

  /** Write out everything kept, waiting for the lock if the other thread holds it. */
  flush(): void {
    if (Atomics.load(this.#state, USED) === 0) return;
    this.#lock();
    try {
      this.#drain();
    } finally {
      this.#unlock();
    }
  }

  /** Write out everything kept unless the other thread is busy with the lock (it drains then). */
  tryFlush(): void {
    if (Atomics.load(this.#state, USED) === 0) return;
    if (Atomics.compareExchange(this.#state, LOCK, 0, 1) !== 0) return;
    try {
      this.#drain();
    } finally {
      this.#unlock();
    }
  }

  #drain(): void {
    const used = this.#state[USED] as number;
    if (used === 0) return;
    writeAll(this.#fd, this.#bytes.subarray(0, used));
    this.#state[USED] = 0;
  }

  #lock(): void {
    const state = this.#state;
    let seen = Atomics.compareExchange(state, LOCK, 0, 1);
    if (seen === 0) return;
    if (seen !== 2) seen = Atomics.exchange(state, LOCK, 2);
    while (seen !== 0) {
      Atomics.wait(state, LOCK, 2);
      seen = Atomics.exchange(state, LOCK, 2);
    }
  }

  #unlock(): void {
    if (Atomics.sub(this.#state, LOCK, 1) !== 1) {
      Atomics.store(this.#state, LOCK, 0);
      Atomics.notify(this.#state, LOCK, 1);
    }
  }
}
