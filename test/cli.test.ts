// The `sesame` command as users and outside checks drive it: the single --json object, exit
// codes, error codes, policy check/explain, help and version.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { bin, sesame } from './helpers/cli.ts';
import { policyText, tempDir, writePolicy } from './helpers/runtime.ts';

function script(dir: string, body: string, name = 'tool.js'): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, body);
  return file;
}

function json(stdout: string): Record<string, unknown> {
  const lines = stdout.trim().split('\n');
  expect(lines).toHaveLength(1);
  return JSON.parse(lines[0] as string);
}

describe('sesame run', () => {
  it('runs the README example and prints exactly one JSON object', () => {
    const res = sesame([
      'run',
      'examples/hello.js',
      '--policy',
      'policies/hello.yaml',
      '--input',
      '{"name":"ada"}',
      '--json',
    ]);
    expect(res.code).toBe(0);
    const out = json(res.stdout);
    expect(out).toMatchObject({
      ok: true,
      result: { greeting: 'hello, ada', length: 3 },
      logs: ['greeting ada'],
    });
    expect(out.stats).toMatchObject({ calls: 0 });
    expect(typeof (out.stats as { durationMs: number }).durationMs).toBe('number');
  });

  it('prints the result for people without --json, logs on stderr', () => {
    const res = sesame(['run', 'examples/hello.js', '--policy', 'policies/hello.yaml']);
    expect(res.code).toBe(0);
    expect(JSON.parse(res.stdout)).toEqual({ greeting: 'hello, world', length: 5 });
    expect(res.stderr).toContain('greeting world');
  });

  it('reads input from a file and runs TypeScript', () => {
    const dir = tempDir();
    const input = path.join(dir, 'input.json');
    fs.writeFileSync(input, '{"n": 4}');
    const file = script(dir, 'const n: number = input.n;\nreturn n * n;', 'square.ts');
    const res = sesame([
      'run',
      file,
      '--policy',
      writePolicy(dir, policyText()),
      '--input-file',
      input,
      '--json',
    ]);
    expect(json(res.stdout)).toMatchObject({ ok: true, result: 16 });
  });

  it('exits 1 with E_SCRIPT when the script throws, with a line', () => {
    const dir = tempDir();
    const res = sesame([
      'run',
      script(dir, 'const a = 1;\nthrow new Error("boom");'),
      '--policy',
      writePolicy(dir, policyText()),
      '--json',
    ]);
    expect(res.code).toBe(1);
    expect(json(res.stdout)).toMatchObject({
      ok: false,
      error: { code: 'E_SCRIPT', message: 'Error: boom', line: 2 },
    });
  });

  it('exits 1 with E_SYNTAX for a syntax error', () => {
    const dir = tempDir();
    const res = sesame([
      'run',
      script(dir, 'return (;'),
      '--policy',
      writePolicy(dir, policyText()),
      '--json',
    ]);
    expect(res.code).toBe(1);
    expect(json(res.stdout)).toMatchObject({ ok: false, error: { code: 'E_SYNTAX', line: 1 } });
  });

  it('exits 1 with E_DENIED for an uncaught denied call', () => {
    const dir = tempDir();
    fs.mkdirSync(path.join(dir, 'ws'));
    const policy = writePolicy(
      dir,
      policyText({ capabilities: { fs: '{ plugin: fs, root: ./ws, read: ["**"], write: [] }' } }),
    );
    const res = sesame([
      'run',
      script(dir, 'await fs.writeFile("x.txt", "no");'),
      '--policy',
      policy,
      '--json',
    ]);
    expect(res.code).toBe(1);
    expect(json(res.stdout)).toMatchObject({ ok: false, error: { code: 'E_DENIED' } });
    expect(fs.existsSync(path.join(dir, 'ws', 'x.txt'))).toBe(false);
  });

  it('exits 2 with E_POLICY for an invalid policy, naming file, line and column', () => {
    const dir = tempDir();
    const policy = writePolicy(dir, 'version: 1\ntask: t\nlimits: { timeoutMs: 100, colour: red }\n');
    const res = sesame(['run', 'examples/hello.js', '--policy', policy, '--json']);
    expect(res.code).toBe(2);
    const out = json(res.stdout);
    expect(out).toMatchObject({ ok: false, error: { code: 'E_POLICY' } });
    expect((out.error as { message: string }).message).toContain(`${policy}:3:`);
  });

  it('exits 2 for bad usage', () => {
    expect(sesame(['run', 'examples/hello.js']).code).toBe(2);
    expect(sesame(['run', 'missing.js', '--policy', 'policies/hello.yaml', '--json']).code).toBe(2);
    const bad = sesame([
      'run',
      'examples/hello.js',
      '--policy',
      'policies/hello.yaml',
      '--input',
      '{nope',
      '--json',
    ]);
    expect(bad.code).toBe(2);
    expect(json(bad.stdout)).toMatchObject({ ok: false, error: { code: 'E_USAGE' } });
    expect(sesame(['frobnicate']).code).toBe(2);
  });

  it('exits 3 with E_TIMEOUT, and writes the audit file', () => {
    const dir = tempDir();
    const audit = path.join(dir, 'audit.jsonl');
    const policy = writePolicy(dir, policyText({ limits: { timeoutMs: 200 } }));
    const res = sesame(['run', script(dir, 'for (;;) {}'), '--policy', policy, '--audit', audit, '--json']);
    expect(res.code).toBe(3);
    expect(json(res.stdout)).toMatchObject({ ok: false, error: { code: 'E_TIMEOUT' } });
    const records = fs
      .readFileSync(audit, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(records.map((r) => r.event)).toEqual(['run.start', 'run.end']);
    expect(records[1]).toMatchObject({ ok: false, error: { code: 'E_TIMEOUT' } });
  });
});

describe('sesame run into a closed pipe', () => {
  it("exits with the run's own code and no stack trace when its reader is gone (| head)", async () => {
    const dir = tempDir();
    const policy = writePolicy(dir, policyText());
    const child = spawn(
      process.execPath,
      [bin, 'run', script(dir, 'throw new Error("x".repeat(100000))'), '--policy', policy, '--json'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    const code = await new Promise((resolve) => child.on('close', resolve));
    expect(stderr).not.toMatch(/EPIPE|Error:/);
    expect(code).toBe(1);
  });
});

describe('sesame policy', () => {
  it('check: exit 0 for a valid policy, 2 with positions for an invalid one', () => {
    expect(sesame(['policy', 'check', 'policies/hello.yaml']).code).toBe(0);
    const dir = tempDir();
    const bad = writePolicy(dir, 'version: 1\ntask: t\ncapabilities:\n  fs: { plugin: nope }\n');
    const res = sesame(['policy', 'check', bad]);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(new RegExp(`${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:4:\\d+: `));
  });

  it('explain: says what the task may and may not do', () => {
    const res = sesame(['policy', 'explain', 'policies/workspace.yaml']);
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/fs/);
    expect(res.stdout.toLowerCase()).toMatch(/not/);
  });
});

describe('help and version', () => {
  it('has --help on every command and --version', () => {
    for (const args of [
      ['--help'],
      ['run', '--help'],
      ['policy', '--help'],
      ['policy', 'check', '--help'],
      ['policy', 'explain', '--help'],
    ]) {
      const res = sesame(args);
      expect(res.code, args.join(' ')).toBe(0);
      expect(res.stdout, args.join(' ')).toMatch(/Usage: sesame/);
    }
    const version = sesame(['--version']);
    expect(version.code).toBe(0);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });
});
