// Every attack in ../shared/attacks, and every attack of our own corpus in ./attacks, run against
// the real `sesame` CLI by the shared corpus's own harness, judged only by canaries the script
// cannot fake. Each must be `contained`. Both corpora run from this one file, one after the other:
// the harness owns /tmp/sesame-canary and /tmp/sesame-secret while it runs.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { bin } from '../helpers/cli.ts';
import { repoRoot } from '../helpers/runtime.ts';

const corpus = path.resolve(repoRoot, '..', 'shared', 'attacks');
const harness = path.join(corpus, 'harness', 'run-corpus.mjs');
const ownCorpus = path.join(repoRoot, 'test', 'security', 'attacks');

interface Row {
  id: string;
  outcome: string;
  evidence: string[];
  detail: string;
}

// Our own attacks also get host tools that are tripwires (they write the attack's canary when
// anything but plain data, or any ungranted or unapproved call, reaches them).
const attackTools = path.join(repoRoot, 'test', 'security', 'attack-tools.mjs');

function runCorpus(
  dirs: string[],
  extra: string[] = [],
): Promise<{ code: number | null; rows: Row[]; output: string }> {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'sesame-corpus-results-'));
  const json = path.join(out, 'rows.json');
  const q = (s: string) => `'${s.replaceAll("'", "'\\''")}'`;
  const cmd = [
    `${q(process.execPath)} ${q(bin)} run {script} --policy {policy} --input-file {inputFile} --json`,
    ...extra.map(q),
  ].join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [harness, ...dirs, '--target', 'cmd', '--cmd', cmd, '--json', json, '--out', path.join(out, 'rows.md')],
      {
        cwd: repoRoot,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    child.stdout.on('data', (c) => (output += c));
    child.stderr.on('data', (c) => (output += c));
    child.on('error', reject);
    child.on('close', (code) => {
      const rows = fs.existsSync(json) ? (JSON.parse(fs.readFileSync(json, 'utf8')).rows as Row[]) : [];
      resolve({ code, rows, output });
    });
  });
}

const failures = (rows: Row[]) =>
  rows.filter((r) => r.outcome !== 'contained').map((r) => `${r.id}: ${r.outcome} ${r.evidence.join('; ')}`);

describe('attack corpus (../shared/attacks and test/security/attacks)', () => {
  it('finds both corpora', () => {
    expect(fs.existsSync(harness), `missing ${harness}`).toBe(true);
    const own = fs.readdirSync(ownCorpus).filter((f) => /^\d{3}-.*\.js$/.test(f));
    expect(own.length).toBeGreaterThanOrEqual(40);
  });

  it('contains every attack of the shared corpus', { timeout: 600_000 }, async () => {
    const { code, rows, output } = await runCorpus([corpus]);
    expect(rows.length, output).toBeGreaterThanOrEqual(38);
    expect(failures(rows), output).toEqual([]);
    expect(code).toBe(0);
  });

  it('contains every attack of our own corpus', { timeout: 600_000 }, async () => {
    const { code, rows, output } = await runCorpus([ownCorpus], ['--tools', attackTools]);
    expect(rows.length, output).toBeGreaterThanOrEqual(40);
    expect(failures(rows), output).toEqual([]);
    expect(code).toBe(0);
  });
});
