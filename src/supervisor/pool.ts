// A pool of locked-down sandbox processes. A sandbox runs one script at a time, is replaced when a
// run is killed, and is retired after a number of runs. Each sandbox is an OS process rather than
// a worker thread: V8 ends the whole process on some failures a script can provoke (an allocation
// larger than the heap limit, invalid-size errors), and those must end only the sandbox, never the
// host. Sandboxes are kept per memory limit, since V8's heap limit is fixed when a process starts.
import { type ChildProcess, spawn } from 'node:child_process';
import os from 'node:os';
import type { Readable, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type { PluginDescriptor, SandboxConfig, SandboxMessage, SupervisorMessage } from '../protocol.ts';
import { lineReader } from '../protocol.ts';

/** Heap the runtime itself uses in a sandbox (SES, zod, plugins), added to the policy's memoryMb. */
const RUNTIME_HEAP_MB = 32;
/** Resident memory of an idle sandbox process, added to twice memoryMb for the watchdog's limit. */
const RUNTIME_RSS_MB = 160;
/** How long a sandbox may take to start: lockdown, then its third-party plugins (their top level). */
const START_TIMEOUT_MS = 20_000;
/** How long a sandbox's watchdog has to stop it when asked, before the process is killed. */
const STOP_GRACE_MS = 100;
/** How long after a sandbox is retired or killed its replacement starts (see Pool.replace). */
const REPLACE_DELAY_MS = 50;
/** What a dying sandbox prints when memory ran out (V8's own message, or the watchdog's). */
const OUT_OF_MEMORY = /heap out of memory|sesame-sandbox: memory limit exceeded|Allocation failed/i;

export interface PoolOptions {
  /** Most sandboxes alive at once (default: the number of cores). */
  size?: number;
  /**
   * Retire a sandbox after this many runs (default 100000). A sandbox's memory stays flat over
   * runs (each gets a fresh Compartment); a fresh process now and then is hygiene, and each one
   * costs ~200 ms of CPU to start, so it is paid rarely.
   */
  maxRunsPerSandbox?: number;
  /**
   * Most runs waiting for a sandbox when all are busy (default 1000); a run beyond it ends at
   * once with E_BUSY, so a flood of runs cannot grow the host's memory without bound.
   */
  maxQueue?: number;
  /** Stop a sandbox that has been idle this long, in ms (default 300000; 0: never). */
  idleTimeoutMs?: number;
}

/** All sandboxes are busy and the queue is full. */
export class PoolBusyError extends Error {
  override name = 'PoolBusyError';
}

/** What a pool holds right now. */
export interface PoolStats {
  /** Sandboxes alive or starting. */
  live: number;
  idle: number;
  /** Runs waiting for a sandbox. */
  waiting: number;
}

/** How every sandbox of a pool is set up: its plugins, and how long it may take to start. */
export interface SandboxSetup {
  /** Third-party plugins and allowed builtins; undefined for the built-in plugins only. */
  config?: SandboxConfig;
  startTimeoutMs?: number;
  /**
   * Only these built-in plugins load before the sandbox is ready, the rest after (SandboxConfig):
   * not part of what makes sandboxes alike.
   */
  preload?: string[];
}

/** A sandbox did not start; `plugin` when a plugin failed to load (the message says which and why). */
export class SandboxStartError extends Error {
  override name = 'SandboxStartError';
  readonly plugin: boolean;
  constructor(message: string, plugin: boolean) {
    super(message);
    this.plugin = plugin;
  }
}

/** A question to a sandbox that it did not answer in time; the sandbox should be discarded. */
export class SandboxTimeoutError extends Error {
  override name = 'SandboxTimeoutError';
}

type Answer = Extract<SandboxMessage, { id: string }>;

export type SandboxEvent =
  | { kind: 'message'; message: SandboxMessage }
  | {
      kind: 'exit';
      code: number | null;
      signal: NodeJS.Signals | null;
      outOfMemory: boolean;
      detail: string;
    };

const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
// Built, the sandbox runs from its bundle (see src/bundle-build.ts); tests run the sources.
const entryPath = fileURLToPath(
  new URL(ext === '.ts' ? '../sandbox/entry.ts' : '../sandbox/entry.bundle.js', import.meta.url),
);
/**
 * V8's compiled code for sesame's own modules, kept between process starts (Node's compile cache)
 * in the package's node_modules/.cache: a sandbox starts ~15% sooner. Not in a shared temporary
 * directory: whoever can write the cache can run code in the host, so it lives where only those
 * who can already change sesame's files can write. Where that is read-only, Node caches nothing.
 */
export const COMPILE_CACHE_DIR = fileURLToPath(
  new URL(
    ext === '.ts' ? '../../node_modules/.cache/sesame' : '../../../node_modules/.cache/sesame',
    import.meta.url,
  ),
);
const [nodeMajor = 0, nodeMinor = 0] = process.versions.node.split('.').map(Number);
/** Running from TypeScript sources (tests) on a Node that does not strip types by default. */
const stripFlag =
  ext === '.ts' && (nodeMajor < 23 || (nodeMajor === 23 && nodeMinor < 6))
    ? ['--experimental-strip-types']
    : [];

/** Call `onLine` with each complete line of a stream. */
function readLines(stream: Readable, onLine: (line: string) => void): void {
  stream.setEncoding('utf8');
  stream.on('data', lineReader(onLine));
}

export class Sandbox {
  readonly memoryMb: number;
  /** Which plugins it loads: sandboxes are interchangeable only with the same key. */
  readonly setupKey: string;
  readonly ready: Promise<number>;
  /** The third-party plugins it loaded, described (known once ready). */
  plugins: PluginDescriptor[] = [];
  runs = 0;
  exited = false;
  /** Stops it once it has been idle too long (see Pool.watchIdle). */
  idleTimer: NodeJS.Timeout | undefined;
  /** When it last went back to the pool (performance.now()). */
  idleSince = 0;
  /** Counted out of the pool already (dropping twice must not free two slots). */
  retired = false;
  private readonly child: ChildProcess;
  private readonly input: Writable;
  private listener: ((event: SandboxEvent) => void) | undefined;
  private stderrTail = '';
  private stopping = false;
  private failure: string | undefined;
  private readonly pending = new Map<
    string,
    { resolve: (answer: Answer) => void; reject: (error: Error) => void }
  >();
  private nextId = 0;
  private readonly exitPromise: Promise<void>;

  constructor(memoryMb: number, setup: SandboxSetup = {}) {
    this.memoryMb = memoryMb;
    this.setupKey = setupKey(setup);
    const args = [
      ...stripFlag,
      `--max-old-space-size=${memoryMb + RUNTIME_HEAP_MB}`,
      // The young generation at its full 8 MiB from the start: growing it from 1 MiB cost the
      // sandbox's start ~7 ms of scavenges (ready in 87 against 95 ms), for ~5 MiB more RSS.
      '--min-semi-space-size=8',
      '--max-semi-space-size=8',
    ];
    // The sandbox reads its plugin configuration from its command line (not its environment,
    // which stays empty): JSON, one argument.
    const preload = setup.preload === undefined ? {} : { preload: setup.preload };
    const config =
      setup.config === undefined && preload.preload === undefined
        ? []
        : [JSON.stringify({ ...setup.config, ...preload })];
    this.child = spawn(process.execPath, [...args, entryPath, ...config], {
      // No host environment in the sandbox, and nothing it prints reaches the host's streams:
      // requests go in on stdin, reports come back on fd 3, and fd 4 tells its watchdog thread to
      // stop it (see sandbox/channel.ts).
      env: {
        SESAME_SANDBOX_RSS_MB: String(memoryMb * 2 + RUNTIME_RSS_MB),
        NODE_COMPILE_CACHE: COMPILE_CACHE_DIR,
      },
      stdio: ['pipe', 'ignore', 'pipe', 'pipe', 'pipe'],
    });
    this.input = this.child.stdin as Writable;
    this.input.on('error', () => {});
    this.child.stdio[4]?.on('error', () => {});
    this.child.stderr?.on('data', (chunk: Buffer) => {
      this.stderrTail = (this.stderrTail + chunk.toString()).slice(-4000);
    });
    let readyResolve: (ms: number) => void;
    let readyReject: (error: Error) => void;
    this.ready = new Promise<number>((resolve, reject) => {
      readyResolve = resolve;
      readyReject = reject;
    });
    this.ready.catch(() => {});
    readLines(this.child.stdio[3] as Readable, (line) => {
      let message: SandboxMessage;
      try {
        message = JSON.parse(line) as SandboxMessage;
      } catch {
        return; // not ours: ignore rather than trust
      }
      if (message.type === 'ready') {
        clearTimeout(startTimer);
        this.plugins = Array.isArray(message.plugins) ? message.plugins : [];
        // Starting keeps the host alive; a ready sandbox waits without holding it.
        if (!this.listener) this.ref(false);
        readyResolve(message.lockdownMs);
      } else if (message.type === 'failed') {
        this.failure = String(message.error);
      } else if (message.type === 'validated' || message.type === 'inspected') {
        const waiting = this.pending.get(message.id);
        this.pending.delete(message.id);
        if (this.pending.size === 0 && !this.listener) this.ref(false);
        waiting?.resolve(message);
      } else this.listener?.({ kind: 'message', message });
    });
    this.child.on('error', (error) => {
      this.stderrTail += `\n${error.message}`;
    });
    // A plugin whose top-level code never finishes would leave the sandbox starting for ever.
    const startTimeoutMs = setup.startTimeoutMs ?? START_TIMEOUT_MS;
    const startTimer = setTimeout(() => {
      this.failure = `the sandbox did not start within ${startTimeoutMs} ms (does a plugin's top-level code never finish?)`;
      this.child.kill('SIGKILL');
    }, startTimeoutMs);
    startTimer.unref();
    // 'close' comes after the process exited AND its stderr is drained, so the reason is known.
    this.exitPromise = new Promise((resolve) => {
      this.child.on('close', (code, signal) => {
        this.exited = true;
        clearTimeout(startTimer);
        const detail = this.stderrTail.trim();
        readyReject(
          this.failure === undefined
            ? new SandboxStartError(`sandbox failed to start: ${detail || `exit ${code ?? signal}`}`, false)
            : new SandboxStartError(`cannot load plugins: ${this.failure}`, true),
        );
        for (const waiting of this.pending.values()) waiting.reject(new Error('the sandbox exited'));
        this.pending.clear();
        this.listener?.({ kind: 'exit', code, signal, outOfMemory: OUT_OF_MEMORY.test(detail), detail });
        resolve();
      });
    });
  }

  /**
   * Start a run: `request` is a RunRequest as JSON text (the runtime serializes the policy's part of
   * it once per policy). Events of this run go to `listener` until `detach()`.
   */
  start(request: string, listener: (event: SandboxEvent) => void): void {
    this.runs++;
    this.listener = listener;
    this.ref(true);
    this.input.write(`${request}\n`);
  }

  /** Answer a run's question (a host call, an approval). */
  reply(message: Extract<SupervisorMessage, { type: 'answer' }>): void {
    if (this.exited) return;
    this.input.write(`${JSON.stringify(message)}\n`);
  }

  detach(): void {
    this.listener = undefined;
    if (this.pending.size === 0) this.ref(false);
  }

  /**
   * Ask a question that only plugin code can answer (validate configs, inspect a plugin folder).
   * Rejects with SandboxTimeoutError after `timeoutMs`: the caller should discard the sandbox.
   */
  ask<T extends Answer['type']>(
    question: DistributiveOmit<Exclude<SupervisorMessage, { type: 'run' } | { type: 'answer' }>, 'id'>,
    answer: T,
    timeoutMs: number,
  ): Promise<Extract<Answer, { type: T }>> {
    const id = `q${++this.nextId}`;
    return new Promise((resolve, reject) => {
      if (this.exited) {
        reject(new Error('the sandbox exited'));
        return;
      }
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new SandboxTimeoutError(`no answer within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, {
        resolve: (message) => {
          clearTimeout(timer);
          if (message.type === answer) resolve(message as Extract<Answer, { type: T }>);
          else reject(new Error(`the sandbox answered ${message.type}, not ${answer}`));
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      this.ref(true);
      this.input.write(`${JSON.stringify({ ...question, id })}\n`);
    });
  }

  /** Resolves once the process has exited, for whatever reason. */
  get gone(): Promise<void> {
    return this.exitPromise;
  }

  /**
   * Stop the process now (a runaway loop cannot prevent it); resolves once it has exited. Its
   * watchdog thread stops it, after writing out the reports the main thread kept (a killed run
   * loses no record); if the watchdog does not within STOP_GRACE_MS, the process is killed.
   */
  terminate(wait = true): Promise<void> {
    if (!this.exited && !this.stopping) {
      this.stopping = true;
      // Keep the host alive until the sandbox is really gone, so close() can be awaited; unless
      // the caller will not wait (a CLI about to exit: the sandbox ends by itself as well when
      // its control socket closes with the host).
      this.ref(wait);
      const control = this.child.stdio[4] as Writable | null;
      if (control?.writable) control.write('x');
      else this.child.kill('SIGKILL');
      setTimeout(() => {
        if (!this.exited) this.child.kill('SIGKILL');
      }, STOP_GRACE_MS).unref();
    }
    return wait ? this.exitPromise : Promise.resolve();
  }

  /** A busy sandbox keeps the host process alive; an idle one must not. */
  private ref(on: boolean): void {
    const handles = [
      this.child,
      this.child.stdin,
      this.child.stdio[2],
      this.child.stdio[3],
      this.child.stdio[4],
    ] as unknown as {
      ref?: () => void;
      unref?: () => void;
    }[];
    for (const h of handles) (on ? h?.ref : h?.unref)?.call(h);
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

function setupKey(setup: SandboxSetup): string {
  return JSON.stringify(setup.config ?? null);
}

// One sandbox may be started before the runtime exists, while the host is still loading its
// own modules (the CLI does this): the first acquire() for its memory limit adopts it.
let prestarted: Sandbox | undefined;

/** Start a sandbox now, for a runtime created later in this process. */
export function prestartSandbox(memoryMb: number, setup: SandboxSetup = {}): void {
  prestarted ??= new Sandbox(memoryMb, setup);
}

/** The prestarted sandbox if it fits `memoryMb` and the plugins; one that does not fit is stopped. */
function takePrestarted(memoryMb: number, key: string): Sandbox | undefined {
  const sandbox = prestarted;
  prestarted = undefined;
  if (sandbox && (sandbox.memoryMb !== memoryMb || sandbox.setupKey !== key)) {
    void sandbox.terminate();
    return undefined;
  }
  return sandbox;
}

interface Waiter {
  memoryMb: number;
  resolve: (worker: Sandbox) => void;
  reject: (error: Error) => void;
}

export class Pool {
  readonly size: number;
  readonly maxRunsPerSandbox: number;
  readonly maxQueue: number;
  readonly idleTimeoutMs: number;
  private readonly idle: Sandbox[] = [];
  private readonly waiters: Waiter[] = [];
  private live = 0;
  private serving = false;
  private readonly running = new Set<Sandbox>();
  private closed = false;
  private readonly setup: SandboxSetup;

  constructor(options: PoolOptions = {}, setup: SandboxSetup = {}) {
    this.setup = setup;
    this.size = Math.max(1, options.size ?? os.availableParallelism());
    // Each retirement costs a sandbox start (~150 ms of CPU): every 10,000 runs that is ~15 us a run.
    this.maxRunsPerSandbox = Math.max(1, options.maxRunsPerSandbox ?? 100_000);
    this.maxQueue = Math.max(0, options.maxQueue ?? 1000);
    this.idleTimeoutMs = Math.max(0, options.idleTimeoutMs ?? 300_000);
  }

  stats(): PoolStats {
    return { live: this.live, idle: this.idle.length, waiting: this.waiters.length };
  }

  /** Start workers ahead of demand so the first runs pay no start-up. */
  async prewarm(memoryMb: number, count = this.size): Promise<void> {
    const started: Sandbox[] = [];
    while (this.live < this.size && started.length < count) started.push(this.spawn(memoryMb));
    await Promise.all(started.map((w) => w.ready.then(() => this.park(w)).catch(() => this.drop(w))));
  }

  /**
   * A ready worker for this memory limit; waits in line when all are busy. `plugins`: the built-in
   * plugins the run needs. A sandbox started for it loads only those before it is ready (the rest
   * load after, while it serves), so the first run of a new sandbox does not wait for plugins it
   * does not use.
   */
  async acquire(memoryMb: number, plugins?: readonly string[]): Promise<Sandbox> {
    if (this.closed) throw new Error('the runtime is closed');
    const i = this.idle.findIndex((w) => w.memoryMb === memoryMb);
    if (i >= 0) return this.idle.splice(i, 1)[0] as Sandbox;
    const early = takePrestarted(memoryMb, setupKey(this.setup));
    if (early && this.live < this.size) {
      this.live++;
      this.track(early);
      try {
        await early.ready;
        return early;
      } catch {
        this.drop(early);
      }
    }
    if (this.live >= this.size && this.idle.length > 0) {
      // Trade an idle worker of another memory limit for one of ours.
      this.drop(this.idle.shift() as Sandbox, true);
    }
    if (this.live < this.size) {
      const worker = this.spawn(memoryMb, plugins);
      try {
        await worker.ready;
      } catch (error) {
        this.drop(worker);
        throw error;
      }
      return worker;
    }
    if (this.waiters.length >= this.maxQueue) {
      throw new PoolBusyError(
        `all ${this.size} sandboxes are busy and ${this.waiters.length} runs are waiting (maxQueue)`,
      );
    }
    return new Promise((resolve, reject) => this.waiters.push({ memoryMb, resolve, reject }));
  }

  /** A run finished normally: reuse the worker, or retire it after maxRunsPerSandbox. */
  release(worker: Sandbox): void {
    worker.detach();
    if (worker.runs >= this.maxRunsPerSandbox || this.closed) {
      this.drop(worker, true);
      // Start its successor now, so the next run does not wait for a sandbox to start.
      this.replace(worker.memoryMb);
      return;
    }
    this.park(worker);
  }

  /**
   * Start a sandbox in the background to take a retired or killed one's place, a moment later:
   * starting a process holds up the host's event loop (1 to 8 ms here, the fork of the host), and
   * the runs that come right after a kill or a retirement should not wait for it. Runs already
   * waiting for a sandbox get one at once (serveOtherWaiters, when the old one is dropped).
   */
  private replace(memoryMb: number): void {
    setTimeout(() => {
      if (this.closed || this.waiters.length > 0 || this.live >= this.size) return;
      const fresh = this.spawn(memoryMb);
      fresh.ready.then(() => this.park(fresh)).catch(() => this.drop(fresh));
    }, REPLACE_DELAY_MS).unref();
  }

  /** A run was killed: the worker is gone; start a replacement in the background. */
  async discard(worker: Sandbox): Promise<void> {
    // Detach only once the thread is gone: what it sent before dying still reaches the run.
    await worker.terminate();
    worker.detach();
    this.drop(worker);
    this.replace(worker.memoryMb);
  }

  /** Stop every sandbox; `wait`: resolve once their processes have exited (see Sandbox.terminate). */
  async close(wait = true): Promise<void> {
    this.closed = true;
    await takePrestarted(-1, '')?.terminate(wait);
    for (const waiter of this.waiters.splice(0)) waiter.reject(new Error('the runtime is closed'));
    for (const w of this.idle.splice(0)) this.drop(w);
    // Sandboxes still starting (a replacement for a killed one), busy or idle end with the runtime.
    await Promise.all([...this.running].map((w) => w.terminate(wait)));
  }

  private spawn(memoryMb: number, preload?: readonly string[]): Sandbox {
    this.live++;
    const setup = preload === undefined ? this.setup : { ...this.setup, preload: [...preload] };
    return this.track(new Sandbox(memoryMb, setup));
  }

  /** Every sandbox this pool started and that still runs, idle, busy or starting. */
  private track(sandbox: Sandbox): Sandbox {
    this.running.add(sandbox);
    void sandbox.gone.then(() => this.running.delete(sandbox));
    return sandbox;
  }

  private park(worker: Sandbox): void {
    if (worker.exited) return;
    const w = this.waiters.findIndex((x) => x.memoryMb === worker.memoryMb);
    if (w >= 0) {
      this.waiters.splice(w, 1)[0]?.resolve(worker);
      return;
    }
    if (this.closed) {
      this.drop(worker, true);
      return;
    }
    this.idle.push(worker);
    worker.idleSince = performance.now();
    if (this.idleTimeoutMs > 0 && worker.idleTimer === undefined) this.watchIdle(worker, this.idleTimeoutMs);
    this.serveOtherWaiters();
  }

  /**
   * Stop `worker` once it has been idle for idleTimeoutMs. One timer per sandbox that outlives its
   * runs (it looks again when it fires), not one set and cleared for every run.
   */
  private watchIdle(worker: Sandbox, ms: number): void {
    worker.idleTimer = setTimeout(() => {
      worker.idleTimer = undefined;
      // Busy now: park() watches it again when the run is over.
      if (!this.idle.includes(worker)) return;
      const left = worker.idleSince + this.idleTimeoutMs - performance.now();
      if (left > 0) this.watchIdle(worker, left);
      else void this.drop(worker, true);
    }, ms);
    worker.idleTimer.unref();
  }

  private drop(worker: Sandbox, terminate = false): Promise<void> {
    const i = this.idle.indexOf(worker);
    if (i >= 0) this.idle.splice(i, 1);
    clearTimeout(worker.idleTimer);
    worker.idleTimer = undefined;
    if (!worker.retired) {
      worker.retired = true;
      this.live--;
    }
    const done = terminate ? worker.terminate() : Promise.resolve();
    this.serveOtherWaiters();
    return done;
  }

  /** Waiters for a memory limit no idle worker has: make room and start one for them. */
  private serveOtherWaiters(): void {
    // drop() calls back into this method; the outer loop does the work, so a nested call must not
    // take waiters from under it.
    if (this.serving) return;
    this.serving = true;
    try {
      while (this.waiters.length > 0 && !this.closed) {
        if (this.live >= this.size) {
          const spare = this.idle.shift();
          if (spare === undefined) return;
          this.drop(spare, true);
          continue;
        }
        const waiter = this.waiters.shift();
        if (waiter === undefined) return;
        const worker = this.spawn(waiter.memoryMb);
        worker.ready.then(
          () => waiter.resolve(worker),
          (error: Error) => {
            this.drop(worker);
            waiter.reject(error);
          },
        );
      }
    } finally {
      this.serving = false;
    }
  }
}
