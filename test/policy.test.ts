// The policy loader: valid policies load with defaults; every kind of mistake is an E_POLICY error
// naming the exact line and column and saying what was expected; the shipped example policies load;
// policies/schema.json matches the zod schema; explain says what is granted and what is not.
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import clock from '../plugins/clock/index.ts';
import { builtinPlugins } from '../plugins/index.ts';
import random from '../plugins/random/index.ts';
import { type AnyPlugin, definePlugin, z } from '../src/plugin/index.ts';
import { explainPolicy, formatBytes, formatDuration } from '../src/policy/explain.ts';
import { policyJsonSchema, renderPolicyJsonSchema } from '../src/policy/json-schema.ts';
import { type LoadedPolicy, loadPolicy, PolicyError, parsePolicy } from '../src/policy/load.ts';
import { standardPlugins } from '../src/policy/providers.ts';
import {
  DEFAULT_LIMITS,
  makePolicySchema,
  RESERVED_NAMES,
  reservedNameReason,
} from '../src/policy/schema.ts';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

// A stand-in for fs with the same config shape, so these tests do not depend on the real plugin.
const checked: unknown[] = [];
const files = definePlugin({
  name: 'fs',
  description: 'Files under one root.',
  config: z
    .object({
      root: z.string().min(1),
      read: z.array(z.string()).default([]),
      write: z.array(z.string()).default([]),
    })
    .strict(),
  methods: {
    readFile: { description: 'Read a text file.', args: z.tuple([z.string()]), returns: z.string() },
  },
  check(config, ctx) {
    checked.push(config);
    if (config.root === 'explode') throw new Error('boom');
    const issues = [];
    try {
      readdirSync(ctx.resolvePath(config.root));
    } catch {
      issues.push({
        path: ['root'],
        message: `expected an existing directory, got ${ctx.resolvePath(config.root)}`,
      });
    }
    config.write.forEach((glob, index) => {
      if (glob.startsWith('/'))
        issues.push({ path: ['write', index], message: `expected a relative glob, got "${glob}"` });
    });
    return issues;
  },
  explain: (config, ctx) => [
    `may read ${config.read.join(', ') || 'nothing'} under ${ctx.resolvePath(config.root)}`,
  ],
  create: () => ({ readFile: () => '' }),
});
const plugins: readonly AnyPlugin[] = Object.freeze([files, clock, random]);

const parse = (text: string, file?: string) =>
  parsePolicy(text, file === undefined ? { plugins } : { file, plugins });

/** The PolicyError that parsing `text` throws. */
function policyError(text: string, file?: string): PolicyError {
  try {
    parse(text, file);
  } catch (error) {
    expect(error).toBeInstanceOf(PolicyError);
    return error as PolicyError;
  }
  throw new Error(`expected a PolicyError for:\n${text}`);
}

/** The single issue `text` has, as `line:col: message`. */
function onlyIssue(text: string): string {
  const error = policyError(text);
  expect(error.code).toBe('E_POLICY');
  expect(error.issues).toHaveLength(1);
  const [issue] = error.issues;
  expect(error.message).toBe(`<policy>:${issue?.line}:${issue?.column}: ${issue?.message}`);
  return `${issue?.line}:${issue?.column}: ${issue?.message}`;
}

const temp = mkdtempSync(path.join(os.tmpdir(), 'sesame-policy-'));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

describe('valid policies', () => {
  it('apply the default limits and grant nothing by default', () => {
    const text = 'version: 1\ntask: hello\n';
    const policy = parse(text);
    expect(policy).toEqual({
      version: 1,
      task: 'hello',
      limits: DEFAULT_LIMITS,
      capabilities: {},
      secrets: {},
      dir: process.cwd(),
      hash: createHash('sha256').update(text).digest('hex'),
    });
    expect(DEFAULT_LIMITS).toEqual({
      timeoutMs: 2000,
      memoryMb: 64,
      maxCalls: 1000,
      maxOutputBytes: 65536,
      approvalTimeoutMs: 60000,
    });
  });

  it('fill in the limits left out', () => {
    const policy = parse('version: 1\ntask: t\nlimits: { timeoutMs: 500, maxCalls: 0 }\n');
    expect(policy.limits).toEqual({
      timeoutMs: 500,
      memoryMb: 64,
      maxCalls: 0,
      maxOutputBytes: 65536,
      approvalTimeoutMs: 60000,
    });
  });

  it('split each capability into its plugin and its validated config, defaults applied', () => {
    const policy = parse(
      [
        'version: 1',
        'task: work.v2_x-1',
        'description: Does work.',
        'capabilities:',
        '  files: { plugin: fs, root: ., read: ["**"] }',
        '  clock: { plugin: clock, fixed: 0 }',
        '  $rand: { plugin: random }',
      ].join('\n'),
    );
    expect(policy.description).toBe('Does work.');
    expect(policy.capabilities).toEqual({
      files: { plugin: 'fs', config: { root: '.', read: ['**'], write: [] } },
      clock: { plugin: 'clock', config: { fixed: 0 } },
      $rand: { plugin: 'random', config: {} },
    });
  });

  it('resolve paths against the policy file and hand plugins frozen config', async () => {
    const dir = path.join(temp, 'policies');
    mkdirSync(path.join(temp, 'work'), { recursive: true });
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, 'p.yaml');
    writeFileSync(file, 'version: 1\ntask: t\ncapabilities:\n  files: { plugin: fs, root: ../work }\n');
    checked.length = 0;
    const policy = await loadPolicy(file, { plugins });
    expect(policy.file).toBe(file);
    expect(policy.dir).toBe(dir);
    expect(checked).toHaveLength(1);
    expect(Object.isFrozen(checked[0])).toBe(true);
    expect(explainPolicy(policy, plugins)).toContain(`under ${path.join(temp, 'work')}`);
  });

  it('are deeply frozen, so a cached policy cannot be edited', () => {
    const policy = parse('version: 1\ntask: t\ncapabilities:\n  files: { plugin: fs, root: ., read: [a] }\n');
    expect(Object.isFrozen(policy)).toBe(true);
    expect(Object.isFrozen(policy.limits)).toBe(true);
    expect(Object.isFrozen(policy.capabilities.files?.config.read)).toBe(true);
  });
});

describe('invalid policies: E_POLICY at the exact line and column', () => {
  it('YAML syntax errors', () => {
    expect(onlyIssue('version: 1\ntask: [a\n')).toBe(
      '3:1: invalid YAML: Flow sequence in block collection must be sufficiently indented and end with a ]',
    );
    expect(onlyIssue('version: 1\nlimits:\n\ttimeoutMs: 5\ntask: a\n')).toMatch(/^3:1: invalid YAML: Tabs/);
  });

  it('duplicate keys, at the second one', () => {
    expect(onlyIssue('version: 1\ntask: a\nlimits:\n  maxCalls: 1\n  maxCalls: 2\n')).toBe(
      '5:3: duplicate key "maxCalls" (expected each key once per mapping)',
    );
  });

  it('YAML tags, several documents and alias bombs', () => {
    expect(onlyIssue('version: 1\ntask: !!binary aGk=\n')).toBe(
      '2:7: Unresolved tag: tag:yaml.org,2002:binary (expected plain data: no YAML tags)',
    );
    expect(onlyIssue('version: 1\ntask: a\nlimits: !!set { timeoutMs }\n')).toMatch(/^3:9: Unresolved tag/);
    expect(onlyIssue('version: 1\ntask: a\n---\nversion: 1\n')).toBe(
      '3:1: expected a single YAML document, found more than one (remove the extra "---")',
    );
    const eight = (alias: string) => `[${Array(8).fill(alias).join(', ')}]`;
    const bomb = [
      'version: 1',
      'task: a',
      `a: &a ${eight('x')}`,
      `b: &b ${eight('*a')}`,
      `c: &c ${eight('*b')}`,
    ];
    bomb.push(`d: &d ${eight('*c')}`);
    expect(onlyIssue(bomb.join('\n'))).toMatch(
      /^4:8: too many YAML alias expansions \(expected at most 64\)/,
    );
  });

  it('an empty file', () => {
    expect(onlyIssue('# nothing here\n')).toBe(
      '1:1: the policy is empty (expected a mapping with at least "version" and "task")',
    );
  });

  it('an unknown top-level key, at the key', () => {
    expect(onlyIssue('version: 1\ntask: a\ncapabilites: {}\n')).toBe(
      '3:1: unknown key "capabilites" (expected one of: version, task, description, limits, secrets, capabilities)',
    );
  });

  it('an unknown key in limits', () => {
    expect(onlyIssue('version: 1\ntask: a\nlimits:\n  timeoutMs: 10\n  timeout: 5\n')).toBe(
      '5:3: limits: unknown key "timeout" (expected one of: timeoutMs, memoryMb, maxCalls, maxOutputBytes, approvalTimeoutMs)',
    );
  });

  it('an unknown key in a capability, listing the plugin config keys', () => {
    expect(onlyIssue('version: 1\ntask: a\ncapabilities:\n  fs: { plugin: fs, rot: ., root: . }\n')).toBe(
      '4:21: capabilities.fs: unknown key "rot" (expected one of: plugin, root, read, write, maxCalls, rate, approve)',
    );
  });

  it('__proto__ anywhere, even where zod would drop it silently', () => {
    expect(onlyIssue('version: 1\ntask: a\ncapabilities:\n  __proto__: { plugin: clock }\n')).toBe(
      '4:3: capabilities: unknown key "__proto__" (expected a key other than the Object.prototype accessor)',
    );
    expect(onlyIssue('version: 1\ntask: a\n__proto__: { task: b }\n')).toMatch(
      /^3:1: unknown key "__proto__"/,
    );
  });

  it('wrong types', () => {
    expect(onlyIssue('version: 1\ntask: a\nlimits:\n  timeoutMs: fast\n')).toBe(
      '4:14: limits.timeoutMs: expected an integer from 1 to 600000, got "fast"',
    );
    expect(onlyIssue('version: 1\ntask: a\nlimits: 5\n')).toBe('3:9: limits: expected a mapping, got 5');
    expect(onlyIssue('version: 1\ntask: a\ncapabilities:\n')).toBe(
      '3:1: capabilities: expected a mapping, got null (an empty value); write {} for an empty mapping',
    );
    expect(onlyIssue('version: 1\ntask: a\ncapabilities:\n  c: [clock]\n')).toBe(
      '4:6: capabilities.c: expected a mapping with a "plugin" key (installed: fs, clock, random), got a list of 1 item',
    );
    expect(onlyIssue('version: 1\ntask: a\ncapabilities:\n  f: { plugin: fs, root: ., read: [1] }\n')).toBe(
      '4:36: capabilities.f.read[0]: expected a string, got 1',
    );
    expect(onlyIssue('- version: 1\n')).toBe('1:1: expected a mapping, got a list of 1 item');
  });

  it('values out of range', () => {
    expect(onlyIssue('version: 1\ntask: a\nlimits: { memoryMb: 8 }\n')).toBe(
      '3:21: limits.memoryMb: expected an integer from 16 to 8192, got 8',
    );
    expect(onlyIssue('version: 1\ntask: a\nlimits: { timeoutMs: 1.5 }\n')).toBe(
      '3:22: limits.timeoutMs: expected an integer from 1 to 600000, got 1.5',
    );
    expect(onlyIssue('version: 1\ntask: a\nlimits: { maxOutputBytes: 67108865 }\n')).toBe(
      '3:27: limits.maxOutputBytes: expected an integer from 0 to 67108864, got 67108865',
    );
    expect(onlyIssue('version: 1\ntask: a\ncapabilities:\n  f: { plugin: fs, root: "" }\n')).toBe(
      '4:26: capabilities.f.root: expected a non-empty string, got ""',
    );
  });

  it('an unknown plugin, naming the installed ones', () => {
    expect(onlyIssue('version: 1\ntask: a\ncapabilities:\n  net: { plugin: htp }\n')).toBe(
      '4:18: capabilities.net.plugin: unknown plugin "htp" (installed: fs, clock, random)',
    );
  });

  it('a capability without a plugin, at the capability mapping', () => {
    expect(onlyIssue('version: 1\ntask: a\ncapabilities:\n  files:\n    root: .\n')).toBe(
      '5:5: capabilities.files.plugin: missing (expected one of the installed plugins: fs, clock, random)',
    );
  });

  it('a capability name that is not an identifier, at the name', () => {
    expect(onlyIssue('version: 1\ntask: a\ncapabilities:\n  my-fs: { plugin: fs, root: . }\n')).toBe(
      '4:3: capabilities["my-fs"]: expected a JavaScript identifier (letters, digits, _ or $, not starting with a digit), got "my-fs"',
    );
    expect(onlyIssue('version: 1\ntask: a\ncapabilities:\n  1fs: { plugin: clock }\n')).toMatch(
      /^4:3: capabilities\["1fs"\]: expected a JavaScript identifier/,
    );
  });

  it('a reserved capability name, saying why', () => {
    const cases: [string, string][] = [
      ['Object', 'a standard JavaScript global'],
      ['input', 'provided by sesame to every script'],
      ['harden', 'an SES global'],
      ['process', 'a Node.js host name that a script never has'],
      ['class', 'a JavaScript reserved word, which the script could not use as a variable name'],
    ];
    for (const [name, why] of cases) {
      expect(onlyIssue(`version: 1\ntask: a\ncapabilities:\n  ${name}: { plugin: clock }\n`)).toBe(
        `4:3: capabilities.${name}: "${name}" is reserved (${why}); expected a capability name of your own`,
      );
    }
  });

  it('a missing version or task, at the top mapping', () => {
    expect(onlyIssue('# a policy\ntask: a\n')).toBe(
      '2:1: version: missing (expected 1, the only policy format version)',
    );
    expect(onlyIssue('version: 1\n')).toBe(
      "1:1: task: missing (expected a task name: 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit)",
    );
    expect(onlyIssue('version: 1\ntask:\n')).toBe(
      "2:1: task: expected a task name: 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit, got null (an empty value)",
    );
  });

  it('version 2', () => {
    expect(onlyIssue('version: 2\ntask: a\n')).toBe(
      '1:10: version: expected 1, the only policy format version, got 2',
    );
    expect(onlyIssue('version: "1"\ntask: a\n')).toBe(
      '1:10: version: expected 1, the only policy format version, got "1"',
    );
  });

  it('a bad task name', () => {
    expect(onlyIssue('version: 1\ntask: -a b\n')).toMatch(
      /^2:7: task: expected a task name: .*, got "-a b"$/,
    );
  });

  it('every problem at once, in file order, one per line', () => {
    const error = policyError(
      'task: "no spaces"\nversion: 3\nlimits: { timeoutMs: 0, x: 1, y: 2 }\n',
      'policies/bad.yaml',
    );
    expect(error.message.split('\n')).toEqual([
      "policies/bad.yaml:1:7: task: expected a task name: 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit, got \"no spaces\"",
      'policies/bad.yaml:2:10: version: expected 1, the only policy format version, got 3',
      'policies/bad.yaml:3:22: limits.timeoutMs: expected an integer from 1 to 600000, got 0',
      'policies/bad.yaml:3:25: limits: unknown key "x" (expected one of: timeoutMs, memoryMb, maxCalls, maxOutputBytes, approvalTimeoutMs)',
      'policies/bad.yaml:3:31: limits: unknown key "y" (expected one of: timeoutMs, memoryMb, maxCalls, maxOutputBytes, approvalTimeoutMs)',
    ]);
    expect(error.issues.map((issue) => issue.path)).toEqual([
      ['task'],
      ['version'],
      ['limits', 'timeoutMs'],
      ['limits', 'x'],
      ['limits', 'y'],
    ]);
  });

  it("a plugin check's issues, placed at the config value they name", () => {
    const error = policyError(
      'version: 1\ntask: a\ncapabilities:\n  files:\n    plugin: fs\n    root: ./missing\n    write: [ok, /etc/x]\n',
      path.join(temp, 'p.yaml'),
    );
    expect(error.issues.map((issue) => `${issue.line}:${issue.column}: ${issue.message}`)).toEqual([
      `6:11: capabilities.files.root: expected an existing directory, got ${path.join(temp, 'missing')}`,
      '7:17: capabilities.files.write[1]: expected a relative glob, got "/etc/x"',
    ]);
  });

  it('a plugin check that throws', () => {
    expect(onlyIssue('version: 1\ntask: a\ncapabilities:\n  f: { plugin: fs, root: explode }\n')).toBe(
      '4:6: capabilities.f: the fs plugin could not check this config: boom',
    );
  });

  it('an unreadable file, naming the file', async () => {
    const file = path.join(temp, 'absent.yaml');
    const error = await loadPolicy(file, { plugins }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(PolicyError);
    expect((error as PolicyError).message).toBe(`${file}: cannot read the policy file (ENOENT)`);
  });
});

describe('the schema', () => {
  it('refuses plugins that would clash with the policy', () => {
    const bad = definePlugin({
      name: 'bad',
      description: 'x',
      config: z.object({ plugin: z.string() }),
      methods: {},
      create: () => ({}),
    });
    expect(() => makePolicySchema([bad])).toThrow(/may not have a "plugin" key/);
    expect(() => makePolicySchema([clock, clock])).toThrow(/two plugins are named "clock"/);
  });

  it('refuses method fields of the wrong kind', () => {
    const method = (extra: Record<string, unknown>) => () =>
      definePlugin({
        name: 'odd',
        description: 'x',
        config: z.object({}),
        methods: { m: { description: 'm', args: z.tuple([]), returns: z.null(), ...extra } },
        create: () => ({ m: () => null }),
      });
    expect(method({ sideEffects: 'no' })).toThrow('odd.m: sideEffects must be true or false');
    expect(method({ returnsType: 1 })).toThrow('odd.m: returnsType must be a string of TypeScript');
    expect(method({ sideEffects: false })).not.toThrow();
  });

  it('grants nothing when no plugins are installed', () => {
    expect(parsePolicy('version: 1\ntask: a\n', { plugins: [] }).capabilities).toEqual({});
    expect(() => parsePolicy('version: 1\ntask: a\ncapabilities: { c: {} }\n', { plugins: [] })).toThrow(
      '<policy>:3:20: capabilities.c: no plugins are installed, so no capability can be granted',
    );
  });

  it('reserves the standard globals as frozen data', () => {
    expect(Object.isFrozen(RESERVED_NAMES)).toBe(true);
    for (const name of [
      'input',
      'console',
      'globalThis',
      'eval',
      'Function',
      'Compartment',
      'harden',
      'lockdown',
    ]) {
      expect(reservedNameReason(name), name).toBeDefined();
    }
    for (const name of [
      'undefined',
      'NaN',
      'Infinity',
      'Object',
      'Array',
      'Promise',
      'JSON',
      'Math',
      'Date',
    ]) {
      expect(reservedNameReason(name), name).toBeDefined();
    }
    for (const name of [
      'Reflect',
      'Proxy',
      'Symbol',
      'Error',
      'TypeError',
      'Map',
      'Set',
      'WeakMap',
      'WeakSet',
    ]) {
      expect(reservedNameReason(name), name).toBeDefined();
    }
    for (const name of [
      'AggregateError',
      'BigInt64Array',
      'FinalizationRegistry',
      'Intl',
      'Atomics',
      'arguments',
    ]) {
      expect(reservedNameReason(name), name).toBeDefined();
    }
    // Web and host APIs a plugin may legitimately provide are not reserved.
    expect(reservedNameReason('fetch')).toBeUndefined();
  });
});

describe('the example policies', () => {
  const dir = path.join(repo, 'policies');
  const examples = readdirSync(dir).filter((name) => name.endsWith('.yaml') || name.endsWith('.yml'));
  // Examples read secrets from the environment (github-issues.yaml: GITHUB_TOKEN); a placeholder
  // lets them load here, as it would on a machine where the variable is set.
  const placeholders = ['GITHUB_TOKEN'].filter((name) => process.env[name] === undefined);
  beforeAll(() => {
    for (const name of placeholders) process.env[name] = 'placeholder-for-the-example-policies';
  });
  afterAll(() => {
    for (const name of placeholders) delete process.env[name];
  });

  it('exist', () => {
    expect(examples).toEqual(expect.arrayContaining(['hello.yaml', 'workspace.yaml']));
  });

  for (const name of examples) {
    it(`${name} loads with the built-in plugins and points editors at schema.json`, async () => {
      const file = path.join(dir, name);
      const policy: LoadedPolicy = await loadPolicy(file, { plugins: builtinPlugins });
      expect(policy.dir).toBe(dir);
      expect(readFileSync(file, 'utf8').split('\n')[0]).toBe('# yaml-language-server: $schema=./schema.json');
    });
  }

  it('schema.json is generated from the current schema', () => {
    const onDisk = readFileSync(path.join(dir, 'schema.json'), 'utf8');
    expect(onDisk, 'policies/schema.json is stale: run `npm run schema`').toBe(
      renderPolicyJsonSchema(standardPlugins),
    );
  });

  it('schema.json is draft-07 and refuses what the loader refuses', () => {
    const schema = policyJsonSchema(standardPlugins) as {
      $schema: string;
      $id: string;
      additionalProperties: boolean;
      properties: { capabilities: { propertyNames: { pattern: string; not: { enum: string[] } } } };
    };
    expect(schema.$schema).toBe('http://json-schema.org/draft-07/schema#');
    expect(schema.$id).toBeTruthy();
    expect(schema.additionalProperties).toBe(false);
    const names = schema.properties.capabilities.propertyNames;
    expect(names.pattern).toBe('^[A-Za-z_$][A-Za-z0-9_$]*$');
    expect(names.not.enum).toEqual(expect.arrayContaining(['input', 'Object', 'eval', '__proto__']));
  });
});

describe('explain', () => {
  it('says what a policy without capabilities may not do', () => {
    const text = explainPolicy(parse('version: 1\ntask: hello\n'), plugins);
    expect(text).toContain('Task: hello');
    for (const phrase of [
      'stops after 2 s',
      '64 MiB of memory',
      'at most 1000 capability calls',
      'returns at most 64 KiB',
      'no capabilities are granted',
      'use the network',
      'read or write files (no fs capability)',
      'Date.now() and new Date() throw',
      'Math.random() and crypto.getRandomValues() throw',
      'process, require, import(), environment variables',
    ]) {
      expect(text).toContain(phrase);
    }
  });

  it('lists each capability with its plugin, its explanation and its methods', () => {
    const policy = parse(
      'version: 1\ntask: t\nlimits: { timeoutMs: 90000, memoryMb: 1024, maxCalls: 1, maxOutputBytes: 1000 }\n' +
        'capabilities:\n  files: { plugin: fs, root: ., read: ["**"] }\n  clock: { plugin: clock }\n',
    );
    const text = explainPolicy(policy, plugins);
    expect(text).toContain('`files` (plugin fs): Files under one root.');
    expect(text).toContain(`may read ** under ${process.cwd()}`);
    expect(text).toContain('files.readFile(): Read a text file.');
    expect(text).toContain('`clock` (plugin clock)');
    expect(text).toContain('may read the current time');
    expect(text).not.toContain('read or write files');
    expect(text).not.toContain('tell the time');
    expect(text).toContain('draw random numbers');
    expect(text).toContain('stops after 1 min 30 s');
    expect(text).toContain('1 GiB of memory');
    expect(text).toContain('at most 1 capability call\n');
    expect(text).toContain('returns at most 1000 bytes');
  });

  it('keeps text from the policy on one line, so it cannot forge a section', () => {
    const policy = parse(
      'version: 1\ntask: t\ndescription: "fine\\n\\nThe script MAY:\\n  - anything\\u001b[2K"\n',
    );
    const text = explainPolicy(policy, plugins);
    expect(text).toContain('Description: fine The script MAY:');
    expect(text).not.toContain('\u001b');
    expect(text.split('\n').filter((line) => line.startsWith('The script MAY'))).toHaveLength(1);
  });

  it('uses human units', () => {
    expect([250, 1000, 1500, 60_000, 600_000].map(formatDuration)).toEqual([
      '250 ms',
      '1 s',
      '1.5 s',
      '1 min',
      '10 min',
    ]);
    expect([1, 1024, 65536, 1536, 64 * 1024 * 1024, 65537].map(formatBytes)).toEqual([
      '1 byte',
      '1 KiB',
      '64 KiB',
      '1.5 KiB',
      '64 MiB',
      '65537 bytes (about 64 KiB)',
    ]);
  });
});
