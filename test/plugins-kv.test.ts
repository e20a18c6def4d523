// The kv plugin: first called directly, the way the membrane calls it (arguments parsed by the
// method's schema, authorize, invoke with the grant, result checked by the result schema), with
// real temp directories for the file store; then end to end through the runtime and its sandbox
// processes: isolation between runs, persistence, concurrent runs, audit records.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { Entries } from '../plugins/kv/entries.ts';
import { fileStore } from '../plugins/kv/file-store.ts';
import { encodeStore } from '../plugins/kv/format.ts';
import kvPlugin from '../plugins/kv/index.ts';
import { MAX_VALUE_DEPTH } from '../plugins/kv/json.ts';
import { withFileLock } from '../plugins/kv/lock.ts';
import { loadPolicy } from '../src/index.ts';
import type { CheckedMethod, PluginContext } from '../src/plugin/index.ts';
import { closeRuntime, policyText, repoRoot, runtime, tempDir, writePolicy } from './helpers/runtime.ts';

type Impl = ReturnType<typeof kvPlugin.create>;
type MethodName = keyof typeof kvPlugin.methods;
type Checked = CheckedMethod<unknown[], unknown, unknown>;

/** What the membrane would throw for a denial. */
class Denied extends Error {
  constructor(
    readonly reason: string,
    readonly rule: string | undefined,
  ) {
    super(reason);
  }
}

let dir: string; // the policy directory of the direct tests
const logged: string[] = [];

function ctxFor(policyDir: string, task = 't'): PluginContext {
  return {
    capability: 'kv',
    task,
    policyDir,
    resolvePath: (p: string) => path.resolve(policyDir, p),
    log: (message) => logged.push(message),
    secrets: {},
  };
}

function make(config: Record<string, unknown> = {}, task = 't'): Impl {
  return kvPlugin.create(kvPlugin.config.parse(config), ctxFor(dir, task));
}

/** Parse, authorize, invoke and check the result, as the membrane does; a denial throws Denied. */
async function call(impl: Impl, name: MethodName, ...args: unknown[]): Promise<unknown> {
  const spec = kvPlugin.methods[name];
  const parsed = spec.args.parse(args) as unknown[];
  const method = impl[name] as unknown as Checked;
  const decision = await method.authorize(...parsed);
  if (!decision.allow) throw new Denied(decision.reason, decision.rule);
  return spec.returns.parse(await method.invoke(decision.grant, ...parsed));
}

async function rejection(p: Promise<unknown>): Promise<Error & { code?: string; rule?: string }> {
  return p.then(
    (v) => {
      throw new Error(`expected a failure, got ${JSON.stringify(v)}`);
    },
    (e: unknown) => e as Error & { code?: string },
  );
}

async function denied(p: Promise<unknown>, rule: string): Promise<Denied> {
  const e = await rejection(p);
  expect(e).toBeInstanceOf(Denied);
  expect((e as Denied).rule).toBe(rule);
  return e as Denied;
}

async function fails(p: Promise<unknown>, code: string): Promise<Error> {
  const e = await rejection(p);
  expect(e).not.toBeInstanceOf(Denied);
  expect(e.code).toBe(code);
  // Whatever goes wrong, the script is never told where the store lives.
  expect(e.message).not.toContain(dir);
  return e;
}

const argsOk = (name: MethodName, ...args: unknown[]) => kvPlugin.methods[name].args.safeParse(args).success;
const files = () => fs.readdirSync(dir).sort();
const storeText = () => fs.readFileSync(path.join(dir, 'kv.json'), 'utf8');

beforeEach(() => {
  dir = tempDir('sesame-kv-');
  logged.length = 0;
});

describe('kv plugin: the methods work', () => {
  it('set, get, has, delete and list, in memory', async () => {
    const kv = make();
    expect(await call(kv, 'get', 'a')).toBeUndefined();
    expect(await call(kv, 'has', 'a')).toBe(false);
    await call(kv, 'set', 'a', { n: 1, tags: ['x'] });
    await call(kv, 'set', 'b/2', null);
    await call(kv, 'set', 'b/1', 'one');
    expect(await call(kv, 'get', 'a')).toEqual({ n: 1, tags: ['x'] });
    expect(await call(kv, 'get', 'b/2')).toBeNull(); // null is a value, not "missing"
    expect(await call(kv, 'has', 'b/2')).toBe(true);
    expect(await call(kv, 'list')).toEqual(['a', 'b/1', 'b/2']);
    expect(await call(kv, 'list', 'b/')).toEqual(['b/1', 'b/2']);
    expect(await call(kv, 'list', null)).toEqual(['a', 'b/1', 'b/2']);
    expect(await call(kv, 'list', 'zzz')).toEqual([]);
    await call(kv, 'set', 'a', 2);
    expect(await call(kv, 'get', 'a')).toBe(2);
    expect(await call(kv, 'delete', 'a')).toBe(true);
    expect(await call(kv, 'delete', 'a')).toBe(false);
    expect(await call(kv, 'list')).toEqual(['b/1', 'b/2']);
  });

  it('list sorts by UTF-16 code units, whatever the order of the sets', async () => {
    const kv = make();
    for (const key of ['b', 'B', 'a10', 'a2', 'é', '_', '1']) await call(kv, 'set', key, 0);
    expect(await call(kv, 'list')).toEqual(['1', 'B', '_', 'a10', 'a2', 'b', 'é']);
  });

  it('hands out copies: changing a value read or passed in changes nothing stored', async () => {
    const kv = make();
    const value = { list: [1, 2] };
    await call(kv, 'set', 'k', value);
    value.list.push(3);
    const read = (await call(kv, 'get', 'k')) as { list: number[] };
    read.list.push(4);
    expect(await call(kv, 'get', 'k')).toEqual({ list: [1, 2] });
  });

  it('stores JSON as JSON: -0 reads back as 0, in memory as in a file', async () => {
    for (const kv of [make(), make({ file: 'kv.json' })]) {
      await call(kv, 'set', 'z', -0);
      expect(Object.is(await call(kv, 'get', 'z'), 0)).toBe(true);
    }
  });

  it('applies concurrent calls of one run in the order they were made', async () => {
    for (const kv of [make(), make({ file: 'kv.json' })]) {
      const seen = await Promise.all(
        Array.from({ length: 20 }, (_, i) => (i % 2 ? call(kv, 'get', 'k') : call(kv, 'set', 'k', i))),
      );
      // Each get sees the set just before it, and the last set wins.
      expect(seen.filter((_, i) => i % 2)).toEqual([0, 2, 4, 6, 8, 10, 12, 14, 16, 18]);
      expect(await call(kv, 'get', 'k')).toBe(18);
    }
  });

  it('gives each create (each run) a fresh, empty memory store', async () => {
    const first = make();
    await call(first, 'set', 'k', 1);
    const second = make();
    expect(await call(second, 'list')).toEqual([]);
    expect(await call(first, 'get', 'k')).toBe(1);
    expect(files()).toEqual([]); // memory means memory
  });
});

describe('kv plugin: bad input', () => {
  it('refuses values that are not JSON data rather than storing something else', () => {
    expect(argsOk('set', 'k', { a: [1, 'x', null, true, { b: 1.5 }] })).toBe(true);
    for (const bad of [
      Number.NaN,
      Number.POSITIVE_INFINITY,
      [1, Number.NEGATIVE_INFINITY],
      undefined,
      new Uint8Array(2),
      new Date(0),
      new Map(),
      () => 1,
      10n,
      Symbol('s'),
      { nested: { deeper: [Number.NaN] } },
    ]) {
      expect(argsOk('set', 'k', bad)).toBe(false);
    }
    const problem = kvPlugin.methods.set.args.safeParse(['k', { a: [0, Number.NaN] }]);
    expect(problem.error?.issues[0]?.message).toBe('value["a"][1] is NaN, which JSON cannot represent');
  });

  it(`refuses values nested deeper than ${MAX_VALUE_DEPTH} levels`, () => {
    const nest = (levels: number): unknown => (levels === 0 ? 0 : [nest(levels - 1)]);
    expect(argsOk('set', 'k', nest(MAX_VALUE_DEPTH))).toBe(true);
    expect(argsOk('set', 'k', nest(MAX_VALUE_DEPTH + 1))).toBe(false);
  });

  it('refuses empty keys, keys that are not strings and keys over the static bound', () => {
    expect(argsOk('get', 'k')).toBe(true);
    for (const bad of ['', 1, null, undefined, ['k'], 'k'.repeat(4097)]) {
      expect(argsOk('get', bad)).toBe(false);
      expect(argsOk('set', bad, 1)).toBe(false);
    }
    expect(argsOk('set', 'k')).toBe(false); // a value is required
  });

  it('treats __proto__, constructor and friends as ordinary keys that change nothing', async () => {
    for (const kv of [make(), make({ file: 'kv.json' })]) {
      const keys = ['__proto__', 'constructor', 'hasOwnProperty', 'toString', 'prototype', 'valueOf'];
      for (const key of keys) expect(await call(kv, 'get', key)).toBeUndefined();
      for (const key of keys) await call(kv, 'set', key, { polluted: true });
      expect(await call(kv, 'list')).toEqual([...keys].sort());
      expect(await call(kv, 'get', '__proto__')).toEqual({ polluted: true });
      expect(await call(kv, 'get', 'constructor')).toEqual({ polluted: true });
      // A value whose own key is __proto__ keeps it as data.
      const sneaky = JSON.parse('{"__proto__":{"polluted":true},"x":1}') as object;
      await call(kv, 'set', 'sneaky', sneaky);
      const back = (await call(kv, 'get', 'sneaky')) as object;
      expect(Object.getPrototypeOf(back)).toBe(Object.prototype);
      expect(Object.keys(back)).toEqual(['__proto__', 'x']);
      expect(Object.hasOwn(back, '__proto__')).toBe(true);
      expect(await call(kv, 'delete', '__proto__')).toBe(true);
      expect(await call(kv, 'has', '__proto__')).toBe(false);
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.hasOwn(Object.prototype, 'polluted')).toBe(false);
    // And the file kept them as data too.
    expect(storeText()).toContain('"sneaky":{"__proto__":{"polluted":true},"x":1}');
  });
});

describe('kv plugin: limits and quotas', () => {
  it('denies a key over maxKeyLength, naming the rule', async () => {
    const kv = make({ maxKeyLength: 8 });
    await call(kv, 'set', '12345678', 1);
    const e = await denied(call(kv, 'set', '123456789', 1), 'maxKeyLength');
    expect(e.reason).toContain('9 characters, over maxKeyLength (8)');
    // Reading a key that could never have been stored just finds nothing.
    expect(await call(kv, 'get', '123456789')).toBeUndefined();
  });

  it('denies a value over maxValueBytes, counted in UTF-8 bytes of its JSON', async () => {
    const kv = make({ maxValueBytes: 10 });
    await call(kv, 'set', 'ascii', '12345678'); // "12345678" is 10 bytes with its quotes
    await denied(call(kv, 'set', 'ascii', '123456789'), 'maxValueBytes');
    await call(kv, 'set', 'two-byte', 'éééé'); // 2 + 4 * 2 = 10
    const e = await denied(call(kv, 'set', 'two-byte', 'ééééé'), 'maxValueBytes');
    expect(e.reason).toContain('12 bytes as JSON, over maxValueBytes (10)');
    expect(await call(kv, 'get', 'ascii')).toBe('12345678');
  });

  it('fails with E_KV_MAX_KEYS when a new key would exceed maxKeys; replacing is still fine', async () => {
    const kv = make({ maxKeys: 2 });
    await call(kv, 'set', 'a', 1);
    await call(kv, 'set', 'b', 1);
    const e = await fails(call(kv, 'set', 'c', 1), 'E_KV_MAX_KEYS');
    expect(e.message).toContain('maxKeys (2)');
    await call(kv, 'set', 'a', 2);
    expect(await call(kv, 'list')).toEqual(['a', 'b']);
    await call(kv, 'delete', 'b');
    await call(kv, 'set', 'c', 1);
    expect(await call(kv, 'list')).toEqual(['a', 'c']);
  });

  it('fails with E_KV_MAX_TOTAL_BYTES when the store would grow past maxTotalBytes, changing nothing', async () => {
    for (const kv of [
      make({ maxTotalBytes: 20 }),
      make({ maxTotalBytes: 20, maxValueBytes: 20, file: 'kv.json' }),
    ]) {
      await call(kv, 'set', 'a', '12345678'); // 1 + 10
      await call(kv, 'set', 'b', '123456'); // 1 + 8: exactly 20
      await fails(call(kv, 'set', 'c', 1), 'E_KV_MAX_TOTAL_BYTES');
      await fails(call(kv, 'set', 'a', '123456789'), 'E_KV_MAX_TOTAL_BYTES');
      expect(await call(kv, 'get', 'a')).toBe('12345678');
      await call(kv, 'set', 'a', 'short'); // replacing with less frees room
      await call(kv, 'set', 'c', 1);
      expect(await call(kv, 'list')).toEqual(['a', 'b', 'c']);
    }
  });

  it('keeps a read-only store unchanged, naming the rule', async () => {
    await call(make({ file: 'kv.json' }), 'set', 'k', 1);
    const before = storeText();
    const ro = make({ file: 'kv.json', readOnly: true });
    await denied(call(ro, 'set', 'k', 2), 'readOnly');
    await denied(call(ro, 'delete', 'k'), 'readOnly');
    expect(await call(ro, 'get', 'k')).toBe(1);
    expect(await call(ro, 'list')).toEqual(['k']);
    expect(storeText()).toBe(before);
  });
});

describe('kv plugin: the file store', () => {
  it('persists across creates (runs) and writes a readable file for this task', async () => {
    const first = make({ file: 'kv.json' }, 'notes');
    await call(first, 'set', 'b', { n: [1, 2] });
    await call(first, 'set', 'a', 'x');
    const second = make({ file: 'kv.json' }, 'notes');
    expect(await call(second, 'list')).toEqual(['a', 'b']);
    expect(await call(second, 'get', 'b')).toEqual({ n: [1, 2] });
    expect(storeText()).toBe(
      '{"format":"sesame-kv","version":1,"task":"notes","entries":{\n"a":"x",\n"b":{"n":[1,2]}\n}}\n',
    );
    await call(second, 'delete', 'a');
    await call(second, 'delete', 'b');
    expect(storeText()).toBe('{"format":"sesame-kv","version":1,"task":"notes","entries":{}}\n');
    expect(JSON.parse(storeText())).toEqual({ format: 'sesame-kv', version: 1, task: 'notes', entries: {} });
  });

  it('is lazy: nothing is created until the first change', async () => {
    const kv = make({ file: 'kv.json' });
    expect(files()).toEqual([]);
    expect(await call(kv, 'get', 'k')).toBeUndefined();
    expect(await call(kv, 'delete', 'k')).toBe(false);
    expect(files()).toEqual([]);
    await call(kv, 'set', 'k', 1);
    expect(files()).toEqual(['kv.json']);
  });

  it('leaves no temp or lock files, creates the file 0600 and keeps an existing mode', async () => {
    const kv = make({ file: 'kv.json' });
    await Promise.all(Array.from({ length: 30 }, (_, i) => call(kv, 'set', `k${i}`, i)));
    expect(files()).toEqual(['kv.json']);
    expect(fs.statSync(path.join(dir, 'kv.json')).mode & 0o777).toBe(0o600);
    fs.chmodSync(path.join(dir, 'kv.json'), 0o640);
    await call(make({ file: 'kv.json' }), 'set', 'k0', 'again');
    expect(fs.statSync(path.join(dir, 'kv.json')).mode & 0o777).toBe(0o640);
    expect(files()).toEqual(['kv.json']);
  });

  it("sees another writer's changes (the cache follows the file)", async () => {
    const a = make({ file: 'kv.json' });
    const b = make({ file: 'kv.json' });
    await call(a, 'set', 'x', 1);
    expect(await call(b, 'get', 'x')).toBe(1);
    await call(b, 'set', 'y', 2);
    expect(await call(a, 'list')).toEqual(['x', 'y']);
    await call(a, 'set', 'x', 3); // a's write is a read-modify-write of the current file: y survives
    expect(await call(b, 'get', 'y')).toBe(2);
    expect(await call(b, 'get', 'x')).toBe(3);
    // A change made behind the plugin's back is seen too.
    const other = new Entries();
    other.put('z', '9', kvPlugin.config.parse({}));
    fs.writeFileSync(path.join(dir, 'kv.json'), encodeStore('t', other));
    expect(await call(a, 'list')).toEqual(['z']);
  });

  it('resolves the file against the policy directory', async () => {
    fs.mkdirSync(path.join(dir, 'state'));
    await call(make({ file: './state/../state/kv.json' }), 'set', 'k', 1);
    expect(fs.readdirSync(path.join(dir, 'state'))).toEqual(['kv.json']);
  });

  it('refuses a file that is not JSON, not a store or over the limits, and never overwrites it', async () => {
    const file = path.join(dir, 'kv.json');
    const secret = 'root:x:0:0:do-not-show';
    const cases: [string, RegExp][] = [
      [`${secret}\n`, /is not valid JSON/],
      ['{"format":"sesame-kv","version":1,"task":"t","entries":{"a":1,', /is not valid JSON/],
      ['[1, 2]', /is not a sesame-kv file/],
      ['{"format":"sesame-kv","version":2,"task":"t","entries":{}}', /has version 2; expected 1/],
      ['{"format":"sesame-kv","version":1,"entries":{}}', /names no task/],
      ['{"format":"sesame-kv","version":1,"task":"t","entries":[]}', /has no "entries" object/],
      ['{"format":"sesame-kv","version":1,"task":"t","entries":{"":1}}', /holds an empty key/],
      ['{"format":"sesame-kv","version":1,"task":"t","entries":{"a":1,"b":2,"c":3}}', /maxKeys \(2\)/],
      [`{"format":"sesame-kv","version":1,"task":"t","entries":{"a":"${'x'.repeat(20)}"}}`, /maxValueBytes/],
    ];
    for (const [text, message] of cases) {
      fs.writeFileSync(file, text);
      const kv = make({ file: 'kv.json', maxKeys: 2, maxValueBytes: 16 });
      const e = await fails(call(kv, 'get', 'a'), 'E_KV_FILE');
      expect(e.message).toMatch(message);
      expect(e.message).not.toContain(secret);
      await fails(call(kv, 'set', 'a', 1), 'E_KV_FILE');
      await fails(call(kv, 'delete', 'a'), 'E_KV_FILE');
      expect(fs.readFileSync(file, 'utf8')).toBe(text);
    }
    expect(files()).toEqual(['kv.json']);
    // The operator's log says which file.
    expect(logged.some((line) => line.includes(file) && line.includes('is not valid JSON'))).toBe(true);
  });

  it("refuses another task's file", async () => {
    await call(make({ file: 'kv.json' }, 'writer'), 'set', 'k', 1);
    const e = await fails(call(make({ file: 'kv.json' }, 'reader'), 'get', 'k'), 'E_KV_FILE');
    expect(e.message).toContain('belongs to task "writer", not "reader"');
  });

  it('never reads or writes through a symlink, and refuses what is not a regular file', async () => {
    const target = path.join(dir, 'elsewhere.json');
    await call(make({ file: 'elsewhere.json' }), 'set', 'k', 'original');
    const original = fs.readFileSync(target, 'utf8');
    fs.symlinkSync(target, path.join(dir, 'kv.json'));
    const kv = make({ file: 'kv.json' });
    expect((await fails(call(kv, 'get', 'k'), 'E_KV_FILE')).message).toContain('is a symlink');
    await fails(call(kv, 'set', 'k', 'changed'), 'E_KV_FILE');
    expect(fs.readFileSync(target, 'utf8')).toBe(original);
    expect(fs.lstatSync(path.join(dir, 'kv.json')).isSymbolicLink()).toBe(true);

    fs.mkdirSync(path.join(dir, 'adir'));
    const onDir = make({ file: 'adir' });
    expect((await fails(call(onDir, 'get', 'k'), 'E_KV_FILE')).message).toContain('not a regular file');
    await fails(call(onDir, 'set', 'k', 1), 'E_KV_FILE');
  });

  it('fails a write cleanly (E_KV_IO, no host path) and keeps the last good version', async () => {
    fs.mkdirSync(path.join(dir, 'state'));
    const kv = make({ file: 'state/kv.json' });
    await call(kv, 'set', 'k', 1);
    fs.rmSync(path.join(dir, 'state'), { recursive: true });
    const e = await fails(call(kv, 'set', 'k', 2), 'E_KV_IO');
    expect(e.message).toBe('the store file could not be used (ENOENT)');
    expect(logged.some((line) => line.includes(path.join(dir, 'state')))).toBe(true);
  });
});

describe('kv plugin: locking', () => {
  const limits = kvPlugin.config.parse({});
  const lockFile = () => path.join(dir, 'kv.json.lock');

  it('waits for a live lock, and gives up with E_KV_BUSY', async () => {
    fs.writeFileSync(lockFile(), 'held by someone else\n');
    const store = fileStore({
      file: path.join(dir, 'kv.json'),
      task: 't',
      limits,
      log: () => {},
      lock: { staleMs: 60_000, waitMs: 200 },
    });
    const started = Date.now();
    const e = await fails(
      store.write(() => ({ value: undefined, changed: true })),
      'E_KV_BUSY',
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    expect(e.message).toContain('locked by another run');
    expect(fs.existsSync(path.join(dir, 'kv.json'))).toBe(false);
    expect(fs.readFileSync(lockFile(), 'utf8')).toBe('held by someone else\n'); // not ours to remove

    // Released while a writer waits: the writer goes ahead.
    const waiting = store.write((entries) => {
      entries.put('k', '1', limits);
      return { value: 'done', changed: true };
    });
    setTimeout(() => fs.unlinkSync(lockFile()), 50);
    expect(await waiting).toBe('done');
    expect(files()).toEqual(['kv.json']);
  });

  it("breaks a dead writer's stale lock and sweeps its temp file", async () => {
    const old = new Date(Date.now() - 60_000);
    fs.writeFileSync(lockFile(), 'left by a killed sandbox\n');
    fs.utimesSync(lockFile(), old, old);
    const temp = path.join(dir, '.kv.json.tmp-0123456789abcdef');
    fs.writeFileSync(temp, '{"half":');
    fs.utimesSync(temp, old, old);
    const unrelated = path.join(dir, '.other.tmp-0123');
    fs.writeFileSync(unrelated, 'not ours');
    fs.utimesSync(unrelated, old, old);
    await call(make({ file: 'kv.json' }), 'set', 'k', 1);
    expect(files()).toEqual(['.other.tmp-0123', 'kv.json']);
    expect(logged.some((line) => line.includes('.kv.json.tmp-0123456789abcdef'))).toBe(true);
  });

  it('refuses a lock path that is not a regular file', async () => {
    fs.mkdirSync(lockFile());
    await fails(call(make({ file: 'kv.json' }), 'set', 'k', 1), 'E_KV_FILE');
  });

  it('excludes concurrent holders and removes only its own lock', async () => {
    let inside = 0;
    let most = 0;
    const hold = () =>
      withFileLock(lockFile(), async () => {
        most = Math.max(most, ++inside);
        await new Promise((resolve) => setTimeout(resolve, 5));
        inside--;
      });
    await Promise.all(Array.from({ length: 8 }, hold));
    expect(most).toBe(1);
    expect(fs.existsSync(lockFile())).toBe(false);
  });

  it('loses no update when separate processes write the same file at once', async () => {
    const file = path.join(dir, 'kv.json');
    const url = (p: string) => JSON.stringify(pathToFileURL(path.join(repoRoot, p)).href);
    const program = [
      // Plugins import the SDK by its package name; in this repository that is the SDK's source.
      "import { registerHooks } from 'node:module';",
      `const sdk = ${url('src/plugin/index.ts')};`,
      "registerHooks({ resolve: (s, context, next) => next(s === 'sesame/plugin' ? sdk : s, context) });",
      `const { fileStore } = await import(${url('plugins/kv/file-store.ts')});`,
      `const limits = { maxKeys: 1000, maxKeyLength: 256, maxValueBytes: 65536, maxTotalBytes: 4194304 };`,
      `const store = fileStore({ file: ${JSON.stringify(file)}, task: 't', limits, log: () => {} });`,
      `const me = process.argv[1];`,
      'for (let i = 0; i < 25; i++) await store.write((e) => { e.put(me + "-" + i, String(i), limits); return { value: 0, changed: true }; });',
    ].join('\n');
    const writers = ['p0', 'p1', 'p2', 'p3'].map(
      (name) =>
        new Promise<number | null>((resolve) => {
          const child = spawn(process.execPath, ['--input-type=module', '-e', program, name], {
            stdio: 'inherit',
          });
          child.on('exit', resolve);
        }),
    );
    expect(await Promise.all(writers)).toEqual([0, 0, 0, 0]);
    const keys = Object.keys((JSON.parse(fs.readFileSync(file, 'utf8')) as { entries: object }).entries);
    expect(keys).toHaveLength(100);
    expect(files()).toEqual(['kv.json']);
  });
});

describe('kv plugin: config, check and explain', () => {
  const check = (config: Record<string, unknown>) =>
    kvPlugin.check?.(kvPlugin.config.parse(config), {
      policyDir: dir,
      resolvePath: (p) => path.resolve(dir, p),
    });
  const explain = (config: Record<string, unknown>) =>
    kvPlugin.explain?.(kvPlugin.config.parse(config), {
      policyDir: dir,
      resolvePath: (p) => path.resolve(dir, p),
    });

  it('has a strict config whose every field is documented, with the documented defaults', () => {
    expect(kvPlugin.config.parse({})).toEqual({
      readOnly: false,
      maxKeys: 1000,
      maxKeyLength: 256,
      maxValueBytes: 65536,
      maxTotalBytes: 4194304,
    });
    expect(kvPlugin.config.safeParse({ mxKeys: 1 }).success).toBe(false);
    expect(kvPlugin.config.safeParse({ maxKeys: 0 }).success).toBe(false);
    expect(kvPlugin.config.safeParse({ maxKeyLength: 4097 }).success).toBe(false);
    expect(kvPlugin.config.safeParse({ file: '' }).success).toBe(false);
    for (const [key, field] of Object.entries(kvPlugin.config.shape)) {
      expect(field.description, key).toMatch(/\w{3,}/);
    }
  });

  it('accepts good configs and says what is wrong with bad ones', () => {
    expect(check({})).toEqual([]);
    expect(check({ file: 'kv.json' })).toEqual([]);
    expect(check({ file: 'missing/kv.json' })).toEqual([
      {
        path: ['file'],
        message: expect.stringContaining('does not exist (kv creates the file, not its directory)'),
      },
    ]);
    expect(check({ readOnly: true })).toEqual([
      { path: ['readOnly'], message: expect.stringContaining('needs file') },
    ]);
    expect(check({ maxValueBytes: 100, maxTotalBytes: 50 })).toEqual([
      { path: ['maxValueBytes'], message: 'maxValueBytes (100) is more than maxTotalBytes (50)' },
    ]);
    fs.writeFileSync(path.join(dir, 'plain'), '');
    expect(check({ file: 'plain/kv.json' })?.[0]?.message).toContain('is not a directory');
    fs.symlinkSync(path.join(dir, 'plain'), path.join(dir, 'link.json'));
    expect(check({ file: 'link.json' })?.[0]?.message).toContain('is a symlink');
    fs.mkdirSync(path.join(dir, 'adir'));
    expect(check({ file: 'adir' })?.[0]?.message).toContain('is not a regular file');
  });

  it('explains memory, file and read-only stores in plain words', () => {
    expect(explain({ maxKeys: 5 })).toEqual([
      'may keep JSON values under string keys in memory; the store starts empty each run and is discarded when it ends',
      'at most 5 keys of up to 256 characters, values up to 65536 bytes of JSON, 4194304 bytes in all',
    ]);
    expect(explain({ file: 'kv.json' })?.[0]).toBe(
      `may read and change the store in ${path.join(dir, 'kv.json')}, which persists across runs of this task and is shared by concurrent runs; each change is saved atomically`,
    );
    expect(explain({ file: 'kv.json', readOnly: true })).toEqual([
      `may read (get, has, list) the store in ${path.join(dir, 'kv.json')}; set and delete are denied`,
    ]);
  });

  it('declares in its manifest exactly the builtins its modules import', () => {
    const folder = path.join(repoRoot, 'plugins/kv');
    const imported = fs
      .readdirSync(folder)
      .filter((name) => name.endsWith('.ts'))
      .flatMap((name) => [
        ...fs.readFileSync(path.join(folder, name), 'utf8').matchAll(/^import\s[^'"]*'(node:[^']+)'/gm),
      ])
      .map((m) => m[1]);
    const manifest = JSON.parse(fs.readFileSync(path.join(folder, 'package.json'), 'utf8'));
    expect(manifest.sesame.builtins).toEqual([...new Set(imported)].sort());
  });

  it('reports check problems as policy errors with a position', async () => {
    const file = writePolicy(
      dir,
      policyText({ capabilities: { kv: '{ plugin: kv, file: nowhere/kv.json }' } }),
    );
    await expect(loadPolicy(file)).rejects.toMatchObject({
      code: 'E_POLICY',
      issues: [
        { line: 5, path: ['capabilities', 'kv', 'file'], message: expect.stringContaining('does not exist') },
      ],
    });
  });
});

describe('kv end to end: through the runtime', () => {
  afterAll(closeRuntime);

  const run = (policyDir: string, script: string, caps: Record<string, string>, task = 'kv-test') =>
    runtime().run({
      policyPath: writePolicy(policyDir, policyText({ task, capabilities: caps })),
      script,
    });

  it('offers every method to the script, and audits each call with its rule', async () => {
    const script = `
      await kv.set('b', { n: 1 });
      await kv.set('a', [1, 'two', null]);
      const before = await kv.list();
      const got = [await kv.get('a'), await kv.get('b'), await kv.get('nope')];
      const has = [await kv.has('a'), await kv.has('nope')];
      const deleted = [await kv.delete('a'), await kv.delete('a')];
      return { before, got, has, deleted, after: await kv.list(undefined), prefixed: await kv.list('b') };`;
    const res = await run(dir, script, { kv: '{ plugin: kv }' });
    expect(res.error).toBeUndefined();
    expect(res.result).toEqual({
      before: ['a', 'b'],
      got: [[1, 'two', null], { n: 1 }, null], // undefined becomes null in a returned array
      has: [true, false],
      deleted: [true, false],
      after: ['b'],
      prefixed: ['b'],
    });
    const calls = res.audit.filter((r) => r.event === 'call');
    expect(calls.map((r) => [r.method, r.decision, r.rule, r.outcome])).toEqual([
      ['set', 'allow', 'write', 'ok'],
      ['set', 'allow', 'write', 'ok'],
      ['list', 'allow', 'read', 'ok'],
      ['get', 'allow', 'read', 'ok'],
      ['get', 'allow', 'read', 'ok'],
      ['get', 'allow', 'read', 'ok'],
      ['has', 'allow', 'read', 'ok'],
      ['has', 'allow', 'read', 'ok'],
      ['delete', 'allow', 'write', 'ok'],
      ['delete', 'allow', 'write', 'ok'],
      ['list', 'allow', 'read', 'ok'],
      ['list', 'allow', 'read', 'ok'],
    ]);
    expect(calls[0]).toMatchObject({ cap: 'kv', plugin: 'kv', task: 'kv-test', args: ['b', { n: 1 }] });
    expect(res.audit.filter((r) => r.event === 'call.intent')).toHaveLength(12);
  });

  it('starts every run with an empty memory store', async () => {
    const caps = { kv: '{ plugin: kv }' };
    const first = await run(dir, "await kv.set('k', 1); return await kv.list();", caps);
    expect(first.result).toEqual(['k']);
    for (let i = 0; i < 3; i++) {
      const next = await run(dir, 'return await kv.list();', caps);
      expect(next.result).toEqual([]);
    }
  });

  it('keeps a file store across runs', async () => {
    const caps = { kv: '{ plugin: kv, file: kv.json }' };
    const count = "const n = ((await kv.get('runs')) ?? 0) + 1; await kv.set('runs', n); return n;";
    for (let i = 1; i <= 3; i++) expect((await run(dir, count, caps)).result).toBe(i);
    expect(JSON.parse(storeText()).entries).toEqual({ runs: 3 });
    expect(files()).toEqual(['kv.json', 'policy.yaml']);
  });

  it('loses no update when concurrent runs in separate sandboxes share a file store', async () => {
    const caps = { kv: '{ plugin: kv, file: kv.json }' };
    const script = 'for (let i = 0; i < 40; i++) await kv.set(input.who + "-" + i, i); return true;';
    const policyPath = writePolicy(dir, policyText({ task: 'kv-test', capabilities: caps }));
    const results = await Promise.all(
      ['a', 'b', 'c', 'd'].map((who) => runtime().run({ policyPath, script, input: { who } })),
    );
    expect(results.map((r) => r.error)).toEqual([undefined, undefined, undefined, undefined]);
    expect(Object.keys(JSON.parse(storeText()).entries)).toHaveLength(160);
  });

  it('gives the script clean errors: bad arguments, denials, quotas, a corrupt file', async () => {
    fs.writeFileSync(path.join(dir, 'bad.json'), 'not json at all');
    const script = `
      const codes = [];
      const attempt = async (f) => { try { await f(); codes.push('ok'); } catch (e) { codes.push(e.code + ': ' + e.message); } };
      await attempt(() => kv.set('n', NaN));
      await attempt(() => kv.set('b', new Uint8Array(4)));
      await attempt(() => kv.set('d', new Date(0)));
      await attempt(() => kv.set('x'.repeat(20), 1));
      await attempt(() => kv.set('big', 'x'.repeat(100)));
      await attempt(() => kv.set('a', 1));
      await attempt(() => kv.set('b', 1));
      await attempt(() => bad.get('k'));
      await attempt(() => kv.set('__proto__', { polluted: true }));
      return { codes, polluted: ({}).polluted === undefined ? 'no' : 'yes', keys: await kv.list() };`;
    const caps = {
      kv: '{ plugin: kv, maxKeys: 2, maxKeyLength: 16, maxValueBytes: 64 }',
      bad: '{ plugin: kv, file: bad.json }',
    };
    const res = await run(dir, script, caps);
    expect(res.error).toBeUndefined();
    const { codes, polluted, keys } = res.result as { codes: string[]; polluted: string; keys: string[] };
    expect(codes.map((c) => c.split(':')[0])).toEqual([
      'E_INVALID_ARGUMENT',
      'E_INVALID_ARGUMENT',
      'E_INVALID_ARGUMENT',
      'E_DENIED',
      'E_DENIED',
      'ok',
      'ok',
      'E_KV_FILE',
      'E_KV_MAX_KEYS',
    ]);
    expect(codes[0]).toBe(
      'E_INVALID_ARGUMENT: kv.set: argument 2: value is NaN, which JSON cannot represent',
    );
    expect(codes[3]).toContain('over maxKeyLength (16)');
    expect(codes[7]).toBe('E_KV_FILE: bad.get: the store file is not valid JSON');
    expect(polluted).toBe('no');
    expect(keys).toEqual(['a', 'b']);
    for (const c of codes) expect(c).not.toContain(dir);

    const calls = res.audit.filter((r) => r.event === 'call');
    expect(calls.map((r) => [r.decision, r.rule ?? null, r.error?.code ?? null])).toEqual([
      ['deny', 'schema', 'E_INVALID_ARGUMENT'],
      ['deny', 'schema', 'E_INVALID_ARGUMENT'],
      ['deny', 'schema', 'E_INVALID_ARGUMENT'],
      ['deny', 'maxKeyLength', 'E_DENIED'],
      ['deny', 'maxValueBytes', 'E_DENIED'],
      ['allow', 'write', null],
      ['allow', 'write', null],
      ['allow', 'read', 'E_KV_FILE'],
      ['allow', 'write', 'E_KV_MAX_KEYS'],
      ['allow', 'read', null],
    ]);
  });

  it('ends the run with E_DENIED when a denial is not caught', async () => {
    fs.writeFileSync(path.join(dir, 'kv.json'), encodeStore('kv-test', new Entries()));
    const res = await run(dir, "await kv.set('k', 1);", {
      kv: '{ plugin: kv, file: kv.json, readOnly: true }',
    });
    expect(res.error).toMatchObject({
      code: 'E_DENIED',
      message: 'Error: kv.set: denied: the store is read-only',
    });
    expect(res.audit.find((r) => r.event === 'call')).toMatchObject({ decision: 'deny', rule: 'readOnly' });
  });
});
