// Fuzzing the membrane through a real sandbox: random arguments to every method of every
// built-in plugin. Every call must end in a value or an error with a stable code that the
// runtime vouches for; never an internal plugin failure (E_PLUGIN), never a crashed sandbox, and
// nothing written outside the root.
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { builtinPlugins } from '../../plugins/index.ts';
import { createRuntime } from '../../src/index.ts';
import { tempDir, writePolicy } from '../helpers/runtime.ts';

const SEED = 20261123;
const runtime = createRuntime({ size: 1 });
afterAll(() => runtime.close());

const arg = fc.letrec((tie) => ({
  node: fc.oneof(
    { depthSize: 'small' },
    fc.string({ maxLength: 40 }),
    fc.constantFrom(
      'data.txt',
      'out/x.txt',
      '../x',
      '/etc/passwd',
      'a\0b',
      '.',
      '',
      'utf8',
      'out',
      'sub/../out/y',
    ),
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    tie('array'),
    tie('object'),
  ),
  array: fc.array(tie('node'), { maxLength: 3 }),
  object: fc.dictionary(fc.constantFrom('encoding', 'recursive', 'force', 'x', '__proto__'), tie('node'), {
    maxKeys: 3,
  }),
})).node;

const methods = builtinPlugins.flatMap((p) => Object.keys(p.methods).map((m) => [p.name, m] as const));
const call = fc.tuple(fc.constantFrom(...methods), fc.array(arg, { maxLength: 4 }));

describe('membrane fuzzing', () => {
  it('random arguments to every method give values or coded errors, nothing else', async () => {
    const dir = tempDir();
    const root = path.join(dir, 'root');
    fs.mkdirSync(path.join(root, 'out'), { recursive: true });
    fs.writeFileSync(path.join(root, 'data.txt'), 'data');
    fs.writeFileSync(path.join(dir, 'outside.txt'), 'outside');
    const caps = builtinPlugins.map((p) =>
      p.name === 'fs'
        ? `  fs: { plugin: fs, root: ./root, read: ["**"], write: ["out/**"] }`
        : p.name === 'http'
          ? `  http: { plugin: http, allow: ["GET http://127.0.0.1:9/nothing"] }`
          : `  ${p.name}: { plugin: ${p.name} }`,
    );
    const policy = writePolicy(
      dir,
      `version: 1\ntask: fuzz\nlimits: { timeoutMs: 20000, maxCalls: 100000 }\ncapabilities:\n${caps.join('\n')}\n`,
    );
    const script = `
      const codes = [];
      for (const [[cap, method], args] of input) {
        try { await globalThis[cap][method](...args); codes.push('ok'); }
        catch (e) { codes.push(typeof e?.code === 'string' ? e.code : 'uncoded: ' + String(e)); }
      }
      return codes;`;
    const batches = fc.sample(fc.array(call, { minLength: 20, maxLength: 20 }), { seed: SEED, numRuns: 25 });
    const seen = new Set<string>();
    for (const input of batches) {
      // The http plugin would try to connect on a valid call; leave network calls to its own tests.
      const calls = input.filter(([[plugin]]) => plugin !== 'http');
      const res = await runtime.run({ policyPath: policy, script, input: calls });
      expect(res.error, JSON.stringify(calls).slice(0, 300)).toBeUndefined();
      for (const code of res.result as string[]) {
        seen.add(code);
        expect(code, JSON.stringify(calls).slice(0, 300)).toMatch(
          /^(ok|E_INVALID_ARGUMENT|E_DENIED|E[A-Z0-9_]+)$/,
        );
        expect(code).not.toBe('E_PLUGIN');
        expect(code).not.toMatch(/^uncoded/);
      }
    }
    expect(seen.has('E_INVALID_ARGUMENT')).toBe(true);
    expect(fs.readFileSync(path.join(dir, 'outside.txt'), 'utf8')).toBe('outside');
    expect(fs.readdirSync(dir).sort()).toEqual(['outside.txt', 'policy.yaml', 'root']);
  });
});
