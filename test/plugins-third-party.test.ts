// Third-party plugins, through real sandboxes: installed by the operator, named by policies,
// confined to their manifests by compartment-mapper, audited by the membrane exactly like the
// built-in plugins, and unable to harm the run, the other plugins or the host when they misbehave.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BUILTIN_PLUGIN_FOLDERS } from '../plugins/names.ts';
import { builtinPlugins, createRuntime, type Runtime } from '../src/index.ts';
import { DEFAULT_ALLOWED_BUILTINS } from '../src/plugin/grants.ts';
import type { AuditRecord } from '../src/protocol.ts';
import { checkPlugin, PluginInstallError } from '../src/supervisor/plugins.ts';
import { Pool, SandboxStartError } from '../src/supervisor/pool.ts';
import { sesame } from './helpers/cli.ts';
import { policyText, repoRoot, tempDir, writePolicy } from './helpers/runtime.ts';

const fixture = (name: string) => path.join(repoRoot, 'test', 'fixtures', 'plugins', name);

/** Write a plugin package into a fresh temp folder: package.json from `sesame`, files as given. */
function writePlugin(
  files: Record<string, string>,
  manifest: Record<string, unknown> = { builtins: [] },
  pkg: Record<string, unknown> = {},
): string {
  const dir = tempDir('sesame-plugin-');
  const json = {
    name: 'sesame-plugin-tester',
    version: '1.0.0',
    type: 'module',
    main: './index.js',
    sesame: manifest,
    ...pkg,
  };
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify(json));
  for (const [file, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), text);
  }
  return dir;
}

/** A minimal plugin module named `tester` whose one method returns `body`'s value. */
const testerModule = (prelude: string, body = "'ok'") => `${prelude}
import { definePlugin, z } from 'sesame/plugin';
export default definePlugin({
  name: 'tester',
  description: 'A plugin made by a test.',
  config: z.object({}).strict(),
  methods: { go: { description: 'Does its thing.', args: z.tuple([]), returns: z.unknown() } },
  create: () => ({ go: () => ${body} }),
});
`;

const testerPolicy = policyText({ capabilities: { tester: '{ plugin: tester }' } });

/** The error a runtime with this one plugin gives a run (loading fails, so every run does). */
async function loadError(dir: string, options: { allowBuiltins?: string[] } = {}) {
  const rt = createRuntime({ size: 1, plugins: [dir], ...options });
  try {
    const res = await rt.run({ policy: testerPolicy, script: 'return await tester.go()' });
    return res.error;
  } finally {
    await rt.close();
  }
}

const runtimes: Runtime[] = [];
function thirdPartyRuntime(): Runtime {
  const rt = createRuntime({
    size: 2,
    plugins: [fixture('greeter'), fixture('misbehaving'), fixture('probe')],
  });
  runtimes.push(rt);
  return rt;
}
afterAll(async () => {
  await Promise.all(runtimes.map((rt) => rt.close()));
});

describe('a third-party plugin in a runtime', () => {
  const rt = thirdPartyRuntime();
  const policy = policyText({
    capabilities: {
      greeter: '{ plugin: greeter, names: [ada, bob] }',
      misbehaving: '{ plugin: misbehaving }',
      probe: '{ plugin: probe }',
      clock: '{ plugin: clock }',
    },
    limits: { timeoutMs: 3000 },
  });

  it('is named by policies and called through the membrane: schema, policy decision, PluginError', async () => {
    const res = await rt.run({
      policy,
      script: `const out = { hello: await greeter.greet('ada'), n: await greeter.count() };
        for (const [key, call] of [['denied', () => greeter.greet('eve')], ['invalid', () => greeter.greet(42)],
                                   ['refused', () => greeter.fail()]]) {
          try { await call(); } catch (e) { out[key] = e.code + ': ' + e.message; }
        }
        return out;`,
    });
    expect(res.error).toBeUndefined();
    expect(res.result).toEqual({
      hello: 'hello, ada',
      n: 2,
      denied: 'E_DENIED: greeter.greet: denied: eve is not on the list',
      invalid:
        'E_INVALID_ARGUMENT: greeter.greet: argument 1: Invalid input: expected string, received number',
      refused: 'E_GREETER: greeter.fail: greeter refuses',
    });
  });

  it('is audited exactly as a built-in plugin: intent before, outcome after, one record when denied', async () => {
    const res = await rt.run({
      policy,
      script: `await clock.now(); await greeter.greet('bob');
        try { await greeter.greet('eve'); } catch {}
        return 1;`,
    });
    expect(res.error).toBeUndefined();
    const calls = res.audit.filter((r) => r.event === 'call' || r.event === 'call.intent') as (AuditRecord & {
      cap: string;
    })[];
    expect(calls.map((r) => `${r.event} ${r.cap}`)).toEqual([
      'call.intent clock',
      'call clock',
      'call.intent greeter',
      'call greeter',
      'call greeter',
    ]);
    const [clockIntent, clockCall, greeterIntent, greeterCall, denied] = calls;
    const keys = (record: object | undefined) => Object.keys(record ?? {}).sort();
    expect(keys(greeterIntent)).toEqual(keys(clockIntent));
    expect(keys(greeterCall)).toEqual(keys(clockCall));
    expect(greeterCall).toMatchObject({
      plugin: 'greeter',
      method: 'greet',
      args: ['bob'],
      decision: 'allow',
      rule: 'names: bob',
      outcome: 'ok',
    });
    expect(denied).toMatchObject({
      decision: 'deny',
      rule: 'names',
      outcome: 'error',
      error: { code: 'E_DENIED' },
    });
  });

  it('gives the script a clean error when a method throws or returns what is not plain data', async () => {
    const res = await rt.run({
      policy,
      script: `const out = {};
        for (const m of ['throws', 'returnsFunction', 'returnsInstance', 'returnsProxy', 'returnsGetter',
                         'returnsCycle', 'returnsWrongType']) {
          try { out[m] = await misbehaving[m](); } catch (e) { out[m] = e.code + ': ' + e.message; }
        }
        out.ok = await misbehaving.ok();
        return out;`,
    });
    expect(res.error).toBeUndefined();
    const out = res.result as Record<string, unknown>;
    for (const method of [
      'throws',
      'returnsFunction',
      'returnsInstance',
      'returnsProxy',
      'returnsGetter',
      'returnsCycle',
      'returnsWrongType',
    ]) {
      // Nothing of the plugin's error or value reaches the script: no host path, no object.
      expect(out[method]).toBe(`E_PLUGIN: misbehaving.${method} failed`);
    }
    expect(out.ok).toEqual({ fine: true });
    expect(JSON.stringify(res.audit)).not.toContain('/srv/secret/path');
  });

  it('ends the run at timeoutMs when a method hangs or never settles, and the next run is fine', async () => {
    for (const method of ['hangs', 'stalls']) {
      const res = await rt.run({
        policy: policyText({
          capabilities: { misbehaving: '{ plugin: misbehaving }' },
          limits: { timeoutMs: 500 },
        }),
        script: `return await misbehaving.${method}();`,
      });
      expect(res.error?.code).toBe('E_TIMEOUT');
      // The call was started: its intent record is there, though it never finished.
      expect(res.audit.some((r) => r.event === 'call.intent' && r.method === method)).toBe(true);
    }
    const after = await rt.run({ policy, script: "return await greeter.greet('ada');" });
    expect(after.result).toBe('hello, ada');
  });

  it('holds no ambient authority and cannot change what it shares', async () => {
    const res = await rt.run({ policy, script: 'return await probe.report();' });
    expect(res.error).toBeUndefined();
    expect(res.result).toEqual({
      typeofProcess: 'undefined',
      typeofRequire: 'undefined',
      typeofBuffer: 'undefined',
      typeofFetch: 'undefined',
      typeofSetTimeout: 'undefined',
      typeofConsole: 'undefined',
      dateNow: 'refused: TypeError',
      mathRandom: 'refused: TypeError',
      objectPrototype: 'refused: TypeError',
      arrayPrototype: 'refused: TypeError',
      globalThisAssign: 'refused: TypeError',
      functionConstructorProcess: 'done',
      sdkFunction: 'refused: TypeError',
      sdkErrorPrototype: 'refused: TypeError',
      builtinDefault: 'refused: TypeError',
      builtinNested: 'refused: TypeError',
      builtinNamed: 'refused: TypeError',
      resolveStillWorks: '/a/b',
    });
    const env = await rt.run({ policy, script: 'return await probe.env();' });
    // The script did not catch it: the run ends with the membrane's own error, no detail of the plugin.
    expect(env.error).toMatchObject({ code: 'E_SCRIPT', message: 'Error: probe.env failed' });
  });

  it('leaves the built-in plugins and the script untouched by what it tried', async () => {
    const dir = tempDir();
    fs.mkdirSync(path.join(dir, 'root'));
    fs.writeFileSync(path.join(dir, 'root', 'note.txt'), 'kept');
    const file = writePolicy(
      dir,
      policyText({
        capabilities: { fs: '{ plugin: fs, root: ./root, read: ["**"] }', probe: '{ plugin: probe }' },
      }),
    );
    const res = await rt.run({
      policyPath: file,
      script: `await probe.report();
        let escaped; try { await fs.readFile('../policy.yaml', 'utf8'); escaped = true; } catch (e) { escaped = e.code; }
        return { note: await fs.readFile('note.txt', 'utf8'), escaped, polluted: ({}).polluted, injected: typeof injected };`,
    });
    expect(res.error).toBeUndefined();
    expect(res.result).toEqual({ note: 'kept', escaped: 'E_DENIED', injected: 'undefined' });
  });

  it('has its config checked by its own schema in a sandbox, with errors as good as a built-in plugin’s', async () => {
    const dir = tempDir();
    const file = writePolicy(
      dir,
      [
        'version: 1',
        'task: t',
        'capabilities:',
        '  greeter:',
        '    plugin: greeter',
        '    names: []',
        '    greting: hi',
        '  other: { plugin: greeter, names: [nobody] }',
        '  many: { plugin: greeter, names: [a, b, c, d, e, f] }',
        '',
      ].join('\n'),
    );
    const res = await rt.run({ policyPath: file, script: 'return 1' });
    expect(res.error?.code).toBe('E_POLICY');
    expect(res.error?.message.split('\n')).toEqual([
      `${file}:6:12: capabilities.greeter.names: expected a list of at least 1 item (each a non-empty string), got a list of 0 items`,
      `${file}:7:5: capabilities.greeter: unknown key "greting" (expected one of: plugin, names, greeting, shout, maxCalls, rate, approve)`,
      `${file}:8:36: capabilities.other.names: names: "nobody" cannot be greeted`,
      `${file}:9:35: capabilities.many.names: at most 5 names`,
    ]);
    // A built-in plugin's mistakes read the same way (found by the host, before any sandbox is asked).
    const builtinOnly = writePolicy(
      dir,
      'version: 1\ntask: t\ncapabilities:\n  files: { plugin: fs, root: ., raed: ["**"] }\n',
      'builtin.yaml',
    );
    const builtinRes = await rt.run({ policyPath: builtinOnly, script: 'return 1' });
    expect(builtinRes.error?.message).toBe(
      `${builtinOnly}:4:33: capabilities.files: unknown key "raed" (expected one of: plugin, root, read, write, maxFileBytes, maxEntries, maxCalls, rate, approve)`,
    );
  });

  it('is explained from what the sandbox says of it: description, methods, its explain hook', async () => {
    const loaded = await rt.parsePolicy(
      policyText({ capabilities: { greeter: '{ plugin: greeter, names: [ada] }' } }),
    );
    const text = await rt.explainPolicy(loaded);
    expect(text).toContain('`greeter` (plugin greeter): Greets people on an allow-list.');
    expect(text).toContain('may greet ada');
    expect(text).toContain('greeter.greet(): A greeting for one name on the list.');
  });
});

describe('the builtins a plugin imports', () => {
  it('give every export Node names, getters included, and node:http’s WebSocket through default only', async () => {
    const rt = createRuntime({ size: 1, plugins: [fixture('exits')] });
    runtimes.push(rt);
    const res = await rt.run({
      policy: policyText({ capabilities: { exits: '{ plugin: exits }' } }),
      script: 'return await exits.report();',
    });
    expect(res.error).toBeUndefined();
    expect(res.result).toEqual({
      promisesReadFile: 'function',
      samePromises: true,
      readFileSync: 'function',
      request: 'function',
      requestIsDefaults: true,
      notFound: 'Not Found',
      namedWebSocket: false,
      defaultWebSocket: 'function',
      defaultFrozen: true,
    });
  });
});

describe('loading a plugin refuses what its manifest does not grant', () => {
  it('an undeclared builtin, however it is spelled, names the plugin and the builtin', async () => {
    for (const specifier of ['node:child_process', 'child_process']) {
      const dir = writePlugin({ 'index.js': testerModule(`import { execSync } from '${specifier}';`) });
      const error = await loadError(dir);
      expect(error).toEqual({
        code: 'E_USAGE',
        message:
          'cannot load plugins: plugin tester imports node:child_process, which its manifest does not declare (sesame.builtins: none)',
      });
    }
  });

  it('a declared builtin the runtime does not allow, unless the host allows it', async () => {
    const dir = writePlugin(
      { 'index.js': testerModule("import { spawnSync } from 'node:child_process';", 'typeof spawnSync') },
      { builtins: ['node:child_process'] },
    );
    expect(await loadError(dir)).toEqual({
      code: 'E_USAGE',
      message:
        'cannot load plugins: plugin tester: it declares node:child_process, which this runtime does not allow (allowBuiltins)',
    });
    const rt = createRuntime({
      size: 1,
      plugins: [dir],
      allowBuiltins: [...DEFAULT_ALLOWED_BUILTINS, 'node:child_process'],
    });
    try {
      const res = await rt.run({ policy: testerPolicy, script: 'return await tester.go()' });
      expect(res.result).toBe('function');
    } finally {
      await rt.close();
    }
  });

  it('process, read at load time, does not exist', async () => {
    const dir = writePlugin({ 'index.js': testerModule('const home = process.env.HOME;') });
    expect(await loadError(dir)).toEqual({
      code: 'E_USAGE',
      message: "cannot load plugins: plugin tester: Cannot read properties of undefined (reading 'env')",
    });
  });

  it('a module outside its folder, by relative path or by file URL', async () => {
    const outside = tempDir();
    fs.writeFileSync(path.join(outside, 'secret.js'), 'export default "outside";');
    // Temp folders are siblings, so `../<outside>/secret.js` leaves the plugin's folder.
    for (const specifier of [`../${path.basename(outside)}/secret.js`, `file://${outside}/secret.js`]) {
      const dir = writePlugin({ 'index.js': testerModule(`import secret from '${specifier}';`, 'secret') });
      const error = await loadError(dir);
      expect(error?.code).toBe('E_USAGE');
      expect(error?.message).toMatch(/^cannot load plugins: plugin tester/);
    }
  });

  it('a dependency gets only what it declares or the plugin grants it', async () => {
    const dep = {
      'node_modules/helper/package.json': JSON.stringify({
        name: 'helper',
        version: '1.0.0',
        type: 'module',
        main: 'index.js',
      }),
      'node_modules/helper/index.js':
        "import { join } from 'node:path';\nexport const joined = join('a', 'b');\n",
      'index.js': testerModule("import { joined } from 'helper';", 'joined'),
    };
    const deps = { dependencies: { helper: '1.0.0' } };
    const refused = writePlugin(dep, { builtins: [] }, deps);
    expect(await loadError(refused)).toEqual({
      code: 'E_USAGE',
      message:
        'cannot load plugins: plugin tester: its dependency helper imports node:path, which its manifest does not declare (sesame.builtins: none)',
    });
    const granted = writePlugin(
      dep,
      { builtins: [], packages: { helper: { builtins: ['node:path'] } } },
      deps,
    );
    const rt = createRuntime({ size: 1, plugins: [granted] });
    try {
      const res = await rt.run({ policy: testerPolicy, script: 'return await tester.go()' });
      expect(res.result).toBe('a/b');
    } finally {
      await rt.close();
    }
  });

  it('a definition not made by definePlugin, named otherwise, or with hooks that bypass the membrane', async () => {
    const cases: [string, string][] = [
      [
        'export default { name: "tester", description: "x", config: {}, methods: {}, create: () => ({}) };',
        'plugin tester: its default export is not a plugin made with definePlugin() from "sesame/plugin"',
      ],
      [
        testerModule('').replace("name: 'tester'", "name: 'other'"),
        'plugin tester: definePlugin() names it "other", but its manifest names it "tester" (sesame.name, or the package name)',
      ],
      [
        testerModule('').replace('create:', 'globals: () => ({ process: 1 }),\n  create:'),
        'plugin tester: defines a globals hook, which only built-in plugins may (its globals would bypass the membrane)',
      ],
      [
        testerModule('').replace('returns: z.unknown() }', 'returns: z.unknown(), present: (v) => v }'),
        'plugin tester: method go has a present hook, which only built-in plugins may (its result would bypass the membrane)',
      ],
      [
        testerModule('').replace(
          'returns: z.unknown() }',
          'returns: z.unknown(), audit: { args: () => [] } }',
        ),
        'plugin tester: method go has audit hooks, which only built-in plugins may (they would decide what the audit trail records)',
      ],
    ];
    for (const [source, message] of cases) {
      const error = await loadError(writePlugin({ 'index.js': source }));
      expect(error).toEqual({ code: 'E_USAGE', message: `cannot load plugins: ${message}` });
    }
  });

  it('a plugin whose top-level code never finishes: the sandbox gives up starting', async () => {
    const dir = writePlugin({ 'index.js': testerModule('for (;;) {}') });
    const pool = new Pool(
      { size: 1 },
      {
        config: { plugins: [fs.realpathSync(dir)], allowBuiltins: [...DEFAULT_ALLOWED_BUILTINS] },
        startTimeoutMs: 3000,
      },
    );
    try {
      const failure = await pool.acquire(64).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(failure).toBeInstanceOf(SandboxStartError);
      expect((failure as Error).message).toMatch(/did not start within 3000 ms/);
    } finally {
      await pool.close();
    }
  });
});

describe('installing plugins', () => {
  it('refuses a name taken by a built-in plugin or by another plugin, before anything runs', () => {
    const named = (name: string) => writePlugin({ 'index.js': '' }, { builtins: [], name });
    expect(() => createRuntime({ plugins: [named('fs')] })).toThrow(PluginInstallError);
    expect(() => createRuntime({ plugins: [named('fs')] })).toThrow(
      /its name "fs" is taken by a built-in plugin/,
    );
    const first = named('twin');
    expect(() => createRuntime({ plugins: [first, named('twin')] })).toThrow(
      new RegExp(`its name "twin" is taken by the plugin in ${fs.realpathSync(first)}`),
    );
  });

  it('refuses a folder that is not a plugin, or a manifest that is wrong', () => {
    expect(() => createRuntime({ plugins: [tempDir()] })).toThrow(/has no package.json/);
    const noField = writePlugin({}, { builtins: [] });
    fs.writeFileSync(path.join(noField, 'package.json'), JSON.stringify({ name: 'x', version: '1.0.0' }));
    expect(() => createRuntime({ plugins: [noField] })).toThrow(
      /not a sesame plugin: expected a "sesame" field/,
    );
    expect(() => createRuntime({ plugins: [writePlugin({}, { builtins: ['fs'] })] })).toThrow(
      /sesame.builtins.0: expected a Node builtin written with "node:"/,
    );
    expect(() => createRuntime({ plugins: ['no-such-package-anywhere'] })).toThrow(
      /no package no-such-package-anywhere/,
    );
  });

  it('finds a plugin by package name in node_modules', () => {
    const project = tempDir();
    fs.cpSync(fixture('greeter'), path.join(project, 'node_modules', 'sesame-plugin-greeter'), {
      recursive: true,
    });
    const policy = writePolicy(
      project,
      policyText({ capabilities: { greeter: '{ plugin: greeter, names: [ada] }' } }),
    );
    fs.writeFileSync(path.join(project, 'tool.js'), "return await greeter.greet('ada');");
    const res = sesame(
      ['run', 'tool.js', '--policy', policy, '--plugin', 'sesame-plugin-greeter', '--json'],
      {
        cwd: project,
      },
    );
    expect(res.code).toBe(0);
    expect(JSON.parse(res.stdout)).toMatchObject({ ok: true, result: 'hello, ada' });
  });
});

describe('sesame plugin check and --plugin', () => {
  it('runs a script with a plugin given by --plugin, and refuses a plugin that cannot be installed', () => {
    const dir = tempDir();
    const policy = writePolicy(
      dir,
      policyText({ capabilities: { greeter: '{ plugin: greeter, names: [ada] }' } }),
    );
    fs.writeFileSync(path.join(dir, 'tool.js'), 'return await greeter.greet(input.name);');
    const ok = sesame([
      'run',
      path.join(dir, 'tool.js'),
      '--policy',
      policy,
      '--plugin',
      fixture('greeter'),
      '--input',
      '{"name":"ada"}',
      '--json',
    ]);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ ok: true, result: 'hello, ada' });
    const without = sesame(['run', path.join(dir, 'tool.js'), '--policy', policy, '--json']);
    expect(without.code).toBe(2);
    expect(JSON.parse(without.stdout).error.message).toMatch(/unknown plugin "greeter"/);
    const missing = sesame([
      'run',
      path.join(dir, 'tool.js'),
      '--policy',
      policy,
      '--plugin',
      path.join(dir, 'nope'),
      '--json',
    ]);
    expect(missing.code).toBe(2);
    expect(JSON.parse(missing.stdout).error).toMatchObject({
      code: 'E_USAGE',
      message: expect.stringMatching(/no such folder/),
    });
  });

  it('checks a policy against a plugin given by --plugin, with positions', () => {
    const dir = tempDir();
    const policy = writePolicy(
      dir,
      'version: 1\ntask: t\ncapabilities:\n  greeter: { plugin: greeter, names: [ada], loud: true }\n',
    );
    const res = sesame(['policy', 'check', policy, '--plugin', fixture('greeter')]);
    expect(res.code).toBe(2);
    expect(res.stderr.trim()).toBe(
      `${policy}:4:45: capabilities.greeter: unknown key "loud" (expected one of: plugin, names, greeting, shout, maxCalls, rate, approve)`,
    );
  });

  it('prints what a plugin can reach, and exits 0', () => {
    const res = sesame(['plugin', 'check', fixture('probe')]);
    expect(res.code).toBe(0);
    expect(res.stdout).toContain(`plugin probe (sesame-plugin-probe 1.0.0) in ${fixture('probe')}`);
    expect(res.stdout).toContain('sesame-plugin-probe (the plugin): builtins node:path; globals none');
    expect(res.stdout).toContain('sesame-plugin-probe: node:path, sesame/plugin');
    expect(res.stdout).toContain('probe.report(): What each attempt did.');
    expect(res.stdout.trim().endsWith('ok')).toBe(true);
  });

  it('keeps a plugin from forging lines of its own review with newlines or terminal escapes', () => {
    const dir = writePlugin({
      'index.js': testerModule('').replace(
        "description: 'A plugin made by a test.'",
        'description: "Harmless.\\nok\\u001b[2K\\u001b[1A"',
      ),
    });
    const res = sesame(['plugin', 'check', dir]);
    expect(res.code).toBe(0);
    const controls = [...res.stdout].filter(
      (c) => c !== '\n' && (c.charCodeAt(0) < 32 || c.charCodeAt(0) === 127),
    );
    expect(controls).toEqual([]);
    expect(res.stdout).toContain('  Harmless. ok [2K [1A\n');
  });

  it('finds an undeclared import without running the plugin, and exits 2', () => {
    const dir = writePlugin(
      {
        'index.js': testerModule(
          "import os from 'node:os';\nimport { join } from 'node:path';",
          'join(os.tmpdir())',
        ),
      },
      { builtins: ['node:path', 'node:zlib'] },
    );
    const res = sesame(['plugin', 'check', dir, '--json']);
    expect(res.code).toBe(2);
    const report = JSON.parse(res.stdout);
    expect(report.undeclared).toEqual(['sesame-plugin-tester: node:os']);
    expect(report.unused).toEqual(['sesame-plugin-tester: node:zlib']);
    expect(report.error).toMatch(/plugin tester imports node:os, which its manifest does not declare/);
  });
});

describe('the built-in plugins', () => {
  it('are the same list for the host and the sandbox', () => {
    const folders = BUILTIN_PLUGIN_FOLDERS.map((folder) =>
      JSON.parse(fs.readFileSync(path.join(repoRoot, 'plugins', folder, 'package.json'), 'utf8')),
    );
    expect(folders.map((pkg) => pkg.name.replace('@sesame/plugin-', '')).sort()).toEqual(
      builtinPlugins.map((plugin) => plugin.name).sort(),
    );
  });

  it('declare exactly the builtins they import', async () => {
    for (const folder of BUILTIN_PLUGIN_FOLDERS) {
      const check = await checkPlugin(path.join(repoRoot, 'plugins', folder));
      expect({ folder, error: check.error, undeclared: check.undeclared, unused: check.unused }).toEqual({
        folder,
        error: undefined,
        undeclared: [],
        unused: [],
      });
    }
  });
});
