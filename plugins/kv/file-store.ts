// A store kept in one JSON file (./format.ts) shared by the runs of a task.
//
// - Loaded lazily, on the first call. Reads parse it again only when it has changed (another run
//   wrote it): its identity (device, inode, size, mtime in ns) is compared first. Reads take no
//   lock: the file is only ever replaced whole, so a reader sees one version.
// - Each write is a read-modify-write of the file as it is now, read afresh under the locks of
//   ./lock.ts, never taken from the cache: on a file system with coarse timestamps a new version
//   could reuse an old inode and size within one tick and look unchanged, and a write based on a
//   stale view would silently drop another run's update. The whole file is rewritten anyway, so
//   the extra read costs little.
// - Saved atomically: a temp file beside the store (O_EXCL|O_NOFOLLOW, so it is new and ours),
//   data synced, renamed over the store. The store is never opened through a symlink, never
//   written in place, and never left half-written; a failed write leaves the previous version.
// - Errors reaching the script never name the host path; the operator's log does.
import { Buffer } from 'node:buffer';
import { randomBytes } from 'node:crypto';
import { constants, type FileHandle, lstat, open, readdir, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import { PluginError } from 'sesame/plugin';
import { Entries, type Limits } from './entries.ts';
import { decodeStore, encodeStore, unusable } from './format.ts';
import { errnoOf, LOCK_DEFAULTS, type LockOptions, serialized, withFileLock } from './lock.ts';
import type { Store } from './store.ts';

export interface FileStoreOptions {
  /** The store's absolute path. */
  file: string;
  /** The task that owns the store; recorded in the file and checked on load. */
  task: string;
  limits: Limits;
  /** Diagnostics for the operator, who may see host paths. */
  log(message: string): void;
  /** Lock timing (tests shorten it). */
  lock?: LockOptions;
}

/** A loaded version of the file; `mode` is kept when the file is replaced. */
interface Version {
  id: string;
  mode: number | undefined;
  entries: Entries;
}

const { O_RDONLY, O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW, O_NONBLOCK } = constants;

/**
 * The largest file worth parsing. The limits bound the values' JSON exactly; keys may grow up to
 * six times when escaped, and a file edited by hand may be indented: twice that is generous. The
 * exact limits are checked after parsing.
 */
function readBound(limits: Limits): number {
  return 2 * (limits.maxTotalBytes + limits.maxKeys * (6 * limits.maxKeyLength + 8)) + 64 * 1024;
}

/** Temp files are dotfiles named after the store, so a sweep finds them and nothing else. */
const tempPrefix = (file: string) => `.${path.basename(file)}.tmp-`;

export function fileStore(options: FileStoreOptions): Store {
  const { file, task, limits, log } = options;
  const lockPath = `${file}.lock`;
  const lockOptions = options.lock ?? LOCK_DEFAULTS;
  let cached: Version | undefined;

  async function load(fresh: boolean): Promise<Version> {
    let handle: FileHandle;
    try {
      // O_NONBLOCK: a FIFO at the path must not hang the open; it is refused below.
      handle = await open(file, O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
    } catch (e) {
      if (errnoOf(e) === 'ENOENT') return { id: 'missing', mode: undefined, entries: new Entries() };
      if (errnoOf(e) === 'ELOOP') throw unusable('is a symlink; kv never reads or writes through one');
      throw e;
    }
    try {
      const st = await handle.stat({ bigint: true });
      if (!st.isFile()) throw unusable('is not a regular file');
      const id = `${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}`;
      if (!fresh && cached?.id === id) return cached;
      const size = Number(st.size);
      if (size > readBound(limits)) throw unusable(`is ${size} bytes, more than this policy's limits allow`);
      const bytes = Buffer.alloc(size);
      let total = 0;
      while (total < size) {
        const { bytesRead } = await handle.read(bytes, total, size - total, total);
        if (bytesRead === 0) break; // truncated in place meanwhile: the parse fails cleanly
        total += bytesRead;
      }
      const text = bytes.toString('utf8', 0, total);
      cached = { id, mode: Number(st.mode & 0o777n), entries: decodeStore(text, task, limits) };
      return cached;
    } finally {
      await handle.close().catch(() => undefined);
    }
  }

  /** Replace the file with `text`: temp file, data synced, rename. Returns the new version's identity. */
  async function save(text: string, mode: number | undefined): Promise<Omit<Version, 'entries'>> {
    const tmp = path.join(path.dirname(file), `${tempPrefix(file)}${randomBytes(8).toString('hex')}`);
    let handle: FileHandle | undefined;
    let created = false;
    try {
      // 0600 for a new store: it is the task's data, not the world's. An existing file keeps its mode.
      handle = await open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o600);
      created = true;
      if (mode !== undefined) await handle.chmod(mode);
      await handle.writeFile(text, 'utf8');
      // Without this, a crash soon after the rename can leave an empty file on some file systems.
      await handle.datasync();
      const st = await handle.stat({ bigint: true });
      await handle.close();
      handle = undefined;
      // rename replaces the directory entry: a symlink or hard link at `file` is detached, not followed.
      await rename(tmp, file);
      created = false;
      return { id: `${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}`, mode: Number(st.mode & 0o777n) };
    } finally {
      await handle?.close().catch(() => undefined);
      if (created) await unlink(tmp).catch(() => undefined);
    }
  }

  /**
   * Remove temp files of a writer whose stale lock was just broken: it died between creating its
   * temp file and renaming it. Only old ones, in case it was merely slow and is still writing.
   */
  async function sweepTemps(): Promise<void> {
    const dir = path.dirname(file);
    const prefix = tempPrefix(file);
    for (const name of await readdir(dir)) {
      if (!name.startsWith(prefix)) continue;
      const at = path.join(dir, name);
      const st = await lstat(at).catch(() => undefined);
      if (st?.isFile() && Date.now() - st.mtimeMs > lockOptions.staleMs) {
        await unlink(at).catch(() => undefined);
        log(`kv: removed ${at}, left by a writer that died`);
      }
    }
  }

  /** The script learns what went wrong but not where; the operator's log has the path. */
  async function guarded<T>(act: () => Promise<T>): Promise<T> {
    try {
      return await act();
    } catch (e) {
      if (e instanceof PluginError) {
        // Quotas are the script's business; a file that cannot be used is the operator's too.
        if (e.code === 'E_KV_FILE' || e.code === 'E_KV_BUSY') log(`kv: ${file}: ${e.message}`);
        throw e;
      }
      log(`kv: ${file}: ${e instanceof Error ? e.message : String(e)}`);
      throw new PluginError('E_KV_IO', `the store file could not be used (${errnoOf(e) ?? 'unknown error'})`);
    }
  }

  return {
    read: (look) => serialized(file, () => guarded(async () => look((await load(false)).entries))),
    write: (change) =>
      serialized(file, () =>
        guarded(() =>
          withFileLock(
            lockPath,
            async (held) => {
              if (held.brokeStale) await sweepTemps();
              const current = await load(true);
              const next = current.entries.clone();
              const { value, changed } = change(next);
              if (changed) {
                cached = { ...(await save(encodeStore(task, next), current.mode)), entries: next };
              }
              return value;
            },
            lockOptions,
          ),
        ),
      ),
  };
}
