// Every attack in ../shared/attacks, run against the real `sesame` CLI by the corpus's own
// harness, judged only by canaries the script cannot fake. Each must be `contained`.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { bin } from '../helpers/cli.ts';
import { repoRoot } from '../helpers/runtime.ts';

const corpus = path.resolve(repoRoot, '..', 'shared', 'attacks');
const harness = path.join(corpus, 'harness', 'run-corpus.mjs');

interface Row {
  id: string;
  outcome: string;
  evidence: string[];
  detail: string;
}

function runCorpus(dirs: string[]): Promise<{ code: number | null; rows: Row[]; output: string }> {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'sesame-corpus-results-'));
  const json = path.join(out, 'rows.json');
  const q = (s: string) => `'${s.replaceAll("'", "'\\''")}'`;
  const cmd = `${q(process.execPath)} ${q(bin)} run {script} --policy {policy} --input-file {inputFile} --json`;
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

describe('attack corpus (../shared/attacks)', () => {
  it('finds the corpus beside the checkout', () => {
    expect(fs.existsSync(harness), `missing ${harness}`).toBe(true);
  });

  it('contains every attack', { timeout: 600_000 }, async () => {
    const { code, rows, output } = await runCorpus([corpus]);
    expect(rows.length, output).toBeGreaterThanOrEqual(38);
    const failed = rows
      .filter((r) => r.outcome !== 'contained')
      .map((r) => `${r.id}: ${r.outcome} ${r.evidence.join('; ')}`);
    expect(failed, output).toEqual([]);
    expect(code).toBe(0);
  });
});
