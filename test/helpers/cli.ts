// Run the real `sesame` command (bin/sesame.js over the built dist/) as a child process.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { repoRoot } from './runtime.ts';

export const bin = path.join(repoRoot, 'bin', 'sesame.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function sesame(args: string[], opts: { cwd?: string; input?: string } = {}): CliResult {
  const res = spawnSync(process.execPath, [bin, ...args], {
    cwd: opts.cwd ?? repoRoot,
    encoding: 'utf8',
    input: opts.input ?? '',
    timeout: 30_000,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp' },
  });
  return { code: res.status, stdout: res.stdout, stderr: res.stderr };
}
