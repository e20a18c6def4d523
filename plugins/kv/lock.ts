// Keeping writers of one store file apart. Two layers:
//
//  - Within a process, a promise queue per file runs operations one at a time in the order they
//    were asked for: the concurrent calls of one run (`Promise.all` of sets), and runs of the same
//    sandbox one after another.
//  - Across processes, a lock file beside the store, created with O_EXCL. Concurrent runs are
//    always in different processes (a sandbox runs one script at a time, and other runtimes or
//    CLI invocations may use the same file), so this is what makes a write a whole
//    read-modify-write: no run loses another's update.
//
// A sandbox killed mid-write (timeoutMs) leaves its lock behind. A lock unchanged for `staleMs`
// is taken to be dead and broken: a legitimate holder keeps it for one read and one write of a
// bounded file, milliseconds. If a holder ever did take longer, two writers could overlap and
// one update could be lost; the file itself still cannot be torn, since it is only ever replaced
// whole by rename (./file-store.ts).
import { randomInt } from 'node:crypto';
import { constants, link, lstat, open, rename, unlink } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { PluginError } from 'sesame/plugin';

const queues = new Map<string, Promise<void>>();

/** Run `act` after every earlier `serialized` act for the same key has settled. */
export function serialized<T>(key: string, act: () => Promise<T>): Promise<T> {
  const previous = queues.get(key) ?? Promise.resolve();
  const result = previous.then(act);
  const tail = result.then(
    () => undefined,
    () => undefined,
  );
  queues.set(key, tail);
  // Forget settled queues, so a long-lived sandbox does not keep one entry per file it ever saw.
  void tail.then(() => {
    if (queues.get(key) === tail) queues.delete(key);
  });
  return result;
}

export interface LockOptions {
  /** A lock whose file is older than this is taken to be left by a dead holder. */
  staleMs: number;
  /** Give up (E_KV_BUSY) after waiting this long for a live holder. */
  waitMs: number;
}

export const LOCK_DEFAULTS: LockOptions = Object.freeze({ staleMs: 5_000, waitMs: 10_000 });

/** What `act` learns about the lock it runs under. */
export interface Held {
  /** A dead holder's lock was broken to get this one: it may have left a temp file. */
  readonly brokeStale: boolean;
}

interface Owned extends Held {
  readonly dev: bigint;
  readonly ino: bigint;
}

const { O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW } = constants;

export const errnoOf = (e: unknown): string | undefined =>
  typeof e === 'object' && e !== null && 'code' in e && typeof e.code === 'string' ? e.code : undefined;

/** Run `act` holding the lock file `lockPath` (created beside the store, removed after). */
export async function withFileLock<T>(
  lockPath: string,
  act: (held: Held) => Promise<T>,
  options: LockOptions = LOCK_DEFAULTS,
): Promise<T> {
  const owned = await acquire(lockPath, options);
  try {
    return await act(owned);
  } finally {
    await release(lockPath, owned);
  }
}

async function acquire(lockPath: string, options: LockOptions): Promise<Owned> {
  const deadline = Date.now() + options.waitMs;
  let brokeStale = false;
  for (let attempt = 0; ; attempt++) {
    const owned = await tryCreate(lockPath, brokeStale);
    if (owned !== undefined) return owned;
    const seen = await lstat(lockPath, { bigint: true }).catch((e: unknown) => {
      if (errnoOf(e) === 'ENOENT') return undefined; // released meanwhile: try again at once
      throw e;
    });
    if (seen === undefined) continue;
    if (!seen.isFile()) throw new PluginError('E_KV_FILE', "the store's lock file is not a regular file");
    if (Date.now() - Number(seen.mtimeMs) > options.staleMs) {
      if (await breakStale(lockPath, seen)) brokeStale = true;
      continue;
    }
    if (Date.now() >= deadline) {
      throw new PluginError('E_KV_BUSY', `the store stayed locked by another run for ${options.waitMs} ms`);
    }
    // Back off, with jitter so that waiters do not retry in lock step.
    await sleep(randomInt(1, Math.min(2 ** (attempt + 2), 64) + 1));
  }
}

/** Create the lock file, or undefined if it exists. O_EXCL also refuses a symlink planted there. */
async function tryCreate(lockPath: string, brokeStale: boolean): Promise<Owned | undefined> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(lockPath, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o600);
  } catch (e) {
    if (errnoOf(e) === 'EEXIST') return undefined;
    throw e;
  }
  try {
    // For whoever finds a lock left behind: who took it and when.
    await handle.writeFile(`sesame kv lock, taken ${new Date().toISOString()}\n`);
    const st = await handle.stat({ bigint: true });
    return { dev: st.dev, ino: st.ino, brokeStale };
  } catch (e) {
    await unlink(lockPath).catch(() => undefined);
    throw e;
  } finally {
    await handle.close().catch(() => undefined);
  }
}

/**
 * Remove the stale lock `seen`, if it is still the one there. Renamed aside rather than unlinked:
 * rename moves whatever is at the path *now*, and the inode then says whether that was the stale
 * lock or a fresh one another waiter took after breaking it first; a fresh one is put back.
 */
async function breakStale(lockPath: string, seen: { dev: bigint; ino: bigint }): Promise<boolean> {
  const aside = `${lockPath}.stale-${randomInt(2 ** 47).toString(36)}`;
  try {
    await rename(lockPath, aside);
  } catch (e) {
    if (errnoOf(e) === 'ENOENT') return false;
    throw e;
  }
  const moved = await lstat(aside, { bigint: true });
  const wasStale = moved.dev === seen.dev && moved.ino === seen.ino;
  // link fails if yet another lock appeared meanwhile; then its holder and the one we moved
  // overlap, the residual race of the header comment (it needs a dead holder and three writers).
  if (!wasStale) await link(aside, lockPath).catch(() => undefined);
  await unlink(aside);
  return wasStale;
}

/** Remove the lock if it is still ours (if we were slow enough to be broken, it is not). */
async function release(lockPath: string, owned: Owned): Promise<void> {
  const st = await lstat(lockPath, { bigint: true }).catch(() => undefined);
  if (st !== undefined && st.dev === owned.dev && st.ino === owned.ino) {
    await unlink(lockPath).catch(() => undefined);
  }
}
