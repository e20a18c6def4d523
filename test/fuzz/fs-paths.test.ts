// Fuzzing fs path confinement (fast-check, seeded and reproducible) against a real temp-dir root
// full of real symlinks: out of the root (absolute, relative, `..`, chains), back into it, loops,
// dangling links whose target would be outside, and names that only look like separators or dots
// (full-width, NFC/NFD, percent-encoded, backslashes). Two properties:
//   1. The resolver (`normalize` + `resolve`) refuses with a stable rule, or yields a path that is
//      inside the root's real path, is itself real (what `realpath` says), and agrees with the OS.
//   2. The fs plugin's methods, called as the membrane calls them with random paths, end in a
//      value, a denial with a stable rule or an errno-coded error, and nothing outside the root
//      (or outside the write globs) is created, changed or removed.
import { Buffer } from 'node:buffer';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fsPlugin, { type FsGrant } from '../../plugins/fs/index.ts';
import { normalize, resolve } from '../../plugins/fs/paths.ts';
import { type CheckedMethod, type PluginContext, PluginError } from '../../src/plugin/index.ts';

const SEED = 20261123;
/** Random paths given to the resolver; each is resolved twice (following the last link and not). */
const RESOLVE_RUNS = 2000;
/** Random sequences of plugin calls, each on a freshly built root. */
const PLUGIN_RUNS = 500;
/** Calls per sequence, at most. */
const CALLS_PER_RUN = 6;

/** Rules a refusal may name: normalize and resolve, then the plugin's own decisions. */
const RESOLVER_RULES = ['path', 'root', 'symlink'];
const PLUGIN_RULES = [
  ...RESOLVER_RULES,
  'read',
  'write',
  'read/write',
  'mkdir',
  'maxFileBytes',
  'maxEntries',
];
/** Errno codes an invoke may fail with (node's names, as the plugin maps them; never UNKNOWN). */
const ERRNO = /^E[A-Z0-9]+$/;

const SECRET = `TOP-SECRET-${process.pid}`;

let base: string; // the temp dir: holds root/, outside/ and a canary beside them
let realBase: string;
let root: string;
let realRoot: string;

// -------------------------------------------------------------------------------------------
// The fixture

/**
 * Build (or rebuild) the root. `unsafe` adds a link to `/`: fine for the resolver, which never
 * acts, but left out where the plugin may write or delete, so that a bug cannot reach past `base`.
 */
function buildRoot(unsafe: boolean): void {
  fs.rmSync(root, { recursive: true, force: true });
  const at = (p: string) => path.join(root, p);
  for (const d of ['sub/deep', 'out/inner', 'caf\u00e9', '\uff0e\uff0e', '%2e%2e', 'a\\b']) {
    fs.mkdirSync(at(d), { recursive: true });
  }
  fs.writeFileSync(at('data.txt'), 'data');
  fs.writeFileSync(at('sub/deep/f.txt'), 'deep');
  fs.writeFileSync(at('out/keep.txt'), 'keep');
  fs.writeFileSync(at('..\\x'), 'backslash name');
  const links: [target: string, name: string][] = [
    // Out of the root.
    [path.join(base, 'outside'), 'to-outside'],
    ['../outside', 'to-outside-rel'],
    [path.join(base, 'outside', 'secret.txt'), 'sub/to-secret'],
    ['..', 'up'],
    ['../..', 'sub/up2'],
    ['../../..', 'sub/deep/up3'],
    ['chain2', 'chain1'],
    ['chain3', 'chain2'],
    ['up', 'chain3'],
    ['../../outside', 'out/link-out'],
    ['cafe\u0301', 'nfd-chain'],
    [path.join(base, 'outside'), 'cafe\u0301'], // the NFD spelling leads out, the NFC one is a directory
    ['\uff0e\uff0e/../..', 'fullwidth-up'], // the full-width name is a directory; the `..` after it climbs
    // Dangling, with a target that would be outside.
    [path.join(base, 'outside', 'missing', 'deeper'), 'dangling-out'],
    ['../outside/missing.txt', 'out/dangling-out-file'],
    ['up/nowhere', 'dangling-via-up'],
    // Loops.
    ['loop-b', 'loop-a'],
    ['loop-a', 'loop-b'],
    ['self', 'self'],
    // Inside, or out and back in.
    ['data.txt', 'to-data'],
    ['to-data', 'to-data-chain'],
    ['sub', 'to-sub'],
    ['.', 'to-root'],
    ['../root', 'up-and-back'],
    ['../data.txt', 'out/link-data'],
    ['missing-inside', 'dangling-in'],
  ];
  if (unsafe) links.push(['/', 'slash']);
  for (const [target, name] of links) fs.symlinkSync(target, at(name));
  // A hard link to a file outside: writes must replace it, never write through it.
  fs.linkSync(path.join(base, 'outside', 'hard.txt'), at('out/hard'));
}

// Every name the fixture uses, so random paths walk through it rather than around it.
const FIXTURE_NAMES = [
  'sub',
  'deep',
  'f.txt',
  'out',
  'inner',
  'keep.txt',
  'data.txt',
  'caf\u00e9',
  'cafe\u0301',
  '\uff0e\uff0e',
  '%2e%2e',
  'a\\b',
  '..\\x',
  'to-outside',
  'to-outside-rel',
  'to-secret',
  'up',
  'up2',
  'up3',
  'chain1',
  'chain2',
  'chain3',
  'link-out',
  'nfd-chain',
  'fullwidth-up',
  'dangling-out',
  'dangling-out-file',
  'dangling-via-up',
  'loop-a',
  'loop-b',
  'self',
  'to-data',
  'to-data-chain',
  'to-sub',
  'to-root',
  'up-and-back',
  'link-data',
  'dangling-in',
  'hard',
  'slash',
  // Names outside the root, reachable only through a link or a climb.
  'root',
  'outside',
  'secret.txt',
  'hard.txt',
  'canary.txt',
];

// Segments that are, or look like, traversal and separators in some reading.
const HOSTILE_SEGMENTS = [
  '..',
  '.',
  '',
  '...',
  '\uff0e\uff0e', // full-width full stops
  '\uff0e',
  '\u2024\u2024', // one dot leader
  '\u2025', // two dot leader
  '\ufe52\ufe52', // small full stop
  '%2e%2e',
  '%2E%2E',
  '%2e',
  '..%2f',
  '%2f..',
  '..%5c',
  '%252e%252e',
  '..%00',
  '..\\',
  '\\..',
  '..\\..\\outside',
  '\\',
  '\0',
  'a\0b',
  '..\0',
  '\uff0f', // full-width solidus
  '\u2215', // division slash
  '\u2044', // fraction slash
  '..\uff0f..',
  '..\u2215..',
  '.\u0338.', // combining long solidus overlay
  '..\u0301', // combining acute on a dot
  '\u202eevil', // right-to-left override
  '\u200f..', // right-to-left mark
  '..\u200b', // zero-width space
  '\u05d0\u05d1', // Hebrew (RTL)
  ' ..',
  '.. ',
  '..\n',
  '~',
  '$HOME',
  'x'.repeat(255), // NAME_MAX
  'x'.repeat(256),
  'é'.repeat(128), // 256 bytes in UTF-8
  'y'.repeat(1000),
];

const unicodeForm = fc.constantFrom('none', 'NFC', 'NFD', 'NFKC', 'NFKD');
const segment = fc
  .tuple(
    fc.oneof(
      { weight: 6, arbitrary: fc.constantFrom(...FIXTURE_NAMES) },
      { weight: 5, arbitrary: fc.constantFrom(...HOSTILE_SEGMENTS) },
      { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 6 }) },
      { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 6 }) },
      {
        weight: 1,
        arbitrary: fc.string({
          unit: fc.constantFrom('.', '/', '\\', '%', '2', 'e', 'f', '\uff0e', '\u0301', '\0'),
          maxLength: 6,
        }),
      },
    ),
    unicodeForm,
  )
  .map(([s, form]) => (form === 'none' ? s : s.normalize(form)));
const separator = fc.constantFrom('/', '/', '/', '/', '//', '/./', '\\', '\uff0f', '\u2215');
const relativePath = fc
  .tuple(fc.array(fc.tuple(segment, separator), { maxLength: 8 }), fc.boolean())
  .map(([parts, trailing]) => {
    const text = parts.map(([s, sep]) => s + sep).join('');
    const last = parts.at(-1);
    return trailing || last === undefined ? text : text.slice(0, text.length - last[1].length);
  });
// Paths that exist in the fixture, or go through one of its links to something that exists, with
// a random tail: these reach the interesting cases (a hard link, a link out) often enough.
const FIXTURE_PATHS = [
  'data.txt',
  'sub',
  'sub/deep',
  'sub/deep/f.txt',
  'out',
  'out/inner',
  'out/keep.txt',
  'out/hard',
  'out/link-out',
  'out/link-out/secret.txt',
  'out/link-data',
  'out/dangling-out-file',
  'to-outside',
  'to-outside/secret.txt',
  'to-outside-rel/hard.txt',
  'to-outside-rel/deeper',
  'sub/to-secret',
  'up',
  'up/canary.txt',
  'up/outside/secret.txt',
  'sub/up2/canary.txt',
  'sub/deep/up3',
  'chain1',
  'chain1/outside',
  'nfd-chain/secret.txt',
  'cafe\u0301/hard.txt',
  'caf\u00e9',
  'fullwidth-up/canary.txt',
  'dangling-out',
  'dangling-via-up',
  'dangling-in',
  'loop-a',
  'self',
  'to-data',
  'to-data-chain',
  'to-sub/deep/f.txt',
  'to-root/out/hard',
  'up-and-back/out/hard',
  'up-and-back/data.txt',
  '\uff0e\uff0e',
  '%2e%2e',
  'a\\b',
  '..\\x',
];
const fixturePath = fc
  .tuple(
    fc.constantFrom(...FIXTURE_PATHS),
    fc.array(fc.constantFrom('new', 'x.txt', '..', '.', '', 'deeper'), { maxLength: 2 }),
  )
  .map(([p, tail]) => [p, ...tail].join('/'));

// `base` is known only once the fixture exists; `map` runs at generation time, after beforeAll.
const hostPath = fc.constantFrom(
  () => base,
  () => realBase,
  () => root,
  () => path.join(base, 'outside'),
);
const anyPath = fc.oneof(
  { weight: 6, arbitrary: relativePath },
  { weight: 6, arbitrary: fixturePath },
  { weight: 1, arbitrary: relativePath.map((p) => `/${p}`) },
  { weight: 1, arbitrary: fc.tuple(hostPath, relativePath).map(([h, p]) => `${h()}/${p}`) },
  // Host paths written without their leading slash are ordinary relative names.
  { weight: 1, arbitrary: fc.tuple(hostPath, relativePath).map(([h, p]) => `${h().slice(1)}/${p}`) },
  // Longer than PATH_MAX.
  {
    weight: 1,
    arbitrary: fc
      .array(fc.constantFrom('x'.repeat(200), 'sub', '..', 'to-sub'), { minLength: 10, maxLength: 30 })
      .map((parts) => parts.join('/')),
  },
);

// -------------------------------------------------------------------------------------------
// Checks

/** The path the OS reaches for `p`: real directories down to the deepest existing one, then names. */
function landing(p: string): string {
  const rest: string[] = [];
  let at = p;
  for (;;) {
    try {
      fs.lstatSync(at);
      break;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw e;
      rest.unshift(path.basename(at));
      at = path.dirname(at);
    }
  }
  // Throws (ELOOP, ENOENT on a dangling link) if the resolver let through what realpath cannot.
  return path.join(fs.realpathSync(at), ...rest);
}

const insideRoot = (p: string) => p === realRoot || p.startsWith(`${realRoot}${path.sep}`);

/** Messages name only what the script wrote, never a host path it did not write. */
function expectNoHostPath(input: string, message: string): void {
  for (const host of [base, realBase]) {
    if (!input.includes(host)) expect(message, input).not.toContain(host);
  }
}

async function checkResolve(input: string): Promise<void> {
  const lexical = normalize(input);
  if (!lexical.ok) {
    expect(RESOLVER_RULES, input).toContain(lexical.rule);
    expectNoHostPath(input, lexical.reason);
    return;
  }
  const segments = lexical.rel === '' ? [] : lexical.rel.split('/');
  expect(lexical.rel.startsWith('/'), input).toBe(false);
  expect(
    segments.filter((s) => s === '' || s === '.' || s === '..'),
    input,
  ).toEqual([]);

  for (const follow of [true, false]) {
    const resolved = await resolve(root, lexical.rel, follow);
    // What the OS makes of the same relative path, for comparison (no `..` is left in it).
    let osReal: string | undefined;
    try {
      osReal = fs.realpathSync(path.join(realRoot, lexical.rel));
    } catch {
      osReal = undefined;
    }
    const what = `${JSON.stringify(input)} (follow: ${follow})`;
    if (!resolved.ok) {
      expect(RESOLVER_RULES, what).toContain(resolved.rule);
      expectNoHostPath(input, resolved.reason);
      // Refusing an existing path whose real path is inside is needless, except that without
      // following a final link may still lead out through an earlier one.
      if (follow && osReal !== undefined)
        expect(insideRoot(osReal), `${what} refused needlessly`).toBe(false);
      continue;
    }
    const t = resolved.target;
    expect(path.isAbsolute(t.real), what).toBe(true);
    expect(path.normalize(t.real), what).toBe(t.real);
    expect(insideRoot(t.real), `${what} -> ${t.real}`).toBe(true);
    expect(t.realRel, what).toBe(path.relative(realRoot, t.real));
    // Where the OS would act: the path itself when following, else its parent and then the name.
    const landed = follow
      ? landing(t.real)
      : t.real === realRoot
        ? realRoot
        : path.join(landing(path.dirname(t.real)), path.basename(t.real));
    expect(insideRoot(landed), `${what} lands at ${landed}`).toBe(true);
    // The path the caller acts on is already real: checked string and used string are one.
    expect(landed, what).toBe(t.real);
    if (follow && osReal !== undefined) expect(t.real, what).toBe(osReal);
  }
}

// -------------------------------------------------------------------------------------------
// The plugin, called as the membrane calls it (see test/plugins-fs.test.ts)

type Impl = ReturnType<typeof fsPlugin.create>;
type MethodName = keyof typeof fsPlugin.methods;
type Checked = CheckedMethod<unknown[], unknown, FsGrant>;

function make(config: Record<string, unknown>): Impl {
  const ctx: PluginContext = {
    capability: 'fs',
    task: 'fuzz',
    policyDir: base,
    resolvePath: (p: string) => path.resolve(base, p),
    log() {},
    scratch: () => Promise.reject(new Error('the fs plugin has no use for scratch space')),
    secrets: {},
  };
  return fsPlugin.create(fsPlugin.config.parse({ root: 'root', ...config }), ctx);
}

/** One call: 'ok', 'invalid' (the schema refused), 'denied:<rule>' or the error's code. */
async function call(impl: Impl, name: MethodName, args: unknown[]): Promise<string> {
  const parsed = fsPlugin.methods[name].args.safeParse(args);
  if (!parsed.success) return 'invalid';
  const method = impl[name] as unknown as Checked;
  const input = args[0] as string;
  const decision = await method.authorize(...(parsed.data as unknown[]));
  if (!decision.allow) {
    expectNoHostPath(input, decision.reason);
    return `denied:${decision.rule}`;
  }
  try {
    const result = await method.invoke(decision.grant, ...(parsed.data as unknown[]));
    if (typeof result === 'string') expect(result).not.toContain(SECRET);
    if (result instanceof Uint8Array) expect(Buffer.from(result).toString('latin1')).not.toContain(SECRET);
    return 'ok';
  } catch (e) {
    // A PluginError with an errno code; anything else is a crash of another kind.
    expect(e, `${name}(${JSON.stringify(args)})`).toBeInstanceOf(PluginError);
    const err = e as PluginError;
    expectNoHostPath(input, err.message);
    return err.code;
  }
}

const data = fc.oneof(fc.string({ maxLength: 4 }), fc.uint8Array({ maxLength: 4 }));
const pluginCall = fc.oneof(
  fc.tuple(fc.constant<MethodName>('writeFile'), anyPath, data).map(([m, p, d]) => [m, [p, d]] as const),
  fc.tuple(fc.constant<MethodName>('appendFile'), anyPath, data).map(([m, p, d]) => [m, [p, d]] as const),
  fc
    .tuple(fc.constant<MethodName>('mkdir'), anyPath, fc.constantFrom(undefined, { recursive: true }))
    .map(([m, p, o]) => [m, o === undefined ? [p] : [p, o]] as const),
  fc
    .tuple(
      fc.constant<MethodName>('rm'),
      anyPath,
      fc.constantFrom(undefined, { recursive: true }, { force: true }, { recursive: true, force: true }),
    )
    .map(([m, p, o]) => [m, o === undefined ? [p] : [p, o]] as const),
  fc
    .tuple(fc.constantFrom<MethodName>('readFile', 'readdir', 'stat', 'lstat', 'exists'), anyPath)
    .map(([m, p]) => [m, [p]] as const),
);

/**
 * Every entry under `dir` (not following links) with what it is: file content, link target,
 * or 'dir'. Entries for which `skip` holds are left out, with everything below them.
 */
function snapshot(dir: string, skip: (full: string) => boolean): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (at: string) => {
    for (const e of fs.readdirSync(at, { withFileTypes: true })) {
      const full = path.join(at, e.name);
      if (skip(full)) continue;
      const rel = path.relative(dir, full);
      if (e.isSymbolicLink()) out[rel] = `link:${fs.readlinkSync(full)}`;
      else if (e.isDirectory()) {
        out[rel] = 'dir';
        walk(full);
      } else out[rel] = `file:${fs.readFileSync(full, 'latin1')}`;
    }
  };
  walk(dir);
  return out;
}

/** No temp file of an atomic write outlives its call, anywhere under `dir`. */
function strayTempFiles(dir: string): string[] {
  // Not readdirSync's `recursive`, which descends into links to directories (and so loops).
  return Object.keys(snapshot(dir, () => false)).filter((p) => path.basename(p).startsWith('.sesame-tmp-'));
}

// -------------------------------------------------------------------------------------------

beforeAll(() => {
  base = fs.mkdtempSync(path.join(os.tmpdir(), 'sesame-fuzz-fs-'));
  realBase = fs.realpathSync(base);
  root = path.join(base, 'root');
  fs.mkdirSync(path.join(base, 'outside', 'deeper'), { recursive: true });
  fs.writeFileSync(path.join(base, 'outside', 'secret.txt'), SECRET);
  fs.writeFileSync(path.join(base, 'outside', 'hard.txt'), SECRET);
  fs.writeFileSync(path.join(base, 'canary.txt'), SECRET);
  fs.mkdirSync(root);
  realRoot = fs.realpathSync(root);
});

afterAll(() => {
  fs.rmSync(base, { recursive: true, force: true });
});

describe('fs path fuzzing', () => {
  it('the resolver refuses with a stable rule or yields a real path inside the root', async () => {
    buildRoot(true);
    const seen = new Set<string>();
    await fc.assert(
      fc.asyncProperty(anyPath, async (input) => {
        await checkResolve(input);
        const lexical = normalize(input);
        seen.add(lexical.ok ? 'lexical ok' : `lexical ${lexical.rule}`);
        if (lexical.ok) {
          const r = await resolve(root, lexical.rel, true);
          seen.add(r.ok ? `resolved ${r.target.kind}` : `refused ${r.rule}`);
        }
      }),
      { seed: SEED, numRuns: RESOLVE_RUNS },
    );
    // The generator reaches every outcome, not only the easy refusals.
    for (const outcome of [
      'lexical path',
      'lexical root',
      'refused root',
      'refused symlink',
      'resolved file',
      'resolved directory',
      'resolved missing',
    ]) {
      expect(seen, outcome).toContain(outcome);
    }
  });

  it('plugin calls with random paths touch nothing outside the root or the write globs', async () => {
    const outcomes = new Set<string>();
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('everything', 'out only'),
        fc.array(pluginCall, { minLength: 1, maxLength: CALLS_PER_RUN }),
        async (grant, calls) => {
          buildRoot(false);
          const impl = make(
            grant === 'everything'
              ? { read: ['**'], write: ['**'] }
              : { read: ['**'], write: ['out/**'], maxEntries: 50 },
          );
          // With write: ["out/**"] nothing but root/out may change; otherwise nothing but root/.
          const writable = grant === 'everything' ? root : path.join(root, 'out');
          const skip = (full: string) => full === writable;
          const before = snapshot(base, skip);
          for (const [name, args] of calls) {
            const code = await call(impl, name, [...args]);
            const known =
              code === 'ok' ||
              code === 'invalid' ||
              (code.startsWith('denied:') ? PLUGIN_RULES.includes(code.slice(7)) : ERRNO.test(code));
            expect(known, `${name}(${JSON.stringify(args)}) -> ${code}`).toBe(true);
            outcomes.add(code.startsWith('denied:') ? code : code === 'ok' ? `${name} ok` : code);
          }
          expect(snapshot(base, skip), JSON.stringify(calls)).toEqual(before);
          expect(strayTempFiles(base), JSON.stringify(calls)).toEqual([]);
        },
      ),
      { seed: SEED, numRuns: PLUGIN_RUNS },
    );
    for (const outcome of [
      'writeFile ok',
      'mkdir ok',
      'rm ok',
      'denied:path',
      'denied:root',
      'denied:symlink',
      'denied:write',
      'ENOENT',
    ]) {
      expect(outcomes, outcome).toContain(outcome);
    }
    // The canary beside the root is as it was.
    expect(fs.readFileSync(path.join(base, 'canary.txt'), 'utf8')).toBe(SECRET);
  });
});
