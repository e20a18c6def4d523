// Fuzzing the policy loader (fast-check, seeded and reproducible): random YAML text and random
// data must give a valid policy or a clean PolicyError with positions, never another exception,
// and nothing the schema forbids is ever accepted.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { builtinPlugins } from '../../plugins/index.ts';
import { PolicyError, parsePolicy } from '../../src/policy/load.ts';

const SEED = 20261123;
const parse = (text: string) => parsePolicy(text, { file: 'fuzz.yaml', plugins: builtinPlugins });

/** Either a policy or a PolicyError whose every issue has a position inside the text. */
function loadOrExplain(text: string): 'ok' | 'error' {
  try {
    const policy = parse(text);
    // Accepted: it must really be a v1 policy with known plugins and bounded limits.
    expect(policy.version).toBe(1);
    expect(policy.limits.timeoutMs).toBeGreaterThanOrEqual(1);
    expect(policy.limits.timeoutMs).toBeLessThanOrEqual(600_000);
    for (const cap of Object.values(policy.capabilities)) {
      expect(builtinPlugins.map((p) => p.name)).toContain(cap.plugin);
    }
    return 'ok';
  } catch (error) {
    if (!(error instanceof PolicyError)) throw error;
    const lines = text.split('\n').length;
    for (const issue of error.issues) {
      expect(issue.message.length).toBeGreaterThan(0);
      expect(issue.line).toBeGreaterThanOrEqual(0);
      expect(issue.line).toBeLessThanOrEqual(lines + 1);
    }
    expect(error.message).toMatch(/^fuzz\.yaml(:\d+:\d+)?: /);
    return 'error';
  }
}

const scalar = fc.oneof(
  fc.string(),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constantFrom(
    'fs',
    'clock',
    'random',
    'http',
    '**',
    '../..',
    '/etc',
    '__proto__',
    'constructor',
    '1e309',
  ),
);
const key = fc.oneof(
  fc.constantFrom(
    'version',
    'task',
    'limits',
    'capabilities',
    'secrets',
    'plugin',
    'root',
    'read',
    'write',
    'timeoutMs',
    'memoryMb',
    'maxCalls',
    'maxOutputBytes',
    'fixed',
    'env',
    'file',
    '__proto__',
    'constructor',
    'prototype',
  ),
  fc.string({ maxLength: 12 }),
);
const value = fc.letrec((tie) => ({
  node: fc.oneof({ depthSize: 'small' }, scalar, tie('array'), tie('object')),
  array: fc.array(tie('node'), { maxLength: 4 }),
  object: fc.dictionary(key, tie('node'), { maxKeys: 5 }),
})).node;

/** Policies that are nearly right: a valid skeleton with random parts replaced. */
const nearPolicy = fc.record({
  version: fc.oneof(fc.constant(1), scalar),
  task: fc.oneof(fc.constant('t'), scalar),
  limits: fc.oneof(fc.constant(undefined), fc.dictionary(key, scalar, { maxKeys: 4 })),
  capabilities: fc.oneof(
    fc.constant({ clock: { plugin: 'clock' } }),
    fc.dictionary(
      key,
      fc.oneof(
        value,
        fc.record({ plugin: fc.constantFrom('fs', 'clock', 'random', 'nope') }, { requiredKeys: [] }),
      ),
      {
        maxKeys: 3,
      },
    ),
  ),
});

describe('policy loader fuzzing', () => {
  it('random text: a policy or a clean PolicyError, never a crash', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (text) => {
        loadOrExplain(text);
      }),
      { seed: SEED, numRuns: 1500 },
    );
  });

  it('random YAML documents: a policy or a clean PolicyError, never a crash', () => {
    fc.assert(
      fc.property(value, (data) => {
        loadOrExplain(stringify(data));
      }),
      { seed: SEED, numRuns: 1500 },
    );
  });

  it('nearly valid policies: only valid ones are accepted', () => {
    let accepted = 0;
    fc.assert(
      fc.property(nearPolicy, (data) => {
        if (loadOrExplain(stringify(data)) === 'ok') accepted++;
      }),
      { seed: SEED, numRuns: 1500 },
    );
    // The generator is meant to hit both sides; a test that never accepts proves less.
    expect(accepted).toBeGreaterThan(0);
  });

  it('mangled valid policies (YAML syntax noise): never a crash', () => {
    const base =
      'version: 1\ntask: t\nlimits: { timeoutMs: 100 }\ncapabilities:\n  clock: { plugin: clock }\n';
    fc.assert(
      fc.property(fc.nat(base.length), fc.string({ maxLength: 6 }), (at, noise) => {
        loadOrExplain(base.slice(0, at) + noise + base.slice(at));
      }),
      { seed: SEED, numRuns: 1500 },
    );
  });
});
