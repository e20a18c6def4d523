// `npm run bench` (issue 6) in its --quick form: one invocation prints one markdown table with a
// row for every scenario and a column for sesame and every peer. Shape only: nothing here looks at
// a time, a rate or a size, which depend on the machine (and are meaningless with --quick).
// Needs dist/ (npm test builds it first).
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { expect, it } from 'vitest';
import { repoRoot } from './helpers/runtime.ts';

const ROWS = [
  '1a',
  '1b',
  '2',
  '3',
  '3b',
  '4',
  '5',
  '6',
  '7a',
  '7b',
  '7c',
  '7d',
  '8a',
  '8b',
  '9a',
  '9b',
  '9c',
  '9d',
  '9e',
  '9f',
];
const PEERS = ['raw SES floor', 'node:vm', 'isolated-vm', 'quickjs-emscripten', '@sebastianwessel/quickjs'];

it('prints one table with every scenario row and every peer column', { timeout: 90_000 }, () => {
  const res = spawnSync(process.execPath, [path.join('bench', 'run.js'), '--quick'], {
    cwd: repoRoot,
    encoding: 'utf8',
    timeout: 85_000,
  });
  expect(res.stderr).not.toMatch(/Error:/);
  expect(res.status).toBe(0);

  const table = res.stdout.split('\n').filter((line) => line.startsWith('|'));
  const cells = (line: string) =>
    line
      .slice(1, -1)
      .split(/(?<!\\)\|/)
      .map((cell) => cell.trim());
  const [header, rule, ...rows] = table.map(cells);
  expect(header?.slice(0, 3)).toEqual(['scenario', 'sesame median', 'sesame p99']);
  for (const peer of PEERS) expect(header).toContain(peer);
  expect(header?.slice(-2)).toEqual(['target', 'met?']);
  expect(rule?.every((cell) => /^-{3,}$/.test(cell))).toBe(true);

  // Exactly one table: every row has the header's columns, one row per scenario, in order.
  expect(rows.map((row) => row[0]?.split(' ')[0])).toEqual(ROWS);
  for (const row of rows) {
    expect(row).toHaveLength(header?.length ?? 0);
    // Every cell says something: a figure, or why there is none.
    for (const cell of row) expect(cell).not.toBe('');
  }
  expect(res.stdout).toContain('Where a peer wins');
});
