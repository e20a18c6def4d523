// Confinement for the fs plugin: from a path the script wrote to a real file under the root.
//
// Three steps, each narrowing what the next may see:
//   1. `normalize`: lexical only. Refuses absolute paths, NUL bytes and any `..` that climbs above
//      the root, and removes `.`, `..` and empty segments, so the OS never sees a `..` (a `..`
//      after a symlink would climb from the link's target, not from where the script thinks).
//   2. `resolve`: asks the file system. The deepest existing ancestor is resolved with `realpath`
//      and must stay inside `realpath(root)`; what does not exist yet is appended as plain names.
//   3. `GlobSet.match`: policy. Callers match both the requested and the real relative path.
// The caller acts on `Target.real` and nothing else, so the string that was checked is the string
// that is used. Percent-encoding, backslashes and look-alike dots are ordinary name characters on
// POSIX: they are neither decoded nor treated as separators, and so cannot climb out.
// Synchronous calls on purpose: the sandbox runs one script at a time on its main thread, and each
// promise-based call is a round trip through libuv's thread pool (tens of microseconds each here,
// a dozen per readFile). The run's deadline is kept by the supervisor, so a slow disk still ends.
import { lstatSync, realpathSync } from 'node:fs';
import path from 'node:path';
import picomatch from 'picomatch';

/** The longest path a script may pass (Linux PATH_MAX). */
export const MAX_PATH_LENGTH = 4096;

/** A refusal: `reason` is for the script and the audit log, `rule` names what decided. */
export interface Refusal {
  ok: false;
  reason: string;
  rule: string;
}

const refuse = (reason: string, rule: string): Refusal => ({ ok: false, reason, rule });

/** A path as the script wrote it, quoted for messages (bounded, control characters escaped). */
export function quote(p: string): string {
  return JSON.stringify(p.length > 200 ? `${p.slice(0, 200)}...` : p);
}

/**
 * Normalise a script's path without touching the file system. `rel` is '/'-joined segments with
 * no '', '.' or '..'; '' is the root itself.
 */
export function normalize(input: string): { ok: true; rel: string } | Refusal {
  if (input === '') return refuse('the path is empty (use "." for the root)', 'path');
  if (input.includes('\0')) return refuse('the path contains a NUL byte', 'path');
  // Not echoed: an absolute path may be a host path, and messages must not carry host paths.
  if (input.startsWith('/'))
    return refuse('absolute paths are not allowed; paths are relative to the root', 'path');
  const segments: string[] = [];
  for (const segment of input.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment !== '..') segments.push(segment);
    // Climbing above the root is refused even when a later segment would come back: the script
    // has no business naming the root's own name or its parent.
    else if (segments.pop() === undefined) return refuse(`path ${quote(input)} leaves the root`, 'root');
  }
  return { ok: true, rel: segments.join('/') };
}

/** What is at a resolved path (never following a symlink in the last step). */
export type Kind = 'file' | 'directory' | 'symlink' | 'other' | 'missing';

export interface Target {
  /** The normalised requested path ('' for the root). */
  rel: string;
  /** The absolute path to act on: real directories all the way down, then names that do not exist yet. */
  real: string;
  /** `real` relative to the real root, '/'-separated ('' for the root). */
  realRel: string;
  /** How many trailing segments of `real` do not exist (0: the path exists). */
  missing: number;
  kind: Kind;
}

/** `child` is `root` or lies under it. Both are real absolute paths. */
export function isInside(root: string, child: string): boolean {
  if (child === root) return true;
  return child.startsWith(root.endsWith('/') ? root : `${root}/`);
}

const errnoOf = (e: unknown): string | undefined =>
  typeof e === 'object' && e !== null && 'code' in e && typeof e.code === 'string' ? e.code : undefined;

/** Errors that mean "this ancestor does not exist (as a directory)": keep walking up. */
const NOT_THERE = new Set(['ENOENT', 'ENOTDIR']);

async function kindOf(p: string): Promise<Kind> {
  try {
    const st = lstatSync(p);
    if (st.isSymbolicLink()) return 'symlink';
    if (st.isDirectory()) return 'directory';
    return st.isFile() ? 'file' : 'other';
  } catch (e) {
    if (NOT_THERE.has(errnoOf(e) ?? '')) return 'missing';
    throw e;
  }
}

/**
 * Resolve a normalised path under `root` (absolute, as configured). With `followFinal` the last
 * segment is resolved too (read, stat, readdir); without it the last segment is kept as a name so
 * the caller sees a symlink as a symlink (write, mkdir, rm, lstat).
 */
export async function resolve(
  root: string,
  rel: string,
  followFinal: boolean,
  /** The root's real path, kept for the run: where the root lies does not change mid-run. */
  realRootCache: { value?: string } = {},
): Promise<{ ok: true; target: Target } | Refusal> {
  let realRoot: string;
  try {
    realRoot = realRootCache.value ??= realpathSync.native(root);
  } catch {
    return refuse('the root directory does not exist', 'root');
  }
  const segments = rel === '' ? [] : rel.split('/');
  const last = followFinal ? undefined : segments.pop();

  // The deepest ancestor that exists, resolved. The root exists, so the walk ends by i = 0.
  let base: string | undefined;
  let i = segments.length;
  for (; i >= 0; i--) {
    try {
      base = realpathSync.native(path.join(realRoot, ...segments.slice(0, i)));
      break;
    } catch (e) {
      const code = errnoOf(e);
      if (code !== undefined && NOT_THERE.has(code)) continue;
      return refuse(`path ${quote(rel)} cannot be resolved (${code ?? 'error'})`, 'symlink');
    }
  }
  if (base === undefined) return refuse('the root directory does not exist', 'root');
  if (!isInside(realRoot, base))
    return refuse(`path ${quote(rel)} resolves through a symlink to outside the root`, 'root');

  const tail = segments.slice(i);
  const names = last === undefined ? tail : [...tail, last];
  const real = path.join(base, ...names);
  const baseRel = base === realRoot ? '' : base.slice(realRoot.length + (realRoot.endsWith('/') ? 0 : 1));
  const realRel = [baseRel, ...names].filter((s) => s !== '').join('/');
  try {
    // realpath fails on a dangling symlink too. Its target is unknown, so nothing may be decided
    // about a path that goes through it (or, when following, ends at it).
    const first = tail[0];
    if (first !== undefined && (await kindOf(path.join(base, first))) === 'symlink') {
      return refuse(`path ${quote(rel)} goes through a symlink whose target does not exist`, 'symlink');
    }
    // Only when the whole parent exists is there anything at `real` to look at.
    const kind = tail.length === 0 ? await kindOf(real) : 'missing';
    const missing = tail.length + (kind === 'missing' && last !== undefined ? 1 : 0);
    return { ok: true, target: { rel, real, realRel, missing, kind } };
  } catch (e) {
    return refuse(`path ${quote(rel)} cannot be resolved (${errnoOf(e) ?? 'error'})`, 'symlink');
  }
}

// Glob options: `dot: false` so `**` skips dotfiles (only globs that spell a dot reach them);
// `windows: false` so a backslash is never a separator; no negation and no extglobs, whose
// `!(...)` forms would match dotfiles and turn an allow list into "everything but".
const GLOB_OPTIONS = { dot: false, windows: false, nonegate: true, noextglob: true } as const;

/** Why a glob from the policy is unusable, or undefined if it is fine. */
export function globProblem(glob: string): string | undefined {
  if (glob === '') return 'the glob is empty';
  if (glob.includes('\0')) return 'the glob contains a NUL byte';
  if (glob.startsWith('/')) return 'the glob is absolute; globs are relative to the root';
  if (glob.split('/').includes('..')) return 'the glob contains ".."; globs cannot reach outside the root';
  if (glob.startsWith('!')) return 'negated globs are not supported; list what is allowed';
  return undefined;
}

export interface GlobSet {
  readonly kind: 'read' | 'write';
  readonly globs: readonly string[];
  /** The first glob that matches a normalised relative path, if any. */
  match(rel: string): string | undefined;
}

// Compiling globs costs ~60 us a capability, and a capability is made for every run: compiled sets
// are kept (they are frozen, pure functions of their globs), a bounded number of them.
const compiledSets = new Map<string, GlobSet>();
const MAX_COMPILED_SETS = 256;

export function globSet(kind: 'read' | 'write', globs: readonly string[]): GlobSet {
  const key = `${kind}\0${globs.join('\0')}`;
  let set = compiledSets.get(key);
  if (set === undefined) {
    if (compiledSets.size >= MAX_COMPILED_SETS)
      compiledSets.delete(compiledSets.keys().next().value as string);
    set = compileGlobSet(kind, globs);
    compiledSets.set(key, set);
  }
  return set;
}

function compileGlobSet(kind: 'read' | 'write', globs: readonly string[]): GlobSet {
  const compiled = globs.map((glob) => ({
    glob,
    test: picomatch(glob, GLOB_OPTIONS),
    // The root has no name to match. A glob with no fixed leading directory (`**`, `*.md`) lists
    // its matches in the root, so it grants the root; `out/**` grants `out` but not the root.
    root: picomatch.scan(glob, GLOB_OPTIONS).base === '',
  }));
  return Object.freeze({
    kind,
    globs: Object.freeze([...globs]),
    match: (rel: string) => compiled.find((g) => (rel === '' ? g.root : g.test(rel)))?.glob,
  });
}
