// What a plugin's ctx gives it beyond config: log(message), diagnostics that reach the operator
// (onPluginLog, the result's pluginLogs, the CLI's stderr) and never the script; and scratch(), a
// private directory per run that is removed when the run ends, also when it is killed.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createRuntime, type RunResult } from '../src/index.ts';
import { PLUGIN_LOG_MAX_CHARS, PLUGIN_LOG_MAX_LINES, type PluginLogEntry } from '../src/protocol.ts';
import { sesame } from './helpers/cli.ts';
import { repoRoot, tempDir, writePolicy } from './helpers/runtime.ts';

const scratcher = path.join(repoRoot, 'test', 'fixtures', 'plugins', 'scratcher');
const SECRET = 'sk-live-0123456789abcdef';

const received: PluginLogEntry[] = [];
const rt = createRuntime({ size: 2, plugins: [scratcher], onPluginLog: (entry) => received.push(entry) });
afterAll(() => rt.close());

const policyDir = tempDir();
fs.writeFileSync(path.join(policyDir, 'token.txt'), `${SECRET}\n`);
const policy = [
  'version: 1',
  'task: scratch-test',
  'limits: { timeoutMs: 1500 }',
  'secrets:',
  '  TOKEN: { file: token.txt }',
  'capabilities:',
  '  notes: { plugin: scratcher }',
  '  other: { plugin: scratcher }',
  '  keyed: { plugin: scratcher, token: TOKEN }',
  '',
].join('\n');
const policyPath = writePolicy(policyDir, policy);

/** The scratch directories a run's plugins logged, by capability. */
function scratchDirs(res: RunResult): Record<string, string> {
  const dirs: Record<string, string> = {};
  for (const entry of res.pluginLogs) {
    const m = /^scratch (\S+) mode (\d+) root (\d+)$/.exec(entry.message);
    if (m) dirs[entry.capability] = m[1] as string;
  }
  return dirs;
}

/** Everything of a run that reaches the script's side of the contract: result, error, logs, audit. */
const scriptSide = (res: RunResult) =>
  JSON.stringify({ result: res.result, error: res.error, logs: res.logs, audit: res.audit });

describe('ctx.scratch()', () => {
  it('is a private directory per capability and run, made on first use and gone after the run', async () => {
    const res = await rt.run({
      policyPath,
      script: `const n = await notes.write('a.txt', 'hello');
        await other.write('a.txt', 'other');
        return { n, back: await notes.read('a.txt'), otherBack: await other.read('a.txt') };`,
    });
    expect(res.error).toBeUndefined();
    expect(res.result).toEqual({ n: 5, back: 'hello', otherBack: 'other' });
    const dirs = scratchDirs(res);
    expect(Object.keys(dirs).sort()).toEqual(['notes', 'other']);
    const notes = dirs.notes as string;
    const root = path.dirname(notes);
    expect(path.dirname(dirs.other as string)).toBe(root);
    expect(path.dirname(root)).toBe(os.tmpdir());
    expect(path.basename(root)).toMatch(
      /^sesame-scratch-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
    );
    expect(res.pluginLogs.find((e) => e.capability === 'notes')?.message).toMatch(/ mode 700 root 700$/);
    expect(fs.existsSync(root)).toBe(false);
    expect(scriptSide(res)).not.toContain(root);
  });

  it('gives two runs different directories', async () => {
    const script = `await notes.write('x', 'y'); return 1;`;
    const [a, b] = await Promise.all([rt.run({ policyPath, script }), rt.run({ policyPath, script })]);
    const [dirA, dirB] = [scratchDirs(a as RunResult).notes, scratchDirs(b as RunResult).notes];
    expect(dirA).toBeDefined();
    expect(dirB).toBeDefined();
    expect(dirA).not.toBe(dirB);
    expect(fs.existsSync(dirA as string)).toBe(false);
    expect(fs.existsSync(dirB as string)).toBe(false);
  });

  it('is removed by the supervisor when the run is killed', async () => {
    const res = await rt.run({ policyPath, script: 'await notes.hang(); return 1;' });
    expect(res.error?.code).toBe('E_TIMEOUT');
    const dir = scratchDirs(res).notes;
    expect(dir).toBeDefined();
    expect(fs.existsSync(path.dirname(dir as string))).toBe(false);
  });

  it('is removed when the run is aborted', async () => {
    const controller = new AbortController();
    const running = rt.run({
      policyPath,
      script: 'await notes.hang(); return 1;',
      signal: controller.signal,
    });
    // Abort once the plugin has made its directory (it says so to the operator, as it happens).
    const seen = received.length;
    const logged = () => received.slice(seen).some((e) => e.message.startsWith('scratch '));
    for (let i = 0; i < 300 && !logged(); i++) await new Promise((r) => setTimeout(r, 10));
    expect(logged()).toBe(true);
    controller.abort();
    const res = await running;
    expect(res.error?.code).toBe('E_ABORTED');
    const dir = scratchDirs(res).notes;
    expect(dir).toBeDefined();
    expect(fs.existsSync(path.dirname(dir as string))).toBe(false);
  });
});

describe('ctx.log()', () => {
  it('reaches the host (onPluginLog and pluginLogs), never the script, with secrets redacted', async () => {
    const start = received.length;
    const res = await rt.run({
      policyPath,
      script: `console.log('from the script');
        await notes.log('plain line');
        await notes.log('a line\\nwith [plugin fake] a newline and \\u001b[31m an escape');
        await keyed.log('nothing secret');
        return { logs: typeof notes.log };`,
    });
    expect(res.error).toBeUndefined();
    const mine = res.pluginLogs.map(({ capability, plugin, message }) => ({ capability, plugin, message }));
    expect(mine).toEqual([
      { capability: 'keyed', plugin: 'scratcher', message: 'created with token [REDACTED:TOKEN]' },
      { capability: 'notes', plugin: 'scratcher', message: 'plain line' },
      {
        capability: 'notes',
        plugin: 'scratcher',
        message: 'a line\\x0awith [plugin fake] a newline and \\x1b[31m an escape',
      },
      { capability: 'keyed', plugin: 'scratcher', message: 'nothing secret' },
    ]);
    expect(res.pluginLogs.every((e) => e.runId === res.runId)).toBe(true);
    expect(received.slice(start)).toEqual(res.pluginLogs);
    expect(res.logs).toEqual(['from the script']);
    expect(scriptSide(res)).not.toContain('created with token');
    expect(JSON.stringify(res)).not.toContain(SECRET);
  });

  it('is redacted before it is cut, and bounded in length and in lines per run', async () => {
    const long = `${'x'.repeat(PLUGIN_LOG_MAX_CHARS - 5)}${SECRET}`;
    const res = await rt.run({
      policyPath,
      script: `await notes.log(${JSON.stringify(long)}); await notes.logMany(${PLUGIN_LOG_MAX_LINES + 50}); return 1;`,
    });
    expect(res.error).toBeUndefined();
    const [created, first, ...rest] = res.pluginLogs;
    expect(created?.capability).toBe('keyed');
    expect(first?.message).toHaveLength(PLUGIN_LOG_MAX_CHARS);
    expect(first?.message.endsWith('…')).toBe(true);
    expect(JSON.stringify(res)).not.toContain(SECRET.slice(0, 5));
    expect(res.pluginLogs).toHaveLength(PLUGIN_LOG_MAX_LINES + 1);
    expect(rest.at(-1)?.message).toMatch(/the rest are dropped/);
  });

  it('is printed by the CLI to stderr as [plugin <name>], and kept out of --json unless present', async () => {
    const script = path.join(policyDir, 'script.js');
    fs.writeFileSync(script, "await notes.log('hi operator'); console.log('hi user'); return 1;");
    const plain = await sesame(['run', script, '--policy', policyPath, '--plugin', scratcher]);
    expect(plain.code).toBe(0);
    expect(plain.stdout.trim()).toBe('1');
    expect(plain.stderr).toContain('[plugin scratcher] created with token [REDACTED:TOKEN]\n');
    expect(plain.stderr).toContain('[plugin scratcher] hi operator\n');
    expect(plain.stderr).toContain('hi user\n');
    expect(plain.stderr).not.toContain(SECRET);
    const json = await sesame(['run', script, '--policy', policyPath, '--plugin', scratcher, '--json']);
    const out = JSON.parse(json.stdout);
    expect(out.logs).toEqual(['hi user']);
    expect(out.pluginLogs).toEqual([
      { capability: 'keyed', plugin: 'scratcher', message: 'created with token [REDACTED:TOKEN]' },
      { capability: 'notes', plugin: 'scratcher', message: 'hi operator' },
    ]);
    expect(json.stderr).toBe('');
  });
});
