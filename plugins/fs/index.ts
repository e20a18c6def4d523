// fs: a subset of node:fs/promises confined to one directory. Every method decides in `authorize`
// (lexical check, real-path resolution, globs; see ./paths.ts) and acts in `invoke` only on the
// real absolute path the decision produced. Writes never go through a symlink and never modify a
// file in place (a temp file is renamed over the target), so links and hard links already in the
// root cannot carry a write out of it. Errors name only the path the script used.
import { Buffer } from 'node:buffer';
import { randomBytes } from 'node:crypto';
// Synchronous file system calls on purpose (see ./paths.ts): the sandbox's main thread belongs to
// the one run, and a promise-based call costs a thread-pool round trip each.
import {
  closeSync,
  constants,
  type Dirent,
  fchmodSync,
  fstatSync,
  lstatSync,
  mkdirSync,
  opendirSync,
  openSync,
  readdirSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import {
  allow,
  type CheckedMethod,
  type ConfigIssue,
  type Decision,
  definePlugin,
  deny,
  PluginError,
  typedArrays,
  z,
} from 'sesame/plugin';
import {
  type GlobSet,
  globProblem,
  globSet,
  type Kind,
  MAX_PATH_LENGTH,
  normalize,
  quote,
  resolve,
} from './paths.ts';

const MiB = 1024 * 1024;
/** The most `maxFileBytes` may be, and so the static bound on data in the argument schemas. */
const MAX_FILE_BYTES_LIMIT = 256 * MiB;

// ---------------------------------------------------------------------------------------------
// Argument and result schemas

// Titles name the parameters in `sesame describe`'s declarations.
const Path = z
  .string()
  .max(MAX_PATH_LENGTH)
  .meta({ title: 'path', description: 'a path relative to the root, "/"-separated' });
const Encoding = z.enum(['utf8', 'utf-8']);

// The copy means the bytes cannot change between the size check and the write; the size and
// kind come from the array's internal slots (see typedArrays in the SDK).
const isUint8Array = (v: unknown): v is Uint8Array => typedArrays.kind(v) === 'Uint8Array';
const Bytes = z
  .custom<Uint8Array>(
    (v) => isUint8Array(v) && typedArrays.byteLength(v) <= MAX_FILE_BYTES_LIMIT,
    `expected a Uint8Array of at most ${MAX_FILE_BYTES_LIMIT} bytes`,
  )
  .meta({ tsType: 'Uint8Array' }) // what JSON Schema cannot say, for `sesame describe`
  .transform((v) => {
    const copy = new Uint8Array(typedArrays.byteLength(v));
    copy.set(v); // reads the source's internal slots, not its properties
    return copy;
  });
// UTF-16 length bounds UTF-8 size from below, so this is a necessary bound; authorize checks bytes.
const Data = z
  .union([z.string().max(MAX_FILE_BYTES_LIMIT), Bytes])
  .meta({ title: 'data', description: 'a string (written as UTF-8) or bytes' });
const WriteOptions = z
  .union([Encoding, z.object({ encoding: Encoding.optional() }).strict()])
  .optional()
  .meta({ title: 'options' });
const ReadOptions = z
  .union([Encoding, z.object({ encoding: Encoding.nullable().optional() }).strict()])
  .optional()
  .meta({ title: 'options', description: "'utf8' (or { encoding: 'utf8' }) for a string" });

const StatResult = z.object({
  size: z.number(),
  mtimeMs: z.number(),
  isFile: z.boolean(),
  isDirectory: z.boolean(),
  isSymbolicLink: z.boolean(),
});
type StatData = z.output<typeof StatResult>;
/** What presentStat gives the guest, for `sesame describe`. */
const STAT_TYPE =
  '{ size: number; mtimeMs: number; isFile(): boolean; isDirectory(): boolean; isSymbolicLink(): boolean }';

/**
 * Give the guest node's Stats shape: booleans become methods. Pure; closes over data only. The
 * SDK types `present`'s input as unknown (MethodSpecs erases R), so the shape is parsed again.
 */
const presentStat = (result: unknown) => {
  const s = StatResult.parse(result);
  return Object.freeze({
    size: s.size,
    mtimeMs: s.mtimeMs,
    isFile: Object.freeze(() => s.isFile),
    isDirectory: Object.freeze(() => s.isDirectory),
    isSymbolicLink: Object.freeze(() => s.isSymbolicLink),
  });
};

const Config = z
  .object({
    root: z
      .string()
      .min(1)
      .describe('The directory the script sees as its whole file system; relative to the policy file.'),
    read: z
      .array(z.string().max(MAX_PATH_LENGTH))
      .default([])
      .describe(
        'Globs (picomatch, relative to root) of paths the script may read, list and stat, e.g. ["**"]. ' +
          'Dotfiles and dot-directories match only globs that spell the dot (".env", "out/.*"), not "**". ' +
          'The root itself may be listed when a glob has no fixed leading directory ("**", "*.md").',
      ),
    write: z
      .array(z.string().max(MAX_PATH_LENGTH))
      .default([])
      .describe(
        'Globs (picomatch, relative to root) of paths the script may write, create and delete, e.g. ["out/**"]. ' +
          'Dotfiles match only globs that spell the dot.',
      ),
    maxFileBytes: z
      .number()
      .int()
      .positive()
      .max(MAX_FILE_BYTES_LIMIT)
      .default(10 * MiB)
      .describe('The largest file the script may read or write, in bytes.'),
    maxEntries: z
      .number()
      .int()
      .positive()
      .max(1_000_000)
      .default(10_000)
      .describe('The most entries one readdir returns, and the most a recursive rm may delete.'),
  })
  .strict();
type FsConfig = z.output<typeof Config>;

// ---------------------------------------------------------------------------------------------
// Errors: errno codes with node's wording, naming only the script's own path

const ERRNO_TEXT: Readonly<Record<string, string>> = Object.freeze({
  ENOENT: 'no such file or directory',
  EEXIST: 'file already exists',
  EISDIR: 'illegal operation on a directory',
  ENOTDIR: 'not a directory',
  ENOTEMPTY: 'directory not empty',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ELOOP: 'too many symbolic links encountered',
  ENAMETOOLONG: 'name too long',
  EINVAL: 'invalid argument',
  EBUSY: 'resource busy or locked',
  EMFILE: 'too many open files',
  ENFILE: 'file table overflow',
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'read-only file system',
  EXDEV: 'cross-device link not permitted',
  ETXTBSY: 'text file is busy',
  EIO: 'i/o error',
  EFBIG: 'file too large',
  E2BIG: 'too many entries',
});
// Node's own codes for errno conditions it detects before the system call.
const NODE_CODES: Readonly<Record<string, string>> = Object.freeze({ ERR_FS_EISDIR: 'EISDIR' });

function fsError(code: string, syscall: string, shown: string, detail?: string): PluginError {
  const text = ERRNO_TEXT[code] ?? 'unknown error';
  return new PluginError(code, `${code}: ${text}${detail ? ` (${detail})` : ''}, ${syscall} '${shown}'`);
}

/** Rethrow anything from the file system without its message (which holds the host path). */
function hostError(e: unknown, syscall: string, shown: string): PluginError {
  if (e instanceof PluginError) return e;
  const raw = typeof e === 'object' && e !== null && 'code' in e && typeof e.code === 'string' ? e.code : '';
  const code = NODE_CODES[raw] ?? raw;
  return fsError(code in ERRNO_TEXT ? code : 'UNKNOWN', syscall, shown);
}

async function guarded<T>(syscall: string, shown: string, act: () => T | Promise<T>): Promise<T> {
  try {
    return await act();
  } catch (e) {
    throw hostError(e, syscall, shown);
  }
}

// ---------------------------------------------------------------------------------------------
// Decisions

/** What invoke needs: the real path to act on, and the script's path for messages. */
export interface FsGrant {
  shown: string;
  real: string;
  rel: string;
  realRel: string;
  kind: Kind;
  /** How many trailing segments do not exist yet (what mkdir -p would create). */
  missing: number;
  /** rm only: a directory whose whole tree authorize checked (recursive removal is allowed). */
  tree?: boolean;
}

type Access = 'read' | 'write' | 'read or write';

interface Rules {
  root: string;
  /** The root's real path, resolved once per run (see resolve in ./paths.ts). */
  realRoot: { value?: string };
  read: GlobSet;
  write: GlobSet;
  maxFileBytes: number;
  maxEntries: number;
}

/** The first glob of `sets` that matches both the requested and the real path. */
function matchBoth(
  sets: readonly GlobSet[],
  rel: string,
  realRel: string,
): { set: GlobSet; glob: string } | undefined {
  for (const set of sets) {
    const glob = set.match(rel);
    if (glob !== undefined && set.match(realRel) !== undefined) return { set, glob };
  }
  return undefined;
}

const listGlobs = (set: GlobSet) => `${set.kind}: ${set.globs.length ? set.globs.join(', ') : '(none)'}`;

interface Ask {
  access: Access;
  /** Resolve a final symlink (reads) or treat it as the thing itself (writes, lstat, rm). */
  follow: boolean;
  /** May the path be the root itself ("." and the like)? */
  root: boolean;
  method: string;
}

async function decide(rules: Rules, input: string, ask: Ask): Promise<Decision<FsGrant>> {
  const lexical = normalize(input);
  if (!lexical.ok) return deny(lexical.reason, lexical.rule);
  if (lexical.rel === '' && !ask.root) return deny(`${ask.method} cannot act on the root itself`, 'root');
  const resolved = await resolve(rules.root, lexical.rel, ask.follow, rules.realRoot);
  if (!resolved.ok) return deny(resolved.reason, resolved.rule);
  const t = resolved.target;
  const sets =
    ask.access === 'read' ? [rules.read] : ask.access === 'write' ? [rules.write] : [rules.read, rules.write];
  const hit = matchBoth(sets, t.rel, t.realRel);
  if (hit === undefined) {
    const rule = sets.map((s) => s.kind).join('/');
    const globs = sets.map(listGlobs).join('; ');
    const which = sets.some((s) => s.match(t.rel) !== undefined)
      ? `resolves through a symlink to a path that matches no ${ask.access} glob`
      : `matches no ${ask.access} glob`;
    return deny(`${quote(t.rel)} ${which} (${globs})`, rule);
  }
  return allow(`${hit.set.kind}: ${hit.glob}`, { shown: input, ...t });
}

/** Writes, mkdir: the last segment must not be a symlink (neither followed nor replaced). */
function refuseLink(d: Decision<FsGrant>, method: string): Decision<FsGrant> {
  if (d.allow && d.grant.kind === 'symlink') {
    return deny(
      `${quote(d.grant.rel)} is a symlink; ${method} does not follow or replace symlinks`,
      'symlink',
    );
  }
  return d;
}

function refuseSize(rules: Rules, data: string | Uint8Array): Decision<never> | undefined {
  const size = typeof data === 'string' ? Buffer.byteLength(data, 'utf8') : data.byteLength;
  if (size <= rules.maxFileBytes) return undefined;
  return deny(`the data is ${size} bytes, over maxFileBytes (${rules.maxFileBytes})`, 'maxFileBytes');
}

/** mkdir -p creates every missing ancestor: each must be writable, not just the leaf. */
/**
 * Directories one recursive mkdir may create. Each call counts once against maxCalls, so without
 * a bound one call could create thousands of inodes.
 */
const MAX_CREATED_DIRECTORIES = 32;

function refuseCreatedAncestors(rules: Rules, d: Decision<FsGrant>): Decision<FsGrant> {
  if (!d.allow) return d;
  if (d.grant.missing > MAX_CREATED_DIRECTORIES) {
    return deny(
      `mkdir would create ${d.grant.missing} directories; one call may create at most ${MAX_CREATED_DIRECTORIES}`,
      'mkdir',
    );
  }
  const relSegments = d.grant.rel.split('/');
  const realSegments = d.grant.realRel.split('/');
  // The missing segments are the same names at the end of both paths; k = 0 is the leaf itself.
  for (let k = 1; k < d.grant.missing; k++) {
    const rel = relSegments.slice(0, -k).join('/');
    const realRel = realSegments.slice(0, -k).join('/');
    if (rules.write.match(rel) === undefined || rules.write.match(realRel) === undefined) {
      return deny(
        `mkdir would create ${quote(rel)}, which matches no write glob (${listGlobs(rules.write)})`,
        'write',
      );
    }
  }
  return d;
}

/** rm -r: every entry under the directory must be writable. Lists, never follows links, never acts. */
async function refuseTree(rules: Rules, d: Decision<FsGrant>): Promise<Decision<FsGrant>> {
  if (!d.allow || d.grant.kind !== 'directory') return d;
  const { real, rel, realRel } = d.grant;
  const stack: [string, string, string][] = [[real, rel, realRel]];
  let seen = 0;
  for (let dir = stack.pop(); dir !== undefined; dir = stack.pop()) {
    const [at, r, rr] = dir;
    let entries: Dirent[];
    try {
      entries = readdirSync(at, { withFileTypes: true });
    } catch (e) {
      throw hostError(e, 'rm', d.grant.shown);
    }
    for (const entry of entries) {
      if (++seen > rules.maxEntries) {
        return deny(`${quote(rel)} holds more than ${rules.maxEntries} entries (maxEntries)`, 'maxEntries');
      }
      const childRel = `${r}/${entry.name}`;
      const childRealRel = `${rr}/${entry.name}`;
      if (rules.write.match(childRel) === undefined || rules.write.match(childRealRel) === undefined) {
        return deny(
          `${quote(rel)} holds entries that match no write glob (${listGlobs(rules.write)})`,
          'write',
        );
      }
      // Dirent types come from lstat semantics: a link to a directory is a link, not descended.
      if (entry.isDirectory()) stack.push([path.join(at, entry.name), childRel, childRealRel]);
    }
  }
  return allow(d.rule, { ...d.grant, tree: true });
}

// ---------------------------------------------------------------------------------------------
// Acts: bounded reads and atomic writes on real paths

const { O_RDONLY, O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW, O_NONBLOCK } = constants;
const READ_CHUNK = 64 * 1024;

/** Read a regular file, at most `max` bytes. O_NONBLOCK keeps a FIFO from hanging the open. */
async function readBounded(real: string, max: number, shown: string): Promise<Uint8Array<ArrayBuffer>> {
  let fd: number | undefined;
  try {
    fd = openSync(real, O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
    const st = fstatSync(fd);
    if (st.isDirectory()) throw fsError('EISDIR', 'read', shown);
    if (!st.isFile()) throw fsError('EINVAL', 'read', shown, 'not a regular file');
    if (st.size > max) throw fsError('EFBIG', 'open', shown, `${st.size} bytes, over maxFileBytes ${max}`);
    // The file may grow while we read: read until EOF but never hold more than max + 1 bytes.
    const chunks: Uint8Array[] = [];
    let total = 0;
    for (let want = st.size + 1; ; want = READ_CHUNK) {
      const chunk = new Uint8Array(Math.min(want, max + 1 - total));
      const bytesRead = readSync(fd, chunk, 0, chunk.length, null);
      if (bytesRead === 0) break;
      chunks.push(chunk.subarray(0, bytesRead));
      total += bytesRead;
      if (total > max) throw fsError('EFBIG', 'read', shown, `over maxFileBytes ${max}`);
      // A regular file reads short only at its end: no second read (and no 64 KiB buffer to
      // collect) for the usual file that did not grow since fstat.
      if (bytesRead < chunk.length) break;
    }
    const bytes = new Uint8Array(total);
    let at = 0;
    for (const c of chunks) {
      bytes.set(c, at);
      at += c.length;
    }
    return bytes;
  } catch (e) {
    throw hostError(e, 'open', shown);
  } finally {
    if (fd !== undefined) closeQuietly(fd);
  }
}

function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // Nothing to do: the descriptor is gone either way.
  }
}

/**
 * Replace `real` atomically: write a fresh temp file beside it (O_EXCL|O_NOFOLLOW, so it is
 * ours), then rename it over the target. rename replaces a directory entry, so even a hard link
 * at `real` is detached rather than written through. The temp file never outlives a failure.
 */
async function replaceFile(real: string, bytes: Uint8Array, shown: string): Promise<void> {
  const tmp = path.join(path.dirname(real), `.sesame-tmp-${randomBytes(12).toString('hex')}`);
  let fd: number | undefined;
  let created = false;
  try {
    const existing = lstatSync(real, { throwIfNoEntry: false });
    if (existing?.isDirectory()) throw fsError('EISDIR', 'open', shown);
    fd = openSync(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o666);
    created = true;
    if (existing?.isFile()) fchmodSync(fd, existing.mode & 0o777); // keep the file's permissions
    writeFileSync(fd, bytes);
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, real);
    created = false;
  } catch (e) {
    throw hostError(e, 'open', shown);
  } finally {
    if (fd !== undefined) closeQuietly(fd);
    if (created) {
      try {
        unlinkSync(tmp);
      } catch {
        // Already gone.
      }
    }
  }
}

const toBytes = (data: string | Uint8Array) => (typeof data === 'string' ? Buffer.from(data, 'utf8') : data);

async function statOf(real: string, syscall: string, shown: string): Promise<StatData> {
  // lstat even for stat: `real` is already resolved, so this only differs if a link appeared
  // since authorize, and then it must not be followed.
  const st = await guarded(syscall, shown, () => lstatSync(real));
  return {
    size: st.size,
    mtimeMs: st.mtimeMs,
    isFile: st.isFile(),
    isDirectory: st.isDirectory(),
    isSymbolicLink: st.isSymbolicLink(),
  };
}

async function listNames(rules: Rules, g: FsGrant): Promise<string[]> {
  const names: string[] = [];
  let seen = 0;
  const dir = await guarded('scandir', g.shown, () => opendirSync(g.real, { bufferSize: 256 }));
  try {
    for (let entry = dir.readSync(); entry !== null; entry = dir.readSync()) {
      if (++seen > rules.maxEntries)
        throw fsError('E2BIG', 'scandir', g.shown, `over maxEntries ${rules.maxEntries}`);
      // Only what the script could read is listed: names are information too.
      const rel = g.rel === '' ? entry.name : `${g.rel}/${entry.name}`;
      const realRel = g.realRel === '' ? entry.name : `${g.realRel}/${entry.name}`;
      if (rules.read.match(rel) !== undefined && rules.read.match(realRel) !== undefined)
        names.push(entry.name);
    }
  } catch (e) {
    throw hostError(e, 'scandir', g.shown);
  } finally {
    try {
      dir.closeSync();
    } catch {
      // Already closed.
    }
  }
  return names.sort();
}

// ---------------------------------------------------------------------------------------------
// The plugin

function globIssues(config: FsConfig): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  for (const key of ['read', 'write'] as const) {
    config[key].forEach((glob, i) => {
      const problem = globProblem(glob);
      if (problem !== undefined)
        issues.push({ path: [key, i], message: `${JSON.stringify(glob)}: ${problem}` });
    });
  }
  return issues;
}

function rootIssues(root: string): ConfigIssue[] {
  try {
    return statSync(root).isDirectory()
      ? []
      : [{ path: ['root'], message: `root ${root} is not a directory` }];
  } catch {
    return [{ path: ['root'], message: `root ${root} does not exist` }];
  }
}

type Method<Args extends unknown[], Result> = CheckedMethod<Args, Result, FsGrant>;

export default definePlugin({
  name: 'fs',
  description:
    'Files under one root directory, as a subset of node:fs/promises (readFile, writeFile, appendFile, ' +
    'readdir, stat, lstat, exists, mkdir, rm). Paths are relative to the root; read and write globs decide, ' +
    'on the path as written and on its real path after symlinks; nothing outside the root is reachable. ' +
    'Globs do not match dotfiles unless they spell the dot. Writes are atomic and never follow symlinks.',
  config: Config,
  methods: {
    readFile: {
      description: "Read a file: a string with 'utf8', else a Uint8Array.",
      sideEffects: false,
      args: z.tuple([Path, ReadOptions]),
      returns: z.union([z.string(), z.instanceof(Uint8Array)]),
      signatures: [
        '(path: string, options: "utf8" | "utf-8" | { encoding: "utf8" | "utf-8" }): string',
        '(path: string, options?: { encoding?: null }): Uint8Array',
      ],
    },
    writeFile: {
      description: 'Create or replace a file atomically with a string (UTF-8) or bytes.',
      args: z.tuple([Path, Data, WriteOptions]),
      returns: z.void(),
    },
    appendFile: {
      description: 'Append a string (UTF-8) or bytes to a file, creating it if missing (atomic).',
      args: z.tuple([Path, Data, WriteOptions]),
      returns: z.void(),
    },
    readdir: {
      description: 'The sorted names in a directory that the read globs allow.',
      sideEffects: false,
      args: z.tuple([Path]),
      returns: z.array(z.string()),
    },
    stat: {
      description: 'size, mtimeMs, isFile(), isDirectory(), isSymbolicLink() of a path (symlinks followed).',
      sideEffects: false,
      args: z.tuple([Path]),
      returns: StatResult,
      present: presentStat,
      returnsType: STAT_TYPE,
    },
    lstat: {
      description: 'Like stat, but a symlink describes itself (its target is not followed).',
      sideEffects: false,
      args: z.tuple([Path]),
      returns: StatResult,
      present: presentStat,
      returnsType: STAT_TYPE,
    },
    exists: {
      description: 'Whether a path exists.',
      sideEffects: false,
      args: z.tuple([Path]),
      returns: z.boolean(),
    },
    mkdir: {
      description:
        'Create a directory; { recursive: true } creates missing parents and accepts an existing one.',
      args: z.tuple([
        Path,
        z.object({ recursive: z.boolean().optional() }).strict().optional().meta({ title: 'options' }),
      ]),
      returns: z.void(),
    },
    rm: {
      description:
        'Remove a file or symlink (never its target); { recursive: true } for a directory tree, { force: true } ignores a missing path.',
      args: z.tuple([
        Path,
        z
          .object({ recursive: z.boolean().optional(), force: z.boolean().optional() })
          .strict()
          .optional()
          .meta({ title: 'options' }),
      ]),
      returns: z.void(),
    },
  },
  check: (config, ctx) => [...rootIssues(ctx.resolvePath(config.root)), ...globIssues(config)],
  explain(config, ctx) {
    const root = ctx.resolvePath(config.root);
    const globs = (list: string[]) => list.map((g) => JSON.stringify(g)).join(', ');
    return [
      `may use files under ${root} only (symlinks are resolved; nothing outside it is reachable)`,
      config.read.length
        ? `may read, list and stat paths matching ${globs(config.read)}`
        : 'may not read any file',
      config.write.length
        ? `may create, replace and delete paths matching ${globs(config.write)} (never through a symlink)`
        : 'may not write any file',
      'dotfiles are reachable only through globs that spell the dot',
      `files up to ${config.maxFileBytes} bytes; at most ${config.maxEntries} entries per listing`,
    ];
  },
  create(config, ctx) {
    // POSIX semantics are assumed throughout: '/' is the only separator, '\' is a name character.
    if (path.sep !== '/') throw new Error('the fs plugin supports POSIX hosts only');
    // check() reports these when the policy loads; refuse here too rather than guess what was meant.
    for (const issue of globIssues(config)) {
      throw new TypeError(`fs: ${issue.path.join('.')}: ${issue.message}`);
    }
    const rules: Rules = Object.freeze({
      realRoot: {},
      root: ctx.resolvePath(config.root),
      read: globSet('read', config.read),
      write: globSet('write', config.write),
      maxFileBytes: config.maxFileBytes,
      maxEntries: config.maxEntries,
    });
    const read = (method: string, root = false): Ask => ({ access: 'read', follow: true, root, method });
    const write = (method: string): Ask => ({ access: 'write', follow: false, root: false, method });

    type ReadOpts = z.output<typeof ReadOptions>;
    type WriteOpts = z.output<typeof WriteOptions>;

    const readFile: Method<[string, ReadOpts?], string | Uint8Array<ArrayBuffer>> = {
      authorize: (p) => decide(rules, p, read('readFile')),
      async invoke(g, _p, options) {
        const bytes = await readBounded(g.real, rules.maxFileBytes, g.shown);
        const encoding = typeof options === 'object' ? options.encoding : options;
        return encoding
          ? Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8')
          : bytes;
      },
    };

    const writeFile: Method<[string, string | Uint8Array, WriteOpts?], void> = {
      async authorize(p, data) {
        return refuseSize(rules, data) ?? refuseLink(await decide(rules, p, write('writeFile')), 'writeFile');
      },
      invoke: (g, _p, data) => replaceFile(g.real, toBytes(data), g.shown),
    };

    const appendFile: Method<[string, string | Uint8Array, WriteOpts?], void> = {
      async authorize(p, data) {
        return (
          refuseSize(rules, data) ?? refuseLink(await decide(rules, p, write('appendFile')), 'appendFile')
        );
      },
      // Read, concatenate, replace: appending in place would write through a hard link.
      async invoke(g, _p, data) {
        const before = await readOrEmpty(g, rules.maxFileBytes);
        const added = toBytes(data);
        if (before.byteLength + added.byteLength > rules.maxFileBytes) {
          throw fsError(
            'EFBIG',
            'open',
            g.shown,
            `the result would be over maxFileBytes ${rules.maxFileBytes}`,
          );
        }
        const all = new Uint8Array(before.byteLength + added.byteLength);
        all.set(before, 0);
        all.set(added, before.byteLength);
        await replaceFile(g.real, all, g.shown);
      },
    };

    const readdirMethod: Method<[string], string[]> = {
      authorize: (p) => decide(rules, p, read('readdir', true)),
      invoke: (g) => listNames(rules, g),
    };

    const stat: Method<[string], StatData> = {
      authorize: (p) =>
        decide(rules, p, { access: 'read or write', follow: true, root: true, method: 'stat' }),
      invoke: (g) => statOf(g.real, 'stat', g.shown),
    };

    const lstatMethod: Method<[string], StatData> = {
      authorize: (p) =>
        decide(rules, p, { access: 'read or write', follow: false, root: true, method: 'lstat' }),
      invoke: (g) => statOf(g.real, 'lstat', g.shown),
    };

    const exists: Method<[string], boolean> = {
      authorize: (p) =>
        decide(rules, p, { access: 'read or write', follow: true, root: true, method: 'exists' }),
      invoke: async (g) => {
        try {
          lstatSync(g.real);
          return true;
        } catch (e) {
          const err = hostError(e, 'access', g.shown);
          if (err.code === 'ENOENT' || err.code === 'ENOTDIR') return false;
          throw err;
        }
      },
    };

    type MkdirOpts = { recursive?: boolean | undefined } | undefined;
    const mkdirMethod: Method<[string, MkdirOpts?], void> = {
      async authorize(p, options) {
        const d = refuseLink(await decide(rules, p, write('mkdir')), 'mkdir');
        return options?.recursive ? refuseCreatedAncestors(rules, d) : d;
      },
      async invoke(g, _p, options) {
        await guarded('mkdir', g.shown, () => mkdirSync(g.real, { recursive: options?.recursive === true }));
      },
    };

    type RmOpts = { recursive?: boolean | undefined; force?: boolean | undefined } | undefined;
    const rmMethod: Method<[string, RmOpts?], void> = {
      async authorize(p, options) {
        const d = await decide(rules, p, write('rm'));
        return options?.recursive ? refuseTree(rules, d) : d;
      },
      async invoke(g, _p, options) {
        // Recursive only if authorize checked this very tree; if a file became a directory since,
        // rm fails with EISDIR rather than deleting what nobody checked.
        const recursive = g.tree === true;
        // node's rm uses lstat: a symlink (even to a directory) is unlinked, its target untouched.
        await guarded('rm', g.shown, () => rmSync(g.real, { recursive, force: options?.force === true }));
      },
    };

    return {
      readFile,
      writeFile,
      appendFile,
      readdir: readdirMethod,
      stat,
      lstat: lstatMethod,
      exists,
      mkdir: mkdirMethod,
      rm: rmMethod,
    };
  },
});

/** The current content of a file about to be appended to; a file removed meanwhile is empty. */
async function readOrEmpty(g: FsGrant, max: number): Promise<Uint8Array> {
  try {
    return await readBounded(g.real, max, g.shown);
  } catch (e) {
    if (e instanceof PluginError && e.code === 'ENOENT') return new Uint8Array(0);
    throw e;
  }
}
