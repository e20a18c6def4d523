// The fs plugin, called directly the way the membrane calls it: arguments parsed by the method's
// schema, then authorize, then invoke with the grant. Real temp directories and real symlinks;
// every confinement test also checks the real files outside the root did not change.
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import fsPlugin, { type FsGrant } from '../plugins/fs/index.ts';
import type { CheckedMethod, PluginContext } from '../src/plugin/index.ts';

type Impl = ReturnType<typeof fsPlugin.create>;
type MethodName = keyof typeof fsPlugin.methods;
type Checked = CheckedMethod<unknown[], unknown, FsGrant>;

/** What the membrane would throw for a denial. */
class Denied extends Error {
  readonly code = 'E_DENIED';
  constructor(
    readonly reason: string,
    readonly rule: string | undefined,
  ) {
    super(reason);
  }
}

// Every message a call produced, checked at the end for host paths. Calls whose own arguments
// name a host path are left out: echoing the script's own string back leaks nothing.
const messages: string[] = [];
const hostPaths = new Set<string>();
const namesHostPath = (args: unknown[]) =>
  args.some((a) => typeof a === 'string' && [...hostPaths].some((h) => a.includes(h)));
const record = (args: unknown[], message: string) => {
  if (!namesHostPath(args)) messages.push(message);
};

let base: string; // the temp dir: policy dir, holds root/ and the things outside it
let root: string;
let outside: string;
const canaryInTmp = path.join(os.tmpdir(), `sesame-fs-canary-${process.pid}-${Date.now()}`);

function ctxFor(policyDir: string): PluginContext {
  return {
    capability: 'fs',
    task: 't',
    policyDir,
    resolvePath: (p: string) => path.resolve(policyDir, p),
    log() {},
  };
}

function make(config: Record<string, unknown>): Impl {
  return fsPlugin.create(fsPlugin.config.parse({ root: 'root', ...config }), ctxFor(base));
}

async function authorize(impl: Impl, name: MethodName, ...args: unknown[]) {
  const parsed = fsPlugin.methods[name].args.parse(args) as unknown[];
  const method = impl[name] as unknown as Checked;
  const decision = await method.authorize(...parsed);
  if (!decision.allow) record(args, decision.reason);
  return { decision, parsed, method };
}

/** authorize + invoke, as the membrane does; a denial throws Denied. */
async function call(impl: Impl, name: MethodName, ...args: unknown[]): Promise<unknown> {
  const { decision, parsed, method } = await authorize(impl, name, ...args);
  if (!decision.allow) throw new Denied(decision.reason, decision.rule);
  try {
    const result = await method.invoke(decision.grant, ...parsed);
    const present = fsPlugin.methods[name] as { present?: (r: unknown) => unknown };
    return present.present ? present.present(result) : result;
  } catch (e) {
    record(args, String((e as Error).message));
    throw e;
  }
}

async function denied(p: Promise<unknown>, rule?: string): Promise<Denied> {
  const e = await p.then(
    (v) => {
      throw new Error(`expected a denial, got ${JSON.stringify(v)}`);
    },
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(Denied);
  if (rule !== undefined) expect((e as Denied).rule).toBe(rule);
  return e as Denied;
}

async function fails(p: Promise<unknown>, code: string): Promise<Error & { code: string }> {
  const e = await p.then(
    (v) => {
      throw new Error(`expected ${code}, got ${JSON.stringify(v)}`);
    },
    (err: unknown) => err as Error & { code: string },
  );
  expect(e).not.toBeInstanceOf(Denied);
  expect(e.code).toBe(code);
  return e;
}

/** Every file and link outside the root, with content, so a test can show nothing changed. */
async function snapshotOutside(): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  async function walk(dir: string): Promise<void> {
    for (const e of await fs.readdir(dir, { withFileTypes: true })) {
      const full = path.join(dir, e.name);
      if (full === root) continue;
      const rel = path.relative(base, full);
      if (e.isSymbolicLink()) out[rel] = `link:${await fs.readlink(full)}`;
      else if (e.isDirectory()) {
        out[rel] = 'dir';
        await walk(full);
      } else out[rel] = await fs.readFile(full, 'utf8');
    }
  }
  await walk(base);
  return out;
}

beforeEach(async () => {
  base = await fs.mkdtemp(path.join(os.tmpdir(), 'sesame-fs-test-'));
  hostPaths.add(base).add(await fs.realpath(base));
  root = path.join(base, 'root');
  outside = path.join(base, 'outside');
  await fs.mkdir(path.join(outside, 'canary'), { recursive: true });
  await fs.writeFile(path.join(outside, 'secret.txt'), 'TOP-SECRET');
  await fs.writeFile(path.join(outside, 'hard.txt'), 'outside hard link');
  await fs.writeFile(path.join(base, 'victim.txt'), 'victim');
  await fs.mkdir(path.join(root, 'sub'), { recursive: true });
  await fs.mkdir(path.join(root, 'out'));
  await fs.writeFile(path.join(root, 'data.txt'), 'hello data');
  await fs.writeFile(path.join(root, 'config.json'), '{"a":1}');
  await fs.writeFile(path.join(root, 'sub', 'nested.txt'), 'nested');
  await fs.writeFile(path.join(root, '.env'), 'ENV-SECRET');
  await fs.writeFile(path.join(root, 'out', 'keep.txt'), 'keep');
  // Links out of the root, as a checked-out repository may contain them.
  await fs.symlink(path.join(outside, 'secret.txt'), path.join(root, 'link-secret.txt'));
  await fs.symlink(outside, path.join(root, 'link-secret-dir'));
  await fs.symlink('..', path.join(root, 'link-up'));
  await fs.symlink('/', path.join(root, 'link-slash'));
  await fs.symlink('link-chain2', path.join(root, 'link-chain'));
  await fs.symlink('link-up', path.join(root, 'link-chain2'));
  await fs.symlink(path.join(outside, 'canary'), path.join(root, 'out', 'link-canary-dir'));
  await fs.symlink(path.join(outside, 'canary', 'dangling'), path.join(root, 'out', 'link-canary-file'));
  await fs.symlink(path.join(outside, 'nowhere'), path.join(root, 'out', 'link-dangling-dir'));
  // Links that stay inside.
  await fs.symlink('data.txt', path.join(root, 'link-data'));
  await fs.symlink('link-data', path.join(root, 'link-data-chain'));
  await fs.symlink('sub', path.join(root, 'link-sub'));
  await fs.symlink('../.env', path.join(root, 'sub', 'link-env'));
  await fs.symlink('../data.txt', path.join(root, 'out', 'link-to-data'));
  await fs.link(path.join(outside, 'hard.txt'), path.join(root, 'out', 'hard'));
});

afterEach(async () => {
  await fs.rm(base, { recursive: true, force: true });
  expect(existsSync(canaryInTmp)).toBe(false);
});

afterAll(() => {
  expect(messages.length).toBeGreaterThan(50);
  for (const m of messages) for (const host of hostPaths) expect(m).not.toContain(host);
});

describe('fs plugin: the methods work', () => {
  it('reads text and bytes', async () => {
    const impl = make({ read: ['**'] });
    expect(await call(impl, 'readFile', 'data.txt', 'utf8')).toBe('hello data');
    expect(await call(impl, 'readFile', './sub/../data.txt', { encoding: 'utf-8' })).toBe('hello data');
    const bytes = await call(impl, 'readFile', 'sub/nested.txt');
    expect(bytes).toBeInstanceOf(Uint8Array);
    expect(Buffer.from(bytes as Uint8Array).toString()).toBe('nested');
    expect(await call(impl, 'readFile', 'link-data-chain', 'utf8')).toBe('hello data');
    expect(await call(impl, 'readFile', 'link-sub/nested.txt', 'utf8')).toBe('nested');
  });

  it('names only the script path in errors', async () => {
    const impl = make({ read: ['**'] });
    const e = await fails(call(impl, 'readFile', 'missing.txt', 'utf8'), 'ENOENT');
    expect(e.message).toBe("ENOENT: no such file or directory, open 'missing.txt'");
    await fails(call(impl, 'readFile', 'sub', 'utf8'), 'EISDIR');
    await fails(call(impl, 'readFile', 'data.txt/x', 'utf8'), 'ENOTDIR');
    await fails(call(impl, 'readdir', 'data.txt'), 'ENOTDIR');
    await fails(call(impl, 'stat', 'nope/deeper'), 'ENOENT');
  });

  it('writes atomically, keeps the mode, leaves no temp file', async () => {
    const impl = make({ read: ['**'], write: ['out/**'] });
    await call(impl, 'writeFile', 'out/a.txt', 'one');
    await call(impl, 'writeFile', 'out/b.bin', new Uint8Array([104, 105]));
    await fs.chmod(path.join(root, 'out', 'a.txt'), 0o600);
    await call(impl, 'writeFile', 'out/a.txt', 'two', 'utf8');
    expect(await fs.readFile(path.join(root, 'out', 'a.txt'), 'utf8')).toBe('two');
    expect((await fs.stat(path.join(root, 'out', 'a.txt'))).mode & 0o777).toBe(0o600);
    expect(await fs.readFile(path.join(root, 'out', 'b.bin'), 'utf8')).toBe('hi');
    await fails(call(impl, 'writeFile', 'out/missing-dir/x.txt', 'x'), 'ENOENT');
    await call(impl, 'mkdir', 'out/d');
    await fails(call(impl, 'writeFile', 'out/d', 'x'), 'EISDIR');
    const names = await fs.readdir(path.join(root, 'out'));
    expect(names.filter((n) => n.startsWith('.sesame-tmp-'))).toEqual([]);
  });

  it('appends', async () => {
    const impl = make({ read: ['**'], write: ['out/**'] });
    await call(impl, 'appendFile', 'out/log.txt', 'a');
    await call(impl, 'appendFile', 'out/log.txt', new Uint8Array([98]));
    expect(await call(impl, 'readFile', 'out/log.txt', 'utf8')).toBe('ab');
  });

  it('never writes through a hard link (replace, not modify in place)', async () => {
    const impl = make({ read: ['**'], write: ['out/**'] });
    await call(impl, 'writeFile', 'out/hard', 'replaced');
    await call(impl, 'appendFile', 'out/hard', '+more');
    expect(await fs.readFile(path.join(outside, 'hard.txt'), 'utf8')).toBe('outside hard link');
    expect(await fs.readFile(path.join(root, 'out', 'hard'), 'utf8')).toBe('replaced+more');
  });

  it('lists sorted names the read globs allow', async () => {
    const impl = make({ read: ['**'] });
    const names = (await call(impl, 'readdir', '.')) as string[];
    expect(names).toEqual([...names].sort());
    expect(names).toContain('data.txt');
    expect(names).not.toContain('.env'); // ** does not match dotfiles
    expect(await call(impl, 'readdir', 'sub/')).toEqual(['link-env', 'nested.txt']);
    expect(await call(impl, 'readdir', 'link-sub')).toEqual(['link-env', 'nested.txt']);
    const narrow = make({ read: ['*.txt', 'sub/**'] });
    // A link's name is listed if its name matches; reading through it is decided separately.
    expect(await call(narrow, 'readdir', '.')).toEqual(['data.txt', 'link-secret.txt', 'sub']);
    await denied(call(make({ read: ['sub/**'] }), 'readdir', '.'), 'read');
    const dots = make({ read: ['**', '.env'] });
    expect(await call(dots, 'readdir', '.')).toContain('.env');
    expect(await call(dots, 'readFile', '.env', 'utf8')).toBe('ENV-SECRET');
  });

  it('stats, with node-like methods', async () => {
    const impl = make({ read: ['**'] });
    const s = (await call(impl, 'stat', 'data.txt')) as {
      size: number;
      mtimeMs: number;
      isFile(): boolean;
      isDirectory(): boolean;
      isSymbolicLink(): boolean;
    };
    expect(s.size).toBe(10);
    expect(s.isFile()).toBe(true);
    expect(s.isDirectory()).toBe(false);
    expect(Object.isFrozen(s)).toBe(true);
    const d = (await call(impl, 'stat', '.')) as { isDirectory(): boolean };
    expect(d.isDirectory()).toBe(true);
    const viaLink = (await call(impl, 'stat', 'link-data')) as {
      isFile(): boolean;
      isSymbolicLink(): boolean;
    };
    expect([viaLink.isFile(), viaLink.isSymbolicLink()]).toEqual([true, false]);
    const link = (await call(impl, 'lstat', 'link-secret.txt')) as { isSymbolicLink(): boolean };
    expect(link.isSymbolicLink()).toBe(true);
    expect(await call(impl, 'exists', 'data.txt')).toBe(true);
    expect(await call(impl, 'exists', 'nope.txt')).toBe(false);
    expect(await call(impl, 'exists', 'nope/deeper.txt')).toBe(false);
  });

  it('makes directories', async () => {
    const impl = make({ read: ['**'], write: ['out/**'] });
    await call(impl, 'mkdir', 'out/new');
    await fails(call(impl, 'mkdir', 'out/new'), 'EEXIST');
    await call(impl, 'mkdir', 'out/new', { recursive: true });
    await call(impl, 'mkdir', 'out/a/b/c', { recursive: true });
    await fails(call(impl, 'mkdir', 'out/x/y'), 'ENOENT');
    expect((await fs.stat(path.join(root, 'out', 'a', 'b', 'c'))).isDirectory()).toBe(true);
  });

  it('removes files, trees, and links without touching their targets', async () => {
    const impl = make({ read: ['**'], write: ['out/**'] });
    await call(impl, 'mkdir', 'out/t/u', { recursive: true });
    await call(impl, 'writeFile', 'out/t/u/f.txt', 'x');
    await fails(call(impl, 'rm', 'out/t'), 'EISDIR');
    await call(impl, 'rm', 'out/t', { recursive: true });
    expect(existsSync(path.join(root, 'out', 't'))).toBe(false);
    await call(impl, 'rm', 'out/keep.txt');
    await fails(call(impl, 'rm', 'out/keep.txt'), 'ENOENT');
    await call(impl, 'rm', 'out/keep.txt', { force: true });
    const before = await snapshotOutside();
    await call(impl, 'rm', 'out/link-canary-dir', { recursive: true });
    await call(impl, 'rm', 'out/link-canary-file');
    expect(existsSync(path.join(root, 'out', 'link-canary-dir'))).toBe(false);
    expect(await snapshotOutside()).toEqual(before);
  });

  it('removes a tree holding links out of the root, not what they point to', async () => {
    const impl = make({ read: ['**'], write: ['**'] });
    const before = await snapshotOutside();
    await call(impl, 'rm', 'out', { recursive: true });
    expect(existsSync(path.join(root, 'out'))).toBe(false);
    expect(await snapshotOutside()).toEqual(before);
  });
});

describe('fs plugin: nothing outside the root', () => {
  const traversals = [
    '..',
    '../victim.txt',
    '../../../../../../../../etc/passwd',
    'sub/../../victim.txt',
    'out/../../victim.txt',
    './../victim.txt',
    'sub/./../../outside/secret.txt',
    '../root/data.txt', // climbs out even though it comes back
  ];
  const absolutes = ['/etc/passwd', '//etc/passwd', '/tmp/../tmp/x', '/'];

  it('refuses traversal and absolute paths for every method', async () => {
    const impl = make({ read: ['**'], write: ['**'] });
    const before = await snapshotOutside();
    for (const p of [...traversals, ...absolutes, path.join(base, 'victim.txt')]) {
      await denied(call(impl, 'readFile', p, 'utf8'));
      await denied(call(impl, 'readdir', p));
      await denied(call(impl, 'stat', p));
      await denied(call(impl, 'exists', p));
      await denied(call(impl, 'writeFile', p, 'pwned'));
      await denied(call(impl, 'appendFile', p, 'pwned'));
      await denied(call(impl, 'mkdir', p, { recursive: true }));
      await denied(call(impl, 'rm', p, { recursive: true, force: true }));
    }
    const e = await denied(call(impl, 'readFile', '../x'), 'root');
    expect(e.reason).toBe('path "../x" leaves the root');
    await denied(call(impl, 'readFile', '/etc/passwd'), 'path');
    await denied(call(impl, 'writeFile', `out/${'../'.repeat(16)}${canaryInTmp.slice(1)}`, 'x'), 'root');
    expect(await snapshotOutside()).toEqual(before);
  });

  it('refuses NUL bytes and the empty path', async () => {
    const impl = make({ read: ['**'], write: ['**'] });
    await denied(call(impl, 'readFile', 'data.txt\0.png'), 'path');
    await denied(call(impl, 'writeFile', 'out/x\0', 'x'), 'path');
    await denied(call(impl, 'readdir', ''), 'path');
    await denied(call(impl, 'writeFile', '.', 'x'), 'root');
    await denied(call(impl, 'rm', 'out/..', { recursive: true }), 'root');
    expect(await call(impl, 'exists', '.')).toBe(true);
  });

  it('treats encoded and mangled traversal as plain names', async () => {
    const impl = make({ read: ['**'], write: ['out/**'] });
    const tail = 'outside/secret.txt';
    const variants = [
      `${'..%2f'.repeat(4)}${tail.replaceAll('/', '%2f')}`,
      `${'%2e%2e/'.repeat(4)}${tail}`,
      `${'..%252f'.repeat(4)}${tail}`,
      `${'%c0%ae%c0%ae/'.repeat(4)}${tail}`,
      `${'\uff0e\uff0e/'.repeat(4)}${tail}`,
      `${'..\uff0f'.repeat(4)}${tail}`,
      `${'..\\'.repeat(4)}${tail.replaceAll('/', '\\')}`,
      `${'....//'.repeat(4)}${tail}`,
      `${'..;/'.repeat(4)}${tail}`,
      `file:///${tail}`,
    ];
    const before = await snapshotOutside();
    for (const p of variants) {
      // Either refused or an ordinary missing name inside the root; never the secret.
      const r = await call(impl, 'readFile', p, 'utf8').then(
        (v) => v,
        (e: Error & { code: string }) => e.code,
      );
      expect(['E_DENIED', 'ENOENT']).toContain(r);
      const w = await call(impl, 'writeFile', `out/${p}`, 'x').then(
        () => 'written',
        (e: Error & { code: string }) => e.code,
      );
      expect(['E_DENIED', 'ENOENT', 'written']).toContain(w);
    }
    // A single-segment encoded name is just a file in out/.
    await call(impl, 'writeFile', 'out/%2e%2e%2f%2e%2e%2fvictim.txt', 'x');
    expect(existsSync(path.join(root, 'out', '%2e%2e%2f%2e%2e%2fvictim.txt'))).toBe(true);
    await call(impl, 'writeFile', 'out/a\\..\\..\\victim.txt', 'x');
    expect(existsSync(path.join(root, 'out', 'a\\..\\..\\victim.txt'))).toBe(true);
    // Names starting with a dot are dotfiles to the globs, whatever follows.
    await denied(call(impl, 'writeFile', 'out/..%2f..%2fvictim.txt', 'x'), 'write');
    expect(await snapshotOutside()).toEqual(before);
  });

  it('refuses reads through symlinks that lead out', async () => {
    const impl = make({ read: ['**'] });
    const before = await snapshotOutside();
    const reads = [
      'link-secret.txt',
      'link-secret-dir/secret.txt',
      'link-slash/etc/passwd',
      `link-slash${path.join(outside, 'secret.txt')}`,
      'link-up/victim.txt',
      'link-up/outside/secret.txt',
      'link-chain/victim.txt',
      'sub/link-env', // inside the root, but at a dotfile ** does not grant
      'out/link-canary-file', // dangling, pointing out
      'out/link-dangling-dir/x',
    ];
    for (const p of reads) {
      await denied(call(impl, 'readFile', p, 'utf8'));
      await denied(call(impl, 'stat', p));
    }
    for (const p of ['link-secret-dir', 'link-up', 'link-slash', 'link-chain', 'link-slash/tmp']) {
      await denied(call(impl, 'readdir', p));
    }
    const e = await denied(call(impl, 'readFile', 'link-secret.txt'), 'root');
    expect(e.reason).toContain('resolves through a symlink to outside the root');
    expect(await snapshotOutside()).toEqual(before);
  });

  it('refuses writes, mkdir and rm through symlinks even where the globs allow everything', async () => {
    const impl = make({ read: ['**'], write: ['**'] });
    const before = await snapshotOutside();
    const tmpName = canaryInTmp.slice(1);
    await denied(call(impl, 'writeFile', 'out/link-canary-dir/pwned', 'x'), 'root');
    await denied(call(impl, 'writeFile', 'out/link-canary-file', 'x'), 'symlink');
    await denied(call(impl, 'appendFile', 'out/link-canary-file', 'x'), 'symlink');
    await denied(call(impl, 'writeFile', 'out/link-dangling-dir/x', 'x'), 'symlink');
    await denied(call(impl, 'writeFile', 'out/link-to-data', 'x'), 'symlink');
    await denied(call(impl, 'writeFile', 'link-up/victim.txt', 'x'), 'root');
    await denied(call(impl, 'writeFile', 'link-chain/victim.txt', 'x'), 'root');
    await denied(call(impl, 'writeFile', `link-slash/${tmpName}`, 'x'), 'root');
    await denied(call(impl, 'writeFile', 'link-secret.txt', 'x'), 'symlink');
    await denied(call(impl, 'mkdir', 'out/link-canary-dir/pwned'), 'root');
    await denied(call(impl, 'mkdir', 'out/link-canary-dir/a/b', { recursive: true }), 'root');
    await denied(call(impl, 'mkdir', 'out/link-canary-dir', { recursive: true }), 'symlink');
    await denied(call(impl, 'mkdir', 'out/link-dangling-dir/a', { recursive: true }), 'symlink');
    await denied(call(impl, 'mkdir', `link-slash/${tmpName}`), 'root');
    await denied(call(impl, 'rm', 'link-up/victim.txt'), 'root');
    await denied(call(impl, 'rm', 'link-secret-dir/secret.txt'), 'root');
    await denied(call(impl, 'rm', 'link-secret-dir/canary', { recursive: true }), 'root');
    await denied(call(impl, 'rm', 'out/link-canary-dir/x', { force: true }), 'root');
    expect(await snapshotOutside()).toEqual(before);
    expect(await fs.readFile(path.join(root, 'data.txt'), 'utf8')).toBe('hello data');
  });

  it('refuses symlink loops cleanly and can remove them', async () => {
    const impl = make({ read: ['**'], write: ['**'] });
    await fs.symlink('link-loop', path.join(root, 'link-loop'));
    await denied(call(impl, 'readFile', 'link-loop'), 'symlink');
    await denied(call(impl, 'readdir', 'link-loop/x'), 'symlink');
    await denied(call(impl, 'writeFile', 'link-loop', 'x'), 'symlink');
    await call(impl, 'rm', 'link-loop');
    expect(existsSync(path.join(root, 'link-loop'))).toBe(false);
  });

  it('a link inside a readable area cannot reach an unreadable one', async () => {
    const impl = make({ read: ['out/**'], write: ['out/**'] });
    await denied(call(impl, 'readFile', 'out/link-to-data', 'utf8'), 'read');
    const e = await denied(call(impl, 'stat', 'out/link-to-data'));
    expect(e.reason).toContain('resolves through a symlink');
    // The link itself is in the write globs: removing it is fine and leaves data.txt alone.
    await call(impl, 'rm', 'out/link-to-data');
    expect(await fs.readFile(path.join(root, 'data.txt'), 'utf8')).toBe('hello data');
  });

  it('refuses writes outside the write globs, including via dot-segments', async () => {
    const impl = make({ read: ['**'], write: ['out/**'] });
    const e = await denied(call(impl, 'writeFile', 'data.txt', 'x'), 'write');
    expect(e.reason).toBe('"data.txt" matches no write glob (write: out/**)');
    await denied(call(impl, 'writeFile', 'out/../data.txt', 'x'), 'write');
    await denied(call(impl, 'writeFile', './out/../config.json', '{}'), 'write');
    await denied(call(impl, 'writeFile', 'out/sub/../../sub/nested.txt', 'x'), 'write');
    await denied(call(impl, 'appendFile', 'out/../data.txt', 'x'), 'write');
    await denied(call(impl, 'mkdir', 'newdir'), 'write');
    await denied(call(impl, 'rm', 'data.txt'), 'write');
    await denied(call(impl, 'rm', 'out/../sub', { recursive: true }), 'write');
    await denied(call(impl, 'writeFile', 'out/.hidden', 'x'), 'write'); // dotfiles need a glob that says so
    await denied(call(impl, 'writeFile', 'link-sub/x.txt', 'x'), 'write');
    expect(await fs.readFile(path.join(root, 'data.txt'), 'utf8')).toBe('hello data');
    expect(await fs.readFile(path.join(root, 'config.json'), 'utf8')).toBe('{"a":1}');
    expect(await fs.readFile(path.join(root, 'sub', 'nested.txt'), 'utf8')).toBe('nested');
    expect(existsSync(path.join(root, 'newdir'))).toBe(false);
    expect(await call(make({ read: [] }), 'exists', 'out/keep.txt').catch((x: Denied) => x.code)).toBe(
      'E_DENIED',
    );
  });

  it('mkdir -p and rm -r stay inside the write globs for everything they touch', async () => {
    const impl = make({ read: ['**'], write: ['a/b/**', 'mixed', 'mixed/*.txt'] });
    await denied(call(impl, 'mkdir', 'a/b/c', { recursive: true }), 'write'); // would create "a"
    expect(existsSync(path.join(root, 'a'))).toBe(false);
    await fs.mkdir(path.join(root, 'mixed'));
    await fs.writeFile(path.join(root, 'mixed', 'x.txt'), 'x');
    await fs.writeFile(path.join(root, 'mixed', 'y.bin'), 'y');
    await denied(call(impl, 'rm', 'mixed', { recursive: true }), 'write');
    expect((await fs.readdir(path.join(root, 'mixed'))).sort()).toEqual(['x.txt', 'y.bin']);
    await fs.rm(path.join(root, 'mixed', 'y.bin'));
    await call(impl, 'rm', 'mixed', { recursive: true });
    expect(existsSync(path.join(root, 'mixed'))).toBe(false);
  });
});

describe('fs plugin: limits', () => {
  it('bounds file sizes for reads and writes', async () => {
    const impl = make({ read: ['**'], write: ['out/**'], maxFileBytes: 8 });
    await fails(call(impl, 'readFile', 'data.txt', 'utf8'), 'EFBIG');
    await denied(call(impl, 'writeFile', 'out/big.txt', '123456789'), 'maxFileBytes');
    await denied(call(impl, 'writeFile', 'out/big.txt', 'ééééé'), 'maxFileBytes'); // 10 bytes in UTF-8
    await denied(call(impl, 'writeFile', 'out/big.bin', new Uint8Array(9)), 'maxFileBytes');
    await call(impl, 'writeFile', 'out/ok.txt', '12345678');
    await fails(call(impl, 'appendFile', 'out/ok.txt', 'x'), 'EFBIG');
    expect(await fs.readFile(path.join(root, 'out', 'ok.txt'), 'utf8')).toBe('12345678');
  });

  it('sizes bytes by their internal slots, not by properties a script can set', async () => {
    const impl = make({ read: ['**'], write: ['out/**'], maxFileBytes: 8 });
    const liar = new Uint8Array(64);
    Object.defineProperty(liar, 'byteLength', { value: 1 });
    Object.defineProperty(liar, 'length', { value: 1 });
    await denied(call(impl, 'writeFile', 'out/liar.bin', liar), 'maxFileBytes');
    const proxy = new Proxy(new Uint8Array(2), {});
    await expect(call(impl, 'writeFile', 'out/p.bin', proxy)).rejects.toThrow(/Uint8Array/);
    expect(() => fsPlugin.methods.writeFile.args.parse(['x', 'a'.repeat(5000), undefined])).not.toThrow();
    expect(() => fsPlugin.methods.readFile.args.parse(['a'.repeat(4097)])).toThrow();
  });

  it('bounds directory listings and recursive removal', async () => {
    const impl = make({ read: ['**'], write: ['out/**'], maxEntries: 3 });
    for (const n of ['a', 'b', 'c']) await fs.writeFile(path.join(root, 'out', n), n);
    await fails(call(impl, 'readdir', 'out'), 'E2BIG');
    await denied(call(impl, 'rm', 'out', { recursive: true }), 'maxEntries');
    expect(existsSync(path.join(root, 'out', 'a'))).toBe(true);
  });

  it('does not hang on a FIFO', async () => {
    const impl = make({ read: ['**'] });
    const { execFileSync } = await import('node:child_process');
    try {
      execFileSync('mkfifo', [path.join(root, 'fifo')]);
    } catch {
      return; // no mkfifo on this host
    }
    await fails(call(impl, 'readFile', 'fifo'), 'EINVAL');
  });
});

describe('fs plugin: check and explain', () => {
  it('reports a missing root, a file root and bad globs', () => {
    const ctx = ctxFor(base ?? os.tmpdir());
    const parse = (c: Record<string, unknown>) => fsPlugin.config.parse(c);
    const missing = fsPlugin.check?.(parse({ root: 'nope' }), ctx) ?? [];
    expect(missing).toEqual([{ path: ['root'], message: expect.stringContaining('does not exist') }]);
    const file = fsPlugin.check?.(parse({ root: 'victim.txt' }), ctx) ?? [];
    expect(file[0]?.message).toContain('not a directory');
    const globs = fsPlugin.check?.(
      parse({ root: 'root', read: ['**', '/etc/**', '../x'], write: ['a/../b'] }),
      ctx,
    );
    expect(globs?.map((i) => i.path)).toEqual([
      ['read', 1],
      ['read', 2],
      ['write', 0],
    ]);
    expect(fsPlugin.check?.(parse({ root: 'root', read: ['**'], write: ['out/**'] }), ctx)).toEqual([]);
    expect(() => make({ read: ['../**'] })).toThrow(/read\.0/);
  });

  it('rejects unknown keys and explains in plain words', () => {
    expect(() => fsPlugin.config.parse({ root: 'r', raed: ['**'] })).toThrow();
    const lines =
      fsPlugin.explain?.(fsPlugin.config.parse({ root: 'root', read: ['**'] }), ctxFor(base)) ?? [];
    expect(lines.join('\n')).toContain(root);
    expect(lines.join('\n')).toContain('may not write any file');
    expect(lines.join('\n')).toContain('"**"');
  });
});

describe('fs plugin: property', () => {
  // mulberry32: a tiny seeded PRNG so failures reproduce.
  function prng(seed: number): () => number {
    let a = seed >>> 0;
    return () => {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }
  const SEGMENTS = [
    '..',
    '.',
    '',
    'a',
    'out',
    'sub',
    'link-up',
    'link-slash',
    'link-chain',
    'link-secret-dir',
    'link-sub',
    'link-canary-dir',
    'outside',
    'root',
    '%2e%2e',
    '..%2f',
    '\\',
    '..\\..',
    'é',
    '\uff0e\uff0e',
    'data.txt',
    'tmp',
  ];
  const METHODS: [MethodName, unknown[]][] = [
    ['readFile', []],
    ['readdir', []],
    ['stat', []],
    ['lstat', []],
    ['exists', []],
    ['writeFile', ['x']],
    ['appendFile', ['x']],
    ['mkdir', [{ recursive: true }]],
    ['rm', [{ recursive: true, force: true }]],
  ];

  /** The real path of the deepest existing ancestor of `p` (following links), with the rest appended. */
  async function realOf(p: string): Promise<string> {
    const rest: string[] = [];
    let at = p;
    for (;;) {
      try {
        return path.join(await fs.realpath(at), ...rest.reverse());
      } catch {
        rest.push(path.basename(at));
        at = path.dirname(at);
      }
    }
  }

  it('500 random paths never yield a grant outside the root', async () => {
    const impl = make({ read: ['**'], write: ['**'] });
    const realRoot = await fs.realpath(root);
    const inside = (p: string) => p === realRoot || p.startsWith(`${realRoot}/`);
    const random = prng(0x5e5a3e);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)] as T;
    let allowed = 0;
    for (let n = 0; n < 500; n++) {
      const length = 1 + Math.floor(random() * 6);
      const p = Array.from({ length }, () => pick(SEGMENTS)).join('/');
      const [method, extra] = pick(METHODS);
      const { decision } = await authorize(impl, method, p, ...extra);
      if (!decision.allow) continue;
      allowed++;
      const g = decision.grant;
      expect(inside(g.real), `${method}(${JSON.stringify(p)}) -> ${g.real}`).toBe(true);
      // Where the OS would really land: the parent for non-following methods, the path otherwise.
      const follows = ['readFile', 'readdir', 'stat', 'exists'].includes(method);
      const landing = follows
        ? await realOf(g.real)
        : path.join(await realOf(path.dirname(g.real)), path.basename(g.real));
      expect(inside(landing), `${method}(${JSON.stringify(p)}) lands at ${landing}`).toBe(true);
    }
    expect(allowed).toBeGreaterThan(50); // the generator does produce allowed paths
  });
});
