// Host tools and approvals from the command line: `sesame run --tools <module>`, and the terminal
// approver (asks one call at a time; denies when there is nobody to ask).
import fs from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { terminalApprover } from '../src/cli/approve.ts';
import type { ApprovalRequest } from '../src/index.ts';
import { sesame } from './helpers/cli.ts';
import { policyText, repoRoot, tempDir, writePolicy } from './helpers/runtime.ts';

const toolsModule = path.join(repoRoot, 'test', 'fixtures', 'tools', 'tools.mjs');
const dir = tempDir();
const policy = writePolicy(
  dir,
  policyText({ capabilities: { host: '{ plugin: tools, allow: [weather, book], approve: [book] }' } }),
);
const script = (body: string) => {
  const file = path.join(dir, `s-${Math.random().toString(36).slice(2)}.js`);
  fs.writeFileSync(file, body);
  return file;
};

describe('sesame run --tools', () => {
  it('registers the module’s tools; the policy grants them', () => {
    const res = sesame([
      'run',
      script('return await host.weather({ city: "Oslo" })'),
      '--policy',
      policy,
      '--tools',
      toolsModule,
      '--json',
    ]);
    expect(res.stderr).toBe('');
    expect(JSON.parse(res.stdout)).toMatchObject({ ok: true, result: { city: 'Oslo', tempC: 4 } });
    expect(res.code).toBe(0);
  });

  it('without a terminal, a call that needs approval is denied (exit 1, E_DENIED)', () => {
    const res = sesame([
      'run',
      script('return await host.book({ room: "A" })'),
      '--policy',
      policy,
      '--tools',
      toolsModule,
      '--json',
    ]);
    const out = JSON.parse(res.stdout);
    expect(out.error.code).toBe('E_DENIED');
    expect(out.error.message).toContain('host.book: not approved (the host has no approver)');
    expect(res.code).toBe(1);
  });

  it('a policy granting a tool the module lacks is E_POLICY (exit 2)', () => {
    const res = sesame(['run', script('return 1'), '--policy', policy, '--json']);
    expect(JSON.parse(res.stdout).error.code).toBe('E_POLICY');
    expect(res.code).toBe(2);
  });

  it('a tools module that cannot be loaded is E_USAGE (exit 2)', () => {
    const res = sesame([
      'run',
      script('return 1'),
      '--policy',
      policy,
      '--tools',
      path.join(dir, 'nope.mjs'),
      '--json',
    ]);
    expect(JSON.parse(res.stdout).error).toMatchObject({ code: 'E_USAGE' });
    expect(JSON.parse(res.stdout).error.message).toContain('cannot load the tools module');
    expect(res.code).toBe(2);
  });
});

describe('policy check --tools', () => {
  it('checks the granted tool names against the module, with positions', () => {
    const ok = sesame(['policy', 'check', policy, '--tools', toolsModule]);
    expect(ok.code).toBe(0);
    const bad = writePolicy(
      dir,
      policyText({ capabilities: { host: '{ plugin: tools, allow: [weather, nope] }' } }),
      'bad.yaml',
    );
    const res = sesame(['policy', 'check', bad, '--tools', toolsModule]);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain(
      'capabilities.host.allow[1]: the host registers no tool named "nope" (it has: weather, book)',
    );
    // Without the module, names cannot be checked: the policy is valid as far as it can tell.
    expect(sesame(['policy', 'check', bad]).code).toBe(0);
  });
});

describe('the terminal approver', () => {
  const request = (method: string, signal = new AbortController().signal): ApprovalRequest => ({
    runId: 'r',
    task: 't',
    capability: 'host',
    plugin: 'tools',
    method,
    args: [{ room: 'A\u001b[2J' }],
    rule: 'capabilities.host.allow',
    signal,
  });

  it('asks one call at a time and takes y as yes, anything else as no', async () => {
    const input = new PassThrough();
    const output = new PassThrough();
    let shown = '';
    output.on('data', (chunk) => {
      shown += String(chunk);
    });
    const approve = terminalApprover(input, output);
    const first = approve(request('book'));
    const second = approve(request('cancel'));
    await new Promise((resolve) => setImmediate(resolve));
    // Only the first question is on screen until it is answered; escapes are not passed through.
    expect(shown).toContain(String.raw`host.book({"room":"A\u001b[2J"})`);
    expect(shown).not.toContain('cancel');
    input.write('y\n');
    expect(await first).toBe(true);
    await new Promise((resolve) => setImmediate(resolve));
    expect(shown).toContain('host.cancel(');
    input.write('nope\n');
    expect(await second).toBe(false);
  });

  it('withdraws a question whose decision no longer matters', async () => {
    const input = new PassThrough();
    const output = new PassThrough();
    output.resume();
    const controller = new AbortController();
    const pending = terminalApprover(input, output)(request('book', controller.signal));
    controller.abort();
    expect(await pending).toBe(false);
  });
});
