// A run's deadline, which stops while the host decides on an approval: deciding must never burn
// the script's time. Several approvals may be pending at once; the clock runs again only when none
// is. Each wait is bounded on its own (limits.approvalTimeoutMs), so a run still ends.
export class Deadline {
  #remaining: number;
  #since = 0;
  #timer: NodeJS.Timeout | undefined;
  #paused = 0;
  #done = false;
  readonly #onExpire: () => void;

  constructor(ms: number, onExpire: () => void) {
    this.#remaining = ms;
    this.#onExpire = onExpire;
    this.#arm();
  }

  /** Stop the clock (nested: each pause needs its resume). */
  pause(): void {
    if (this.#done) return;
    if (this.#paused++ === 0) {
      clearTimeout(this.#timer);
      this.#remaining -= performance.now() - this.#since;
    }
  }

  resume(): void {
    if (this.#done || this.#paused === 0) return;
    if (--this.#paused === 0) this.#arm();
  }

  clear(): void {
    this.#done = true;
    clearTimeout(this.#timer);
  }

  #arm(): void {
    this.#since = performance.now();
    this.#timer = setTimeout(
      () => {
        this.#done = true;
        this.#onExpire();
      },
      Math.max(0, this.#remaining),
    );
  }
}
