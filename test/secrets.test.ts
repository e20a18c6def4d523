// Policy secrets: read at load time (a missing one is E_POLICY then), referenced by capabilities,
// never part of the LoadedPolicy data, and redacted from whatever leaves a sandbox.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { definePlugin, z } from '../src/plugin/index.ts';
import { PolicyError, parsePolicy, secretValues } from '../src/policy/load.ts';
import { redact } from '../src/protocol.ts';
import { tempDir } from './helpers/runtime.ts';

const tokenUser = definePlugin({
  name: 'token-user',
  description: 'Uses one secret named in its config.',
  config: z.object({ token: z.string() }).strict(),
  methods: {},
  secrets: (config) => [config.token],
  create: () => ({}),
});
const plugins = Object.freeze([tokenUser]);

function issuesOf(fn: () => unknown) {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(PolicyError);
    return (error as PolicyError).issues;
  }
  throw new Error('expected a PolicyError');
}

afterEach(() => {
  delete process.env.SESAME_TEST_TOKEN;
});

describe('policy secrets', () => {
  it('reads env and file secrets at load time, outside the policy data', () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'token.txt'), 'from-a-file\n');
    process.env.SESAME_TEST_TOKEN = 'from-the-env';
    const text = [
      'version: 1',
      'task: t',
      'secrets:',
      '  A: { env: SESAME_TEST_TOKEN }',
      '  B: { file: token.txt }',
      'capabilities:',
      '  x: { plugin: token-user, token: A }',
      '',
    ].join('\n');
    const policy = parsePolicy(text, { file: path.join(dir, 'p.yaml'), plugins });
    expect(policy.secrets).toEqual({ A: { env: 'SESAME_TEST_TOKEN' }, B: { file: 'token.txt' } });
    expect([...secretValues(policy)]).toEqual([
      ['A', 'from-the-env'],
      ['B', 'from-a-file'],
    ]);
    expect(JSON.stringify(policy)).not.toContain('from-the-env');
    expect(JSON.stringify(policy)).not.toContain('from-a-file');
  });

  it('a missing env variable or file is an E_POLICY error with its position, and no value in the message', () => {
    const dir = tempDir();
    const text =
      'version: 1\ntask: t\nsecrets:\n  A: { env: SESAME_TEST_TOKEN }\n  B: { file: missing.txt }\n';
    const issues = issuesOf(() => parsePolicy(text, { file: path.join(dir, 'p.yaml'), plugins }));
    expect(issues.map((i) => [i.line, i.column])).toEqual([
      [4, 13],
      [5, 14],
    ]);
    expect(issues[0]?.message).toMatch(/SESAME_TEST_TOKEN is not set/);
    expect(issues[1]?.message).toMatch(/cannot read the file \(ENOENT\)/);
  });

  it('a capability that uses an undefined secret is an E_POLICY error', () => {
    const text = 'version: 1\ntask: t\ncapabilities:\n  x: { plugin: token-user, token: NOPE }\n';
    const issues = issuesOf(() => parsePolicy(text, { plugins }));
    expect(issues[0]).toMatchObject({ line: 4, path: ['capabilities', 'x'] });
    expect(issues[0]?.message).toMatch(/secret NOPE, which is not defined/);
  });

  it('rejects bad secret names and unknown source keys', () => {
    const text = 'version: 1\ntask: t\nsecrets:\n  1bad: { env: X }\n  ok: { vault: x }\n';
    const issues = issuesOf(() => parsePolicy(text, { plugins }));
    expect(issues.length).toBeGreaterThanOrEqual(2);
  });
});

describe('redact', () => {
  it('replaces every occurrence in strings, keys and nested data', () => {
    const secrets = [{ name: 'T', value: 's3cr3t-value' }];
    const out = redact(
      {
        a: 'x s3cr3t-value y s3cr3t-value',
        list: ['s3cr3t-value'],
        's3cr3t-value': 1,
        n: 2,
        deep: { e: { message: 'Bearer s3cr3t-value' } },
      },
      secrets,
    );
    expect(out).toEqual({
      a: 'x [REDACTED:T] y [REDACTED:T]',
      list: ['[REDACTED:T]'],
      '[REDACTED:T]': 1,
      n: 2,
      deep: { e: { message: 'Bearer [REDACTED:T]' } },
    });
    expect(JSON.stringify(out)).not.toContain('s3cr3t-value');
  });

  it('returns the value itself when there are no secrets', () => {
    const v = { a: 1 };
    expect(redact(v, [])).toBe(v);
  });
});
