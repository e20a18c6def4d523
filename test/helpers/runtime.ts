// Shared set-up for tests that go through the real runtime and real sandbox workers.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRuntime, type RunOptions, type Runtime } from '../../src/index.ts';

export const repoRoot = path.resolve(import.meta.dirname, '../..');

/** A temp dir with a policy file in it; returns the dir and a writer for more files. */
export function tempDir(prefix = 'sesame-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** A policy text with the given limits and capabilities (YAML flow style). */
export function policyText(
  opts: { task?: string; limits?: Record<string, number>; capabilities?: Record<string, string> } = {},
): string {
  const limits = { timeoutMs: 2000, memoryMb: 64, maxCalls: 100, maxOutputBytes: 65536, ...opts.limits };
  const lines = [
    'version: 1',
    `task: ${opts.task ?? 'test'}`,
    `limits: { ${Object.entries(limits)
      .map(([k, v]) => `${k}: ${v}`)
      .join(', ')} }`,
  ];
  const caps = Object.entries(opts.capabilities ?? {});
  if (caps.length === 0) lines.push('capabilities: {}');
  else {
    lines.push('capabilities:');
    for (const [name, body] of caps) lines.push(`  ${name}: ${body}`);
  }
  return `${lines.join('\n')}\n`;
}

/** Write a policy into `dir` and return its path. */
export function writePolicy(dir: string, text: string, name = 'policy.yaml'): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
}

let shared: Runtime | undefined;
/** One runtime per test file (workers are reused across tests, as a host would). */
export function runtime(): Runtime {
  shared ??= createRuntime({ size: 2 });
  return shared;
}
export async function closeRuntime(): Promise<void> {
  await shared?.close();
  shared = undefined;
}

/** Run a script under an inline policy written to a temp dir. */
export async function runWith(script: string, policy: string, extra: Partial<RunOptions> = {}) {
  const dir = tempDir();
  return runtime().run({ policyPath: writePolicy(dir, policy), script, ...extra });
}
