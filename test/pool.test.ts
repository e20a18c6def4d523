// The warm pool's bounds: a full queue answers E_BUSY at once instead of growing without limit,
// idle sandboxes are stopped after idleTimeoutMs, and a killed sandbox is replaced while other
// runs go on.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createRuntime, type Runtime } from '../src/index.ts';
import { policyText, repoRoot, tempDir } from './helpers/runtime.ts';

let gate: { open: () => void; opened: Promise<void> };
const newGate = () => {
  let open = () => {};
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  gate = { open, opened };
};
const tools = {
  wait: {
    description: 'Waits until the test opens the gate.',
    args: z.object({}),
    handler: async () => {
      await gate.opened;
      return 'opened';
    },
  },
};
const policy = policyText({ capabilities: { t: '{ plugin: tools, allow: [wait] }' } });
let rt: Runtime | undefined;
afterEach(async () => {
  await rt?.close();
  rt = undefined;
});

describe('the pool', () => {
  it('answers E_BUSY at once when every sandbox is busy and the queue is full', async () => {
    newGate();
    rt = createRuntime({ size: 1, maxQueue: 1, tools });
    await rt.prewarm();
    const first = rt.run({ policy, script: 'return await t.wait()' });
    // Let the first run take the sandbox before the others ask.
    while ((rt.stats().idle ?? 0) > 0) await new Promise((resolve) => setTimeout(resolve, 5));
    const second = rt.run({ policy, script: 'return 2' });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(rt.stats().waiting).toBe(1);
    const third = await rt.run({ policy, script: 'return 3' });
    expect(third.error?.code).toBe('E_BUSY');
    expect(third.error?.message).toContain('maxQueue');
    expect(third.audit.map((r) => r.event)).toEqual(['run.start', 'run.end']);
    gate.open();
    expect((await first).result).toBe('opened');
    expect((await second).result).toBe(2);
  });

  it('stops sandboxes idle longer than idleTimeoutMs, and starts one again when needed', async () => {
    rt = createRuntime({ size: 2, idleTimeoutMs: 150 });
    expect((await rt.run({ policy: policyText(), script: 'return 1' })).result).toBe(1);
    expect(rt.stats()).toMatchObject({ live: 1, idle: 1 });
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(rt.stats()).toMatchObject({ live: 0, idle: 0 });
    expect((await rt.run({ policy: policyText(), script: 'return 2' })).result).toBe(2);
    // A sandbox kept busy for longer than idleTimeoutMs is not stopped: idle means idle that long.
    const until = performance.now() + 400;
    while (performance.now() < until) {
      expect((await rt.run({ policy: policyText(), script: 'return 3' })).result).toBe(3);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(rt.stats()).toMatchObject({ live: 1, idle: 1 });
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(rt.stats()).toMatchObject({ live: 0, idle: 0 });
  });

  it('after a kill, serves the next run first and then starts the replacement in the background', async () => {
    rt = createRuntime({ size: 2 });
    await rt.prewarm();
    const runaway = await rt.run({
      policy: policyText({ limits: { timeoutMs: 200 } }),
      script: 'while (true) {}',
    });
    expect(runaway.error?.code).toBe('E_TIMEOUT');
    // Not started yet: starting a process would hold up the host while the next run is served.
    expect(rt.stats()).toMatchObject({ live: 1, idle: 1 });
    expect((await rt.run({ policy: policyText(), script: 'return 1' })).result).toBe(1);
    for (let i = 0; i < 200 && rt.stats().idle < 2; i++) await new Promise((r) => setTimeout(r, 25));
    expect(rt.stats()).toMatchObject({ live: 2, idle: 2 });
  });

  it('a sandbox started for a run loads the plugins it needs first, and the others when asked', async () => {
    rt = createRuntime({ size: 1 });
    expect((await rt.run({ policy: policyText(), script: 'return 1' })).result).toBe(1);
    const all = policyText({
      capabilities: { clock: '{ plugin: clock }', random: '{ plugin: random }', kv: '{ plugin: kv }' },
    });
    const res = await rt.run({
      policy: all,
      script:
        "await kv.set('a', 1);\nreturn [typeof (await clock.now()), typeof (await random.random()), await kv.get('a')];",
    });
    expect(res.result).toEqual(['number', 'number', 1]);
    expect(rt.stats()).toMatchObject({ live: 1 });
  });

  it('replaces a sandbox killed by a runaway run while another run goes on', async () => {
    newGate();
    rt = createRuntime({ size: 2, tools });
    await rt.prewarm();
    const held = rt.run({ policy, script: 'return await t.wait()' });
    const runaway = await rt.run({
      policy: policyText({ limits: { timeoutMs: 200 } }),
      script: 'while (true) {}',
    });
    expect(runaway.error?.code).toBe('E_TIMEOUT');
    const after = await rt.run({ policy: policyText(), script: 'return "next"' });
    expect(after.result).toBe('next');
    gate.open();
    expect((await held).result).toBe('opened');
    expect(rt.stats().live).toBeLessThanOrEqual(2);
  });

  it('close() waits for the sandbox processes; close({ wait: false }) lets the host exit, and they end too', () => {
    // A host process of its own (the built package), which lists its sandboxes (its child
    // processes, from /proc).
    const host = [
      `import fs from 'node:fs';`,
      `import { createRuntime } from ${JSON.stringify(path.join(repoRoot, 'dist', 'src', 'host', 'index.js'))};`,
      'const children = () => fs.readdirSync("/proc").filter((p) => /^[0-9]+$/.test(p)).filter((p) => {',
      '  try { return fs.readFileSync("/proc/" + p + "/stat", "utf8").split(") ")[1].split(" ")[1] === String(process.pid); } catch { return false; }',
      '}).map(Number);',
      'const alive = (pid) => { try { process.kill(pid, 0); return true; } catch { return false; } };',
      'const rt = createRuntime({ size: 2 });',
      `const res = await Promise.all([1, 2].map((n) => rt.run({ policy: ${JSON.stringify(policyText())}, script: 'return ' + n })));`,
      'const sandboxes = children();',
      'await rt.close({ wait: process.argv[2] === "wait" });',
      'console.log(JSON.stringify({ results: res.map((r) => r.result), sandboxes, aliveAfterClose: sandboxes.filter(alive) }));',
    ].join('\n');
    const file = path.join(tempDir(), 'host.mjs');
    fs.writeFileSync(file, host);
    const alive = (pid: number) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    for (const mode of ['wait', 'no-wait']) {
      const res = spawnSync(process.execPath, [file, mode], { encoding: 'utf8', timeout: 20_000 });
      expect(res.stderr).toBe('');
      expect(res.status).toBe(0);
      const out = JSON.parse(res.stdout);
      expect(out.results).toEqual([1, 2]);
      expect(out.sandboxes.length).toBe(2);
      if (mode === 'wait') expect(out.aliveAfterClose).toEqual([]);
      // Gone once the host has exited, whichever way it closed (a sandbox ends with its host).
      const until = Date.now() + 5000;
      while (out.sandboxes.some(alive) && Date.now() < until) spawnSync('sleep', ['0.05']);
      expect(out.sandboxes.filter(alive)).toEqual([]);
    }
  });
});
