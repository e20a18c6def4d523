// The runtime end to end, through real sandbox workers: script format, errors with positions,
// limits, ambient authority, audit records.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createRuntime, jsonlSink, memorySink } from '../src/index.ts';
import { closeRuntime, policyText, runtime, runWith, tempDir, writePolicy } from './helpers/runtime.ts';

afterAll(closeRuntime);
const none = policyText();

describe('script format', () => {
  it('is the body of an async function with input, await, return and console', async () => {
    const res = await runWith(
      'console.log("n is", input.n, { deep: [1, "two"] });\nawait null;\nreturn { doubled: input.n * 2 };',
      none,
      {
        input: { n: 21 },
      },
    );
    expect(res.error).toBeUndefined();
    expect(res.ok).toBe(true);
    expect(res.result).toEqual({ doubled: 42 });
    expect(res.logs).toEqual(['n is 21 { deep: [ 1, "two" ] }']);
    expect(res.stats.calls).toBe(0);
  });

  it('returns undefined when the script returns nothing', async () => {
    const res = await runWith('const a = 1;', none);
    expect(res).toMatchObject({ ok: true });
    expect(res.result).toBeUndefined();
  });

  it('strips TypeScript types and keeps positions', async () => {
    const script =
      'interface P { n: number }\nconst p: P = input as P;\nconst bad: string = (null as any).x;\nreturn p;';
    const res = await runWith(script, none, { scriptName: 'tool.ts', input: { n: 1 } });
    expect(res.error).toMatchObject({ code: 'E_SCRIPT', line: 3, column: 35 });
    const good = await runWith('const n: number = input.n;\nreturn n + 1;', none, {
      scriptName: 'tool.ts',
      input: { n: 1 },
    });
    expect(good).toMatchObject({ ok: true, result: 2 });
  });

  it('reports syntax errors with the line and column of the script', async () => {
    const res = await runWith('const a = 1;\nconst b = ;\nreturn a;', none);
    expect(res.error).toMatchObject({ code: 'E_SYNTAX', line: 2, column: 11 });
    const ts = await runWith('const a: number = 1;\nconst b: = 2;', none, { scriptName: 'x.ts' });
    expect(ts.error).toMatchObject({ code: 'E_SYNTAX', line: 2 });
  });

  it('reports runtime errors with the line and column of the script', async () => {
    const res = await runWith('const a = 1;\n\n  null.foo;', none);
    expect(res.error).toMatchObject({ code: 'E_SCRIPT', line: 3, column: 8 });
    expect(res.error?.message).toContain('TypeError');
    const thrown = await runWith('function f() {\n  throw new RangeError("nope");\n}\nf();', none);
    expect(thrown.error).toMatchObject({ code: 'E_SCRIPT', message: 'RangeError: nope', line: 2, column: 9 });
  });

  it('rejects import() and HTML comments as syntax errors', async () => {
    expect((await runWith('const m = await import("node:fs");', none)).error?.code).toBe('E_SYNTAX');
    expect((await runWith('const a = 1; <!-- hidden\nreturn a;', none)).error?.code).toBe('E_SYNTAX');
  });

  it('does not let a script fake a run error code', async () => {
    const res = await runWith('const e = new Error("x"); e.code = "E_TIMEOUT"; throw e;', none);
    expect(res.error?.code).toBe('E_SCRIPT');
  });
});

describe('no ambient authority', () => {
  it('has no process, require, timers, time or randomness unless granted', async () => {
    const res = await runWith(
      `const probe = (f) => { try { return String(f()); } catch (e) { return 'throws'; } };
       return {
         process: typeof process, require: typeof require, setTimeout: typeof setTimeout, fetch: typeof fetch,
         now: probe(() => Date.now()), newDate: probe(() => new Date().getTime() > 0), random: probe(() => Math.random()),
         fn: probe(() => Function('return typeof process')()), ctor: probe(() => (() => 1).constructor('return this')()),
       };`,
      none,
    );
    expect(res.result).toEqual({
      process: 'undefined',
      require: 'undefined',
      setTimeout: 'undefined',
      fetch: 'undefined',
      now: 'throws',
      newDate: 'throws',
      random: 'throws',
      fn: 'undefined',
      ctor: 'throws',
    });
  });

  it('turns on time with clock and randomness with random', async () => {
    const policy = policyText({ capabilities: { clock: '{ plugin: clock }', random: '{ plugin: random }' } });
    const res = await runWith(
      `const buf = new Uint8Array(8); crypto.getRandomValues(buf);
       return { now: Date.now() > 1.7e12, date: new Date().getFullYear() >= 2025, viaCap: (await clock.now()) > 0,
                r: Math.random() < 1, uuid: crypto.randomUUID().length, filled: buf.some((b) => b !== 0) || buf.length === 8 };`,
      policy,
    );
    expect(res.error).toBeUndefined();
    expect(res.result).toEqual({ now: true, date: true, viaCap: true, r: true, uuid: 36, filled: true });
  });

  it('gives each run a fresh compartment: nothing carries over', async () => {
    const a = await runWith('globalThis.leak = "from run A"; return typeof globalThis.leak;', none);
    expect(a.result).toBe('string');
    for (let i = 0; i < 4; i++) {
      const b = await runWith('return typeof globalThis.leak;', none);
      expect(b.result).toBe('undefined');
    }
  });

  it('cannot change shared intrinsics for later runs', async () => {
    const a = await runWith(
      `const tries = [];
       for (const f of [() => { Object.prototype.polluted = 1; }, () => { Array.prototype.push = null; },
                        () => { JSON.parse = () => 1; }, () => { Promise.prototype.then = null; }]) {
         try { f(); tries.push('changed'); } catch { tries.push('frozen'); }
       }
       return tries;`,
      none,
    );
    expect(a.result).toEqual(['frozen', 'frozen', 'frozen', 'frozen']);
  });
});

describe('capabilities through the membrane', () => {
  const clockPolicy = policyText({ capabilities: { clock: '{ plugin: clock }' } });

  it('exposes frozen method objects and plain frozen results, no plugin internals', async () => {
    const res = await runWith(
      `const probe = (f) => { try { return f(); } catch (e) { return 'throws: ' + e.message; } };
       const t = await clock.now();
       return {
         keys: Object.getOwnPropertyNames(clock), frozen: Object.isFrozen(clock), fnFrozen: Object.isFrozen(clock.now),
         protoIsObject: Object.getPrototypeOf(clock) === Object.prototype,
         ctor: probe(() => clock.now.constructor('return process')()),
         construct: probe(() => new clock.now()),
         proto: probe(() => { clock.now.__proto__.call = null; return 'changed'; }),
         type: typeof t,
       };`,
      clockPolicy,
    );
    expect(res.error).toBeUndefined();
    const r = res.result as Record<string, unknown>;
    expect(r.keys).toEqual(['now']);
    expect(r.frozen).toBe(true);
    expect(r.fnFrozen).toBe(true);
    expect(r.protoIsObject).toBe(true);
    expect(String(r.ctor)).toMatch(/^throws/);
    expect(String(r.construct)).toMatch(/^throws/);
    expect(String(r.proto)).toMatch(/^throws/);
    expect(r.type).toBe('number');
  });

  it('freezes everything a run is given, however deep: input, console, capabilities, callable ones', async () => {
    const res = await runWith(
      `const all = [];
       const walk = (v, path) => {
         if (v === null || (typeof v !== 'object' && typeof v !== 'function')) return;
         all.push([path, Object.isFrozen(v)]);
         for (const k of Reflect.ownKeys(v)) {
           const d = Object.getOwnPropertyDescriptor(v, k);
           if ('value' in d) walk(d.value, path + '.' + String(k));
         }
       };
       walk(input, 'input'); walk(console, 'console'); walk(clock, 'clock'); walk(kv, 'kv');
       walk(fetch, 'fetch');
       const tries = [
         () => { input.a.b.push(3); }, () => { input.a.c = 1; }, () => { console.log.extra = 1; },
         () => { kv.get.x = 1; }, () => { delete clock.now; }, () => { fetch.extra = 1; },
         () => { fetch.fetch.x = 1; },
       ].map((f) => { try { f(); return 'changed'; } catch { return 'refused'; } });
       return { unfrozen: all.filter(([, frozen]) => !frozen).map(([p]) => p), count: all.length, tries };`,
      policyText({
        capabilities: {
          clock: '{ plugin: clock }',
          kv: '{ plugin: kv }',
          fetch: '{ plugin: http, allow: ["GET http://127.0.0.1/*"] }',
        },
      }),
      { input: { a: { b: [1, { d: 2 }] }, list: [[1], [2]] } },
    );
    expect(res.error).toBeUndefined();
    const r = res.result as { unfrozen: string[]; count: number; tries: string[] };
    expect(r.unfrozen).toEqual([]);
    expect(r.count).toBeGreaterThan(20);
    expect(r.tries).toEqual(Array(7).fill('refused'));
  });

  it('validates arguments with the plugin schema and logs the rejected call', async () => {
    const res = await runWith(
      'try { await clock.now(1, 2); } catch (e) { return [e.code, e.message]; }',
      clockPolicy,
    );
    expect(res.result).toEqual(['E_INVALID_ARGUMENT', expect.stringContaining('clock.now')]);
    const call = res.audit.find((r) => r.event === 'call');
    expect(call).toMatchObject({
      cap: 'clock',
      method: 'now',
      decision: 'deny',
      rule: 'schema',
      outcome: 'error',
    });
  });

  it('refuses arguments that are not plain data, without running their code', async () => {
    const res = await runWith(
      `const out = [];
       let touched = false;
       const evil = [new Proxy({}, { get() { touched = true; return 'x'; } }), { get x() { touched = true; return 1; } }, () => 1, Symbol('s')];
       for (const a of evil) { try { await clock.now(a); out.push('accepted'); } catch (e) { out.push(e.code); } }
       return { out, touched };`,
      clockPolicy,
    );
    expect(res.result).toEqual({ out: Array(4).fill('E_INVALID_ARGUMENT'), touched: false });
  });

  it('passes an explicit undefined argument through as undefined (an omitted option)', async () => {
    const dir = tempDir();
    fs.mkdirSync(path.join(dir, 'ws'));
    fs.writeFileSync(path.join(dir, 'ws', 'a.txt'), 'A');
    const policy = writePolicy(
      dir,
      policyText({ capabilities: { fs: '{ plugin: fs, root: ./ws, read: ["**"] }' } }),
    );
    const res = await runtime().run({
      policyPath: policy,
      script:
        'const bytes = await fs.readFile("a.txt", undefined); return [bytes instanceof Uint8Array, bytes.length];',
    });
    expect(res.error).toBeUndefined();
    expect(res.result).toEqual([true, 1]);
  });

  it('writes an intent record before the call and an outcome after, and start/end records', async () => {
    const res = await runWith('await clock.now(); return 1;', clockPolicy);
    expect(res.audit.map((r) => r.event)).toEqual(['run.start', 'call.intent', 'call', 'run.end']);
    const [start, intent, call, end] = res.audit;
    expect(start).toMatchObject({ task: 'test', runId: res.runId, capabilities: { clock: 'clock' } });
    expect(intent).toMatchObject({
      seq: 1,
      cap: 'clock',
      plugin: 'clock',
      method: 'now',
      decision: 'allow',
      rule: 'capability clock',
    });
    expect(call).toMatchObject({ seq: 1, decision: 'allow', outcome: 'ok', resultBytes: 8 });
    expect(typeof (call as { durationMs: number }).durationMs).toBe('number');
    expect(end).toMatchObject({ event: 'run.end', ok: true, calls: 1 });
  });

  it('ends the run with E_CALL_LIMIT past maxCalls, even if the script catches it', async () => {
    const policy = policyText({ limits: { maxCalls: 3 }, capabilities: { clock: '{ plugin: clock }' } });
    const res = await runWith(
      'for (let i = 0; i < 100; i++) { try { await clock.now(); } catch {} }\nreturn "done";',
      policy,
    );
    expect(res.error?.code).toBe('E_CALL_LIMIT');
    expect(res.audit.filter((r) => r.event === 'call.intent')).toHaveLength(3);
  });
});

describe('limits', () => {
  it('stops while(true) with E_TIMEOUT, and the next run succeeds', async () => {
    const policy = policyText({ limits: { timeoutMs: 300 } });
    // A warm sandbox, so the time measured is the run's and not a sandbox's start-up.
    await runtime().prewarm(64);
    const t0 = performance.now();
    const res = await runWith('while (true) {}', policy);
    const took = performance.now() - t0;
    expect(res.error?.code).toBe('E_TIMEOUT');
    expect(took).toBeLessThan(300 + 250);
    expect((await runWith('return 1;', policy)).result).toBe(1);
  });

  it('stops a microtask loop with E_TIMEOUT', async () => {
    const res = await runWith('for (;;) { await null; }', policyText({ limits: { timeoutMs: 300 } }));
    expect(res.error?.code).toBe('E_TIMEOUT');
  });

  it('ends a memory bomb with E_MEMORY, and the host lives on', async () => {
    const res = await runWith(
      'const hog = []; for (;;) hog.push(new Array(1 << 20).fill(1));',
      policyText({ limits: { memoryMb: 32, timeoutMs: 10000 } }),
    );
    expect(res.error?.code).toBe('E_MEMORY');
    expect((await runWith('return "alive";', none)).result).toBe('alive');
  });

  it('bounds the result and the console output', async () => {
    const policy = policyText({ limits: { maxOutputBytes: 1000 } });
    expect((await runWith('return "x".repeat(5000);', policy)).error?.code).toBe('E_OUTPUT_LIMIT');
    const flood = await runWith(
      'for (let i = 0; i < 1000; i++) { try { console.log("line", i); } catch {} }\nreturn 1;',
      policy,
    );
    expect(flood.error?.code).toBe('E_OUTPUT_LIMIT');
    expect(flood.logs.join('\n').length).toBeLessThanOrEqual(1000);
  });

  it('refuses results that are not plain data', async () => {
    for (const script of [
      'return () => 1;',
      'return new Map();',
      'const a = {}; a.self = a; return a;',
      'return { get x() { return 1; } };',
    ]) {
      const res = await runWith(script, none);
      expect(res.error?.code, script).toBe('E_SCRIPT');
      expect(res.error?.message, script).toMatch(/result/);
    }
  });

  it('bounds the script size', async () => {
    const rt = createRuntime({ size: 1, maxScriptBytes: 100 });
    try {
      const dir = tempDir();
      const res = await rt.run({
        policyPath: writePolicy(dir, none),
        script: `return "${'x'.repeat(200)}";`,
      });
      expect(res.error?.code).toBe('E_INPUT_LIMIT');
    } finally {
      await rt.close();
    }
  });

  it('ends the run with E_ABORTED when the host aborts', async () => {
    const controller = new AbortController();
    const pending = runWith('while (true) {}', policyText({ limits: { timeoutMs: 10000 } }), {
      signal: controller.signal,
    });
    setTimeout(() => controller.abort(), 100);
    const res = await pending;
    expect(res.error?.code).toBe('E_ABORTED');
  });

  it('reports an invalid policy as E_POLICY and never rejects', async () => {
    const res = await runWith('return 1;', 'version: 1\ntask: t\nlimits: { timeoutMs: "soon" }\n');
    expect(res.ok).toBe(false);
    expect(res.error?.code).toBe('E_POLICY');
    expect(res.error?.message).toMatch(/:3:\d+:/);
  });

  it('refuses a policy object it did not load (E_USAGE), and runs the same policy loaded', async () => {
    const rt = runtime();
    const text = policyText({ capabilities: { clock: '{ plugin: clock }' } });
    const loaded = await rt.parsePolicy(text);
    // Shaped like a loaded policy, but never checked: a copy, and one built by hand.
    const copy = JSON.parse(JSON.stringify(loaded));
    const byHand = {
      version: 1,
      task: 't',
      limits: { timeoutMs: 2000, memoryMb: 64 },
      capabilities: { clock: { plugin: 'clock' } },
    };
    for (const policy of [copy, byHand, null]) {
      const res = await rt.run({ policy, script: 'return typeof (await clock.now())' });
      expect(res).toMatchObject({ ok: false, error: { code: 'E_USAGE' } });
      expect(res.error?.message).toContain('loadPolicy()/parsePolicy()');
      expect(res.audit).toEqual([]);
    }
    await expect(rt.explainPolicy(copy)).rejects.toThrow(/loadPolicy\(\)\/parsePolicy\(\)/);
    await expect(rt.describePolicy(byHand as never)).rejects.toThrow(TypeError);
    const res = await rt.run({ policy: loaded, script: 'return typeof (await clock.now())' });
    expect(res).toMatchObject({ ok: true, result: 'number' });
  });
});

describe('audit sinks', () => {
  it('a killed run keeps its call records and ends with the reason, in the JSONL file', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'audit.jsonl');
    const mem = memorySink();
    const rt = createRuntime({ size: 1, audit: [jsonlSink(file), mem] });
    try {
      const policy = writePolicy(
        dir,
        policyText({ limits: { timeoutMs: 300 }, capabilities: { clock: '{ plugin: clock }' } }),
      );
      const res = await rt.run({
        policyPath: policy,
        script: 'await clock.now();\nawait clock.now();\nwhile (true) {}',
      });
      expect(res.error?.code).toBe('E_TIMEOUT');
    } finally {
      await rt.close();
    }
    const lines = fs
      .readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((r) => r.event)).toEqual([
      'run.start',
      'call.intent',
      'call',
      'call.intent',
      'call',
      'run.end',
    ]);
    expect(lines.at(-1)).toMatchObject({ ok: false, error: { code: 'E_TIMEOUT' }, calls: 2 });
    // The file's lines are the records plus the hash chain.
    expect(mem.records).toEqual(lines.map(({ prev, ...record }) => record));
  });

  it('calls onAudit with each record of the run', async () => {
    const seen: string[] = [];
    await runWith('return 1;', none, { onAudit: (r) => seen.push(r.event) });
    expect(seen).toEqual(['run.start', 'run.end']);
  });
});

describe('the host stays healthy', () => {
  it('runs many scripts concurrently across the pool, with hostile ones among them', async () => {
    const rt = runtime();
    const dir = tempDir();
    const fast = writePolicy(dir, policyText({ limits: { timeoutMs: 400 } }), 'fast.yaml');
    const jobs = Array.from({ length: 24 }, (_, i) =>
      i % 6 === 0
        ? rt.run({ policyPath: fast, script: 'for(;;){}' }).then((r) => r.error?.code)
        : rt.run({ policyPath: fast, script: `return ${i};` }).then((r) => r.result),
    );
    const results = await Promise.all(jobs);
    results.forEach((r, i) => {
      expect(r).toBe(i % 6 === 0 ? 'E_TIMEOUT' : i);
    });
  });
});

describe('library API', () => {
  it('takes a loaded policy or YAML text as well as a path, and explains it', async () => {
    const { loadPolicy, parsePolicy, explainPolicy } = await import('../src/index.ts');
    const dir = tempDir();
    const file = writePolicy(
      dir,
      policyText({ task: 'lib', capabilities: { clock: '{ plugin: clock, fixed: 0 }' } }),
    );
    const loaded = await loadPolicy(file);
    expect(loaded).toMatchObject({ task: 'lib', limits: { timeoutMs: 2000 } });
    expect(explainPolicy(loaded)).toContain('clock');
    const viaLoaded = await runtime().run({ policy: loaded, script: 'return Date.now();' });
    expect(viaLoaded).toMatchObject({ ok: true, result: 0 });
    const viaText = await runtime().run({
      policy: policyText({ task: 'text' }),
      script: 'return input;',
      input: [1],
    });
    expect(viaText).toMatchObject({ ok: true, result: [1] });
    expect(() => parsePolicy('version: 2\ntask: t\n', { file: 'p.yaml' })).toThrow(/p\.yaml:1:10/);
  });
});

describe('console', () => {
  it('formats values itself and bounds a line while building it', async () => {
    const res = await runWith(
      `const big = Array.from({ length: 50 }, () => Array.from({ length: 50 }, () => Array.from({ length: 50 }, () => 'x'.repeat(10000))));
       console.log(big);
       console.log('a', 1, null, undefined, 2n, Symbol('s'), [1, [2, [3, [4]]]], { k: 'v', get g() { return 1; } }, function named() {}, new RangeError('r'));
       return 1;`,
      policyText({ limits: { maxOutputBytes: 1 << 20 } }),
    );
    expect(res.error).toBeUndefined();
    expect(res.logs[0]?.length).toBeLessThanOrEqual(70_000);
    expect(res.logs[1]).toBe(
      'a 1 null undefined 2n Symbol(s) [ 1, [ 2, [ 3, [Array] ] ] ] { k: "v", g: [Getter/Setter] } [Function named] RangeError: r',
    );
  });
});

describe('a failing audit sink', () => {
  it('fails the run closed instead of letting it act unrecorded, and run() still resolves', async () => {
    let writes = 0;
    const rt = createRuntime({
      size: 1,
      audit: {
        write(record) {
          if (record.event === 'call.intent' && ++writes >= 2) throw new Error('disk full');
        },
      },
    });
    try {
      const dir = tempDir();
      fs.mkdirSync(path.join(dir, 'ws'));
      const policy = writePolicy(
        dir,
        policyText({ capabilities: { fs: '{ plugin: fs, root: ./ws, read: ["**"], write: ["**"] }' } }),
      );
      const res = await rt.run({
        policyPath: policy,
        script: 'for (let i = 0; i < 50; i++) await fs.writeFile("f" + i + ".txt", "x");\nreturn "done";',
      });
      expect(res.error?.code).toBe('E_INTERNAL');
      expect(res.error?.message).toMatch(/disk full/);
      expect(res.result).toBeUndefined();
    } finally {
      await rt.close();
    }
  });
});
