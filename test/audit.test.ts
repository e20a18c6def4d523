// Tamper-evident audit files: the hash chain, `sesame audit verify` and `sesame audit show`,
// and a SIGKILLed CLI whose audit file still parses and shows the run unfinished.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { GENESIS, lineHash, verifyChain } from '../src/audit/chain.ts';
import { jsonlSink } from '../src/audit/sinks.ts';
import type { AuditRecord } from '../src/protocol.ts';
import { bin, sesame } from './helpers/cli.ts';
import { closeRuntime, policyText, runWith, tempDir, writePolicy } from './helpers/runtime.ts';

afterAll(closeRuntime);

const record = (i: number): AuditRecord => ({
  event: 'run.end',
  ts: new Date(0).toISOString(),
  runId: `run-${i}`,
  task: 't',
  ok: true,
  durationMs: i,
  calls: 0,
});

/** Pids whose parent is `pid` (Linux /proc). */
function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid) out.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function chainFile(n: number): string {
  const file = path.join(tempDir(), 'audit.jsonl');
  const sink = jsonlSink(file);
  for (let i = 0; i < n; i++) sink.write(record(i));
  sink.close?.();
  return file;
}

describe('the hash chain', () => {
  it('links every line to the one before, and continues across reopenings', () => {
    const file = chainFile(3);
    const again = jsonlSink(file);
    again.write(record(3));
    again.close?.();
    const lines = fs.readFileSync(file, 'utf8').trim().split('\n');
    expect(JSON.parse(lines[0] as string).prev).toBe(GENESIS);
    for (let i = 1; i < lines.length; i++)
      expect(JSON.parse(lines[i] as string).prev).toBe(lineHash(lines[i - 1] as string));
    expect(verifyChain(fs.readFileSync(file, 'utf8'))).toEqual({ ok: true, records: 4, runs: 0 });
  });

  it('finds the first removed, reordered or edited record', () => {
    const lines = fs.readFileSync(chainFile(5), 'utf8').trim().split('\n');
    const removed = lines.filter((_, i) => i !== 2);
    expect(verifyChain(removed.join('\n'))).toMatchObject({ ok: false, line: 3 });
    const reordered = [lines[0], lines[2], lines[1], lines[3], lines[4]];
    expect(verifyChain(reordered.join('\n'))).toMatchObject({ ok: false, line: 2 });
    const edited = [...lines];
    edited[1] = (edited[1] as string).replace('"durationMs":1', '"durationMs":100');
    expect(verifyChain(edited.join('\n'))).toMatchObject({ ok: false, line: 3 });
    expect(verifyChain(lines.slice(1).join('\n'))).toMatchObject({ ok: false, line: 1 });
    expect(verifyChain(`${lines.join('\n')}\n{"torn":`)).toMatchObject({ ok: false, line: 6 });
  });
});

describe('sesame audit', () => {
  it('verify: exit 0 for an intact file, 1 naming the line for a tampered one', () => {
    const file = chainFile(4);
    const ok = sesame(['audit', 'verify', file]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/ok, 4 records/);
    const lines = fs.readFileSync(file, 'utf8').trim().split('\n');
    fs.writeFileSync(file, `${[lines[0], lines[2], lines[3]].join('\n')}\n`);
    const bad = sesame(['audit', 'verify', file]);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain(`${file}:2:`);
  });

  it('show: a readable table of a real run', () => {
    const dir = tempDir();
    const audit = path.join(dir, 'audit.jsonl');
    const policy = writePolicy(dir, policyText({ capabilities: { clock: '{ plugin: clock }' } }));
    const script = path.join(dir, 's.js');
    fs.writeFileSync(script, 'await clock.now(); try { await clock.now(1); } catch {} return 1;');
    expect(sesame(['run', script, '--policy', policy, '--audit', audit]).code).toBe(0);
    const res = sesame(['audit', 'show', audit]);
    expect(res.code).toBe(0);
    const out = res.stdout;
    expect(out).toMatch(/time\s+run\s+task\s+call\s+decision\s+outcome\s+duration/);
    expect(out).toMatch(/clock\.now\s+allow \(capability clock\)\s+ok/);
    expect(out).toMatch(/clock\.now\s+deny \(schema\)\s+E_INVALID_ARGUMENT/);
    expect(out).toMatch(/-- run end --\s+ok, 2 calls/);
  });

  it('a SIGKILLed CLI leaves an audit file that verifies and shows the run unfinished', async () => {
    const dir = tempDir();
    const audit = path.join(dir, 'audit.jsonl');
    const policy = writePolicy(
      dir,
      policyText({ limits: { timeoutMs: 20000 }, capabilities: { clock: '{ plugin: clock }' } }),
    );
    const script = path.join(dir, 's.js');
    fs.writeFileSync(script, 'for (let i = 0; i < 3; i++) await clock.now();\nwhile (true) {}');
    const child = spawn(process.execPath, [bin, 'run', script, '--policy', policy, '--audit', audit], {
      stdio: 'ignore',
    });
    // Wait until the calls are on disk, then kill the CLI outright.
    for (
      let i = 0;
      i < 200 && !(fs.existsSync(audit) && fs.readFileSync(audit, 'utf8').split('\n').length > 7);
      i++
    ) {
      await new Promise((r) => setTimeout(r, 25));
    }
    const sandboxes = childrenOf(child.pid as number);
    expect(sandboxes.length).toBe(1);
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    // The sandbox, left spinning in while(true), notices its supervisor is gone and ends itself.
    for (let i = 0; i < 100 && sandboxes.some(alive); i++) await new Promise((r) => setTimeout(r, 20));
    expect(sandboxes.filter(alive)).toEqual([]);
    const text = fs.readFileSync(audit, 'utf8');
    expect(verifyChain(text)).toMatchObject({ ok: true, records: 7, runs: 1 });
    const events = text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l).event);
    expect(events).toEqual([
      'run.start',
      'call.intent',
      'call',
      'call.intent',
      'call',
      'call.intent',
      'call',
    ]);
  });
});

// Records of calls without side effects (clock.now) and outcome records are kept in the sandbox
// for a moment and written in batches (src/sandbox/channel.ts); none may be lost or reordered.
describe('records written in batches', () => {
  const clockPolicy = (timeoutMs: number) =>
    policyText({ capabilities: { clock: '{ plugin: clock }' }, limits: { timeoutMs, maxCalls: 10_000 } });
  const calls = (audit: readonly AuditRecord[]) =>
    audit.filter((r) => r.event === 'call' || r.event === 'call.intent').map((r) => `${r.event} ${r.seq}`);

  it('a run killed at its deadline still has every record it made, in order, before its end', async () => {
    const res = await runWith(
      'for (let i = 0; i < 400; i++) await clock.now();\nwhile (true) {}',
      clockPolicy(300),
    );
    expect(res.error?.code).toBe('E_TIMEOUT');
    expect(calls(res.audit)).toEqual(
      Array.from({ length: 400 }, (_, i) => [`call.intent ${i + 1}`, `call ${i + 1}`]).flat(),
    );
    expect(res.audit.at(-1)).toMatchObject({ event: 'run.end', ok: false, calls: 400 });
  });

  it('a run its watchdog kills for memory still has every record it made', async () => {
    // ArrayBuffers are outside V8's heap limit: the watchdog thread sees the RSS, writes out the
    // kept records and ends the sandbox.
    const res = await runWith(
      'for (let i = 0; i < 50; i++) await clock.now();\nconst hog = [];\nfor (;;) hog.push(new Uint8Array(64 << 20).fill(1));',
      policyText({
        capabilities: { clock: '{ plugin: clock }' },
        limits: { memoryMb: 32, timeoutMs: 20_000 },
      }),
    );
    expect(res.error?.code).toBe('E_MEMORY');
    expect(calls(res.audit)).toEqual(
      Array.from({ length: 50 }, (_, i) => [`call.intent ${i + 1}`, `call ${i + 1}`]).flat(),
    );
  });

  it('records reach the host while the script is still running', async () => {
    // Nothing but the watchdog thread can write the records while the main thread spins: the host
    // aborts the run when it sees the fifth outcome, so the run ends E_ABORTED, not E_TIMEOUT.
    const abort = new AbortController();
    const res = await runWith(
      'for (let i = 0; i < 5; i++) await clock.now();\nwhile (true) {}',
      clockPolicy(5000),
      {
        signal: abort.signal,
        onAudit: (record) => {
          if (record.event === 'call' && record.seq === 5) abort.abort();
        },
      },
    );
    expect(res.error?.code).toBe('E_ABORTED');
    expect(calls(res.audit)).toHaveLength(10);
  });

  it('a call with side effects is recorded after the kept records of the calls before it', async () => {
    const dir = tempDir();
    const policy = policyText({
      capabilities: {
        clock: '{ plugin: clock }',
        fs: `{ plugin: fs, root: ${JSON.stringify(dir)}, read: ['**'], write: ['**'] }`,
      },
    });
    const res = await runWith(
      "for (let i = 0; i < 3; i++) await clock.now();\nawait fs.writeFile('b.txt', 'B');\nreturn await fs.readFile('b.txt', 'utf8');",
      policy,
    );
    expect(res.result).toBe('B');
    expect(res.audit.map((r) => ('method' in r ? `${r.event} ${r.method}` : r.event))).toEqual([
      'run.start',
      'call.intent now',
      'call now',
      'call.intent now',
      'call now',
      'call.intent now',
      'call now',
      'call.intent writeFile',
      'call writeFile',
      'call.intent readFile',
      'call readFile',
      'run.end',
    ]);
  });
});
