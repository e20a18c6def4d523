// `sesame describe`: the declarations a model is shown must be true to the runtime. Scripts that
// work under a policy type-check against its declarations with the TypeScript compiler (strict,
// ES2022 without DOM, so only declared globals exist); scripts that call what the policy does not
// grant, a method that does not exist, or pass the wrong arguments do not. The JSON form's schemas
// accept and refuse what the plugins' own schemas do.
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { SchemaTypes } from '../src/describe/schema-type.ts';
import { parseSignature, safeType } from '../src/describe/type-text.ts';
import {
  type CapabilitySurface,
  checkPlugin,
  createRuntime,
  describePolicy,
  loadPolicy,
  type PolicySurface,
  type Runtime,
  toolMethod,
} from '../src/index.ts';
import { sesame } from './helpers/cli.ts';
import { repoRoot, tempDir, writePolicy } from './helpers/runtime.ts';

const OUTBOX = path.join(repoRoot, 'examples', 'plugin-outbox');

// ---------------------------------------------------------------------------------------------
// Type-checking scripts against declarations, as a host could before running one

const COMPILER_OPTIONS: ts.CompilerOptions = {
  noEmit: true,
  strict: true,
  target: ts.ScriptTarget.ES2022,
  lib: ['lib.es2022.d.ts'],
  types: [],
};
const libFiles = new Map<string, ts.SourceFile | undefined>();

/**
 * Type-check each script (the body of an async function) against the declarations; returns the
 * error messages of each script, in order. One program per call: the declarations in a .d.ts, each
 * script wrapped in a function of its own.
 */
function typeCheck(declarations: string, scripts: readonly string[]): string[][] {
  const dir = '/virtual';
  const files = new Map<string, string>([[`${dir}/globals.d.ts`, declarations]]);
  scripts.forEach((body, i) => {
    files.set(`${dir}/script${i}.ts`, `async function __script${i}() {\n${body}\n}\n`);
  });
  const host = ts.createCompilerHost(COMPILER_OPTIONS);
  const { getSourceFile, fileExists, readFile } = host;
  host.getSourceFile = (name, language, ...rest) => {
    const text = files.get(name);
    if (text !== undefined) return ts.createSourceFile(name, text, language, true);
    if (!libFiles.has(name)) libFiles.set(name, getSourceFile.call(host, name, language, ...rest));
    return libFiles.get(name);
  };
  host.fileExists = (name) => files.has(name) || fileExists.call(host, name);
  host.readFile = (name) => files.get(name) ?? readFile.call(host, name);
  const program = ts.createProgram([...files.keys()], COMPILER_OPTIONS, host);
  const message = (d: ts.Diagnostic) => {
    const text = ts.flattenDiagnosticMessageText(d.messageText, '\n');
    if (d.file === undefined || d.start === undefined) return text;
    const { line } = d.file.getLineAndCharacterOfPosition(d.start);
    return `${path.basename(d.file.fileName)}:${line + 1}: ${text}`;
  };
  const declarationErrors = [
    ...program.getGlobalDiagnostics(),
    ...program.getSyntacticDiagnostics(program.getSourceFile(`${dir}/globals.d.ts`)),
    ...program.getSemanticDiagnostics(program.getSourceFile(`${dir}/globals.d.ts`)),
  ].map(message);
  expect(declarationErrors, 'the declarations themselves').toEqual([]);
  return scripts.map((_, i) => {
    const file = program.getSourceFile(`${dir}/script${i}.ts`);
    return [...program.getSyntacticDiagnostics(file), ...program.getSemanticDiagnostics(file)].map(message);
  });
}

const example = (name: string) => fs.readFileSync(path.join(repoRoot, 'examples', name), 'utf8');

// ---------------------------------------------------------------------------------------------
// The built-in plugins' policies

describe('describe policies/workspace.yaml', () => {
  let typescript: string;
  let json: PolicySurface;

  beforeAll(async () => {
    ({ typescript, json } = describePolicy(await loadPolicy(path.join(repoRoot, 'policies/workspace.yaml'))));
  });

  it('declares input, console, the capabilities and the globals their plugins turn on', () => {
    expect(typescript).toContain('declare const input: unknown;');
    expect(typescript).toContain('declare const console: {\n  log(...data: unknown[]): void;');
    for (const name of ['fs', 'clock', 'random', 'crypto', 'TextEncoder', 'TextDecoder']) {
      expect(typescript).toContain(`declare const ${name}: `);
    }
    expect(typescript).not.toContain('declare const fetch');
    // The header: the script format, the limits, what the clock and random plugins turn on.
    expect(typescript).toMatch(/^\/\*\*\n \* Tool script API for the task "workspace": Read files/);
    expect(typescript).toContain('body of an async function');
    expect(typescript).toContain('JSON-like data');
    expect(typescript).toContain(
      'Limits: 5 s in all, 64 MiB of memory, at most 1000 capability calls, 64 KiB',
    );
    expect(typescript).toContain('- Date.now() and new Date() tell the time (clock)');
    expect(typescript).toContain('- Math.random() works (random)');
  });

  it('types each method from its schemas, with names, optional parameters and docs', () => {
    expect(typescript).toContain(
      '  readFile(path: string, options: "utf8" | "utf-8" | { encoding: "utf8" | "utf-8" }): Promise<string>;\n' +
        '  readFile(path: string, options?: { encoding?: null }): Promise<Uint8Array>;',
    );
    expect(typescript).toContain(
      '  writeFile(path: string, data: string | Uint8Array, options?: "utf8" | "utf-8" | { encoding?: "utf8" | "utf-8" }): Promise<void>;',
    );
    expect(typescript).toContain('  readdir(path: string): Promise<string[]>;');
    expect(typescript).toContain('  mkdir(path: string, options?: { recursive?: boolean }): Promise<void>;');
    expect(typescript).toContain('   * @param path a path relative to the root, "/"-separated\n');
    expect(typescript).toContain('  /** Milliseconds since the Unix epoch. */\n  now(): Promise<number>;');
  });

  it('shows what present reshapes as the script gets it (returnsType)', () => {
    expect(typescript).toContain(
      '  stat(path: string): Promise<{ size: number; mtimeMs: number; isFile(): boolean; isDirectory(): boolean; isSymbolicLink(): boolean }>;',
    );
  });

  it("says what the policy allows in the capability's comment, without host paths", () => {
    expect(typescript).toContain(' * Granted (plugin fs):\n * - may use files under …/workspace only');
    expect(typescript).toContain(' * - may read, list and stat paths matching "**"');
    expect(typescript).toContain(' * - may create, replace and delete paths matching "out/**"');
    expect(typescript).not.toContain(repoRoot);
    expect(JSON.stringify(json)).not.toContain(repoRoot);
  });

  it('type-checks the example and realistic scripts', () => {
    const scripts = [
      example('summarize.ts'),
      // Files, stat's methods, directories, bytes.
      `const out: string[] = [];
for (const name of await fs.readdir('notes')) {
  const info = await fs.stat(\`notes/\${name}\`);
  if (info.isFile() && info.size > 0) out.push(name);
}
await fs.mkdir('out/copies', { recursive: true });
const bytes: Uint8Array = await fs.readFile('notes/plan.md');
await fs.writeFile('out/copies/plan.md', bytes);
await fs.appendFile('out/log.txt', new TextEncoder().encode('copied\\n'));
if (await fs.exists('out/old.txt')) await fs.rm('out/old.txt', { force: true });
return { out, text: new TextDecoder().decode(bytes).slice(0, 10) };`,
      // Time and randomness, through the standard globals and the capabilities.
      `const id = crypto.randomUUID();
const bytes = crypto.getRandomValues(new Uint8Array(4));
const when = new Date(Date.now()).toISOString();
const [now, r, uuid] = await Promise.all([clock.now(), random.random(), random.uuid()]);
console.log('at', when, now);
return { id, roll: Math.floor(Math.random() * 6) + 1, bytes: [...bytes], r, uuid };`,
      // Reading the input, once its shape is checked.
      `const task = typeof input === 'object' && input !== null && 'name' in input ? String(input.name) : 'all';
const text = await fs.readFile(\`notes/\${task}.md\`, { encoding: 'utf8' });
return text.split('\\n').length;`,
    ];
    expect(typeCheck(typescript, scripts)).toEqual(scripts.map(() => []));
  });

  it('rejects ungranted capabilities, missing methods and wrong arguments', () => {
    const cases: [string, RegExp][] = [
      ["return await fetch('https://example.com');", /Cannot find name 'fetch'/],
      ["return await kv.get('k');", /Cannot find name 'kv'/],
      ["return fs.readFileSync('notes/plan.md', 'utf8');", /Property 'readFileSync' does not exist/],
      ["return await fs.readFile(42, 'utf8');", /No overload matches this call/],
      ["return await fs.readFile('notes/plan.md', 'latin1');", /No overload matches this call/],
      ["await fs.writeFile('out/x.txt');", /Expected 2-3 arguments, but got 1/],
      ["await fs.writeFile('out/x.txt', { text: 'x' });", /'text' does not exist in type 'Uint8Array/],
      ["await fs.mkdir('out/x', { recursve: true });", /'recursve' does not exist/],
      [
        "const n: number = await fs.readFile('notes/plan.md', 'utf8');",
        /'string' is not assignable to type 'number'/,
      ],
      ["const s = await fs.stat('notes'); return s.isFile;", /^$/], // a method, not a boolean: fine to return
      ["const s = await fs.stat('notes'); if (s.isFile === true) return 1;", /no overlap/],
      ['return input.name;', /'input' is of type 'unknown'/],
      ['setTimeout(() => {}, 10);', /Cannot find name 'setTimeout'/],
      ['const x = require("fs");', /Cannot find name 'require'/],
    ];
    const errors = typeCheck(
      typescript,
      cases.map(([script]) => script),
    );
    cases.forEach(([script, expected], i) => {
      const found = errors[i] ?? [];
      if (expected.source === '^$') expect(found, script).toEqual([]);
      else expect(found.join('\n'), script).toMatch(expected);
    });
  });

  it('gives JSON Schema for each parameter and result that validates as the plugin does', () => {
    const fsCap = json.capabilities.find((c) => c.name === 'fs') as CapabilitySurface;
    const readFile = fsCap.methods.readFile;
    expect(readFile?.params.map((p) => [p.name, p.optional])).toEqual([
      ['path', false],
      ['options', true],
    ]);
    const [pathSchema, optionsSchema] = (readFile?.params ?? []).map((p) => z.fromJSONSchema(p.schema));
    expect(pathSchema?.safeParse('notes/plan.md').success).toBe(true);
    expect(pathSchema?.safeParse(42).success).toBe(false);
    expect(pathSchema?.safeParse('x'.repeat(5000)).success).toBe(false);
    expect(optionsSchema?.safeParse('utf8').success).toBe(true);
    expect(optionsSchema?.safeParse({ encoding: 'utf-8' }).success).toBe(true);
    expect(optionsSchema?.safeParse('latin1').success).toBe(false);
    expect(optionsSchema?.safeParse({ encoding: 'utf8', flag: 'r' }).success).toBe(false);
    const readdir = z.fromJSONSchema(fsCap.methods.readdir?.returns ?? false);
    expect(readdir.safeParse(['a.md', 'b.md']).success).toBe(true);
    expect(readdir.safeParse([1]).success).toBe(false);
    expect(fsCap.methods.writeFile?.returns).toBeNull();
    expect(fsCap.methods.stat?.returnsType).toContain('isFile(): boolean');
    expect(json.limits).toEqual({
      timeoutMs: 5000,
      memoryMb: 64,
      maxCalls: 1000,
      maxOutputBytes: 65536,
      approvalTimeoutMs: 60000,
    });
    expect(json.globals.map((g) => g.name)).toEqual([
      'Date',
      'Math.random',
      'crypto',
      'TextEncoder',
      'TextDecoder',
    ]);
  });
});

describe('describe policies/github-issues.yaml', () => {
  let typescript: string;
  let json: PolicySurface;
  const token = 'ghp_describe_test_token_value';

  beforeAll(async () => {
    vi.stubEnv('GITHUB_TOKEN', token);
    ({ typescript, json } = describePolicy(
      await loadPolicy(path.join(repoRoot, 'policies/github-issues.yaml')),
    ));
  });
  afterAll(() => {
    vi.unstubAllEnvs();
  });

  it('declares fetch as a callable capability, its long types named once', () => {
    expect(typescript).toContain(
      'declare const fetch: {\n' + '  /**\n' + '   * fetch(url, { method, headers, body, redirect })',
    );
    expect(typescript).toContain('  (url: string, init?: FetchInit): Promise<FetchResult>;');
    expect(typescript).toContain(
      '  /** The same as calling fetch(...) itself. */\n  fetch(url: string, init?: FetchInit): Promise<FetchResult>;',
    );
    expect(typescript).toContain('type FetchInit = {\n');
    expect(typescript).toContain('  headers?: Record<string, string> | [string, string][];');
    expect(typescript).toContain('  body?: string | Uint8Array | null;');
    expect(typescript).toContain('  redirect?: "follow" | "manual" | "error";');
    expect(typescript).toContain('type FetchResult = {\n  ok: boolean;\n  status: number;');
    expect(typescript).toContain('  json(): Promise<any>;');
    expect(json.capabilities[0]?.callable).toBe('fetch');
  });

  it('names the allow and deny rules, never the secret, and what does not work without clock and random', () => {
    expect(typescript).toContain('"POST https://api.github.com/repos/acme/:repo/issues/:number/comments"');
    expect(typescript).toContain('deny rule "https://api.github.com/repos/acme/security-advisories/*"');
    // A rule's "*/" cannot end the comment it is shown in.
    expect(typescript).toContain('"GET https://api.github.com/repos/acme/*\\/issues*"');
    expect(typescript).toContain('GITHUB_TOKEN');
    expect(typescript).not.toContain(token);
    expect(JSON.stringify(json)).not.toContain(token);
    expect(typescript).toContain('- Date.now() and new Date() throw (no clock capability)');
    expect(typescript).toContain('- Math.random() throws and there is no crypto (no random capability)');
    expect(typescript).not.toContain('declare const crypto');
    expect(typescript).toContain('Limits: 30 s in all, 64 MiB of memory, at most 200 capability calls');
  });

  it('type-checks realistic scripts and rejects wrong ones', () => {
    const good = [
      `const repo: string = 'web';
const res = await fetch(\`https://api.github.com/repos/acme/\${repo}/issues?state=open\`);
if (!res.ok) throw new Error(\`GitHub said \${res.status} \${res.statusText}\`);
const issues: { number: number; title: string }[] = await res.json();
const stale = issues.filter((issue) => issue.title.startsWith('[stale]'));
for (const issue of stale) {
  const posted = await fetch(\`https://api.github.com/repos/acme/\${repo}/issues/\${issue.number}/comments\`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ body: 'Is this still relevant?' }),
  });
  console.log(posted.status, posted.headers.get('x-ratelimit-remaining'));
}
return { commented: stale.map((issue) => issue.number) };`,
      `const res = await fetch.fetch('https://api.github.com/repos/acme/web/issues', { headers: [['accept', 'application/json']], redirect: 'error' });
const text = await res.text();
for (const [name, value] of res.headers) console.debug(name, value);
return { length: text.length, bytes: (await res.bytes()).byteLength };`,
    ];
    expect(typeCheck(typescript, good)).toEqual(good.map(() => []));
    const bad: [string, RegExp][] = [
      ["await fetch('https://api.github.com', { mehtod: 'POST' });", /'mehtod' does not exist/],
      [
        "await fetch('https://api.github.com', { body: { a: 1 } });",
        /'a' does not exist in type 'Uint8Array/,
      ],
      ["await fetch('https://api.github.com', { redirect: 'never' });", /not assignable/],
      [
        "const res = await fetch('https://api.github.com'); return res.statusCode;",
        /'statusCode' does not exist/,
      ],
      ["return await fs.readdir('.');", /Cannot find name 'fs'/],
      ['return Math.random() + crypto.randomUUID();', /Cannot find name 'crypto'/],
    ];
    const errors = typeCheck(
      typescript,
      bad.map(([script]) => script),
    );
    bad.forEach(([script, expected], i) => {
      expect((errors[i] ?? []).join('\n'), script).toMatch(expected);
    });
  });

  it('gives JSON Schema that validates fetch arguments as the plugin does', () => {
    const fetchMethod = json.capabilities[0]?.methods.fetch;
    const [url, init] = (fetchMethod?.params ?? []).map((p) => z.fromJSONSchema(p.schema));
    expect(url?.safeParse('https://api.github.com/repos/acme/web/issues').success).toBe(true);
    expect(
      init?.safeParse({ method: 'POST', headers: { accept: 'application/json' }, body: 'x' }).success,
    ).toBe(true);
    expect(init?.safeParse({ headers: [['accept', 'text/plain']] }).success).toBe(true);
    expect(init?.safeParse({ mehtod: 'POST' }).success).toBe(false);
    expect(init?.safeParse({ method: 'GET POST' }).success).toBe(false);
    expect(init?.safeParse({ headers: { accept: 'a\r\nInjected: yes' } }).success).toBe(false);
    expect(fetchMethod?.returnsType).toContain('text(): Promise<string>;');
  });
});

describe('describe with input and added capabilities (host tools, MCP tools)', () => {
  it("declares input from its JSON Schema, so the hello example's input type-checks", async () => {
    const policy = await loadPolicy(path.join(repoRoot, 'policies/hello.yaml'));
    const { typescript } = describePolicy(policy, {
      input: {
        type: 'object',
        properties: { name: { type: 'string', description: 'who to greet' } },
        additionalProperties: false,
      },
    });
    expect(typescript).toContain('declare const input: {\n  /** who to greet */\n  name?: string;\n};');
    expect(typescript).toContain('- Intl (so no locale formatting), setTimeout and the other timers');
    const errors = typeCheck(typescript, [example('hello.js'), 'return input.nmae;', 'return fs;']);
    expect(errors[0]).toEqual([]);
    expect(errors[1]?.join('\n')).toMatch(/'nmae' does not exist/);
    expect(errors[2]?.join('\n')).toMatch(/Cannot find name 'fs'/);
  });

  it('adds capabilities described by JSON Schema only, with one object argument per method', async () => {
    const policy = await loadPolicy(path.join(repoRoot, 'policies/hello.yaml'));
    const github: CapabilitySurface = {
      name: 'github',
      source: 'MCP server github',
      description: 'GitHub, through its MCP server.',
      notes: ['may create issues in acme/web only'],
      methods: {
        create_issue: toolMethod({
          description: 'Open an issue.',
          inputSchema: {
            type: 'object',
            properties: {
              title: { type: 'string', description: 'one line' },
              body: { type: 'string' },
              labels: { type: 'array', items: { type: 'string' }, default: [] },
              priority: { enum: ['low', 'high', null] },
            },
            required: ['title'],
          },
          outputSchema: {
            type: 'object',
            properties: { number: { type: 'integer' }, url: { type: 'string', format: 'uri' } },
            required: ['number', 'url'],
          },
        }),
        'list-issues': toolMethod({
          inputSchema: { type: 'object', properties: { state: { const: 'open' } } },
        }),
      },
    };
    const { typescript, json } = describePolicy(policy, { capabilities: [github] });
    expect(json.capabilities.map((c) => c.name)).toEqual(['github']);
    expect(typescript).toContain(' * GitHub, through its MCP server.\n *\n * Granted (MCP server github):');
    expect(typescript).toContain('  create_issue(args: {\n    /** one line */\n    title: string;');
    expect(typescript).toContain('    /** (default: []) */\n    labels?: string[];');
    expect(typescript).toContain('    priority?: "low" | "high" | null;');
    expect(typescript).toContain(
      '  }): Promise<{\n    number: number;\n    /** (format: uri) */\n    url: string;\n  }>;',
    );
    expect(typescript).toContain('  "list-issues"(args: { state?: "open" }): Promise<unknown>;');
    const errors = typeCheck(typescript, [
      `const issue = await github.create_issue({ title: 'Flaky test', labels: ['ci'] });
const open = await github['list-issues']({ state: 'open' });
return { number: issue.number, url: issue.url, open: open !== null };`,
      "await github.create_issue({ body: 'no title' });",
      "await github.create_issue({ title: 'x', priority: 'urgent' });",
      'await github.close_issue({ number: 1 });',
    ]);
    expect(errors[0]).toEqual([]);
    expect(errors[1]?.join('\n')).toMatch(/'title' is missing/);
    expect(errors[2]?.join('\n')).toMatch(/not assignable/);
    expect(errors[3]?.join('\n')).toMatch(/'close_issue' does not exist/);
  });

  it('refuses an added capability whose name is not an identifier or is taken', async () => {
    const policy = await loadPolicy(path.join(repoRoot, 'policies/workspace.yaml'));
    const named = (name: string): CapabilitySurface => ({ name, description: '', notes: [], methods: {} });
    expect(() => describePolicy(policy, { capabilities: [named('fs')] })).toThrow(
      /taken by another capability/,
    );
    expect(() => describePolicy(policy, { capabilities: [named('my-tools')] })).toThrow(/not an identifier/);
    expect(() => describePolicy(policy, { capabilities: [named('console')] })).toThrow(/provided by sesame/);
    expect(() => describePolicy(policy, { capabilities: [named('tools')] })).not.toThrow();
  });
});

// ---------------------------------------------------------------------------------------------
// Third-party plugins: described by a sandbox, never run in the host

describe('describe a policy granting host tools and MCP tools', () => {
  const tools = {
    weather: {
      description: 'The weather in a city.',
      args: z.object({ city: z.string().describe('The city name.'), days: z.number().int().optional() }),
      returns: z.object({ city: z.string(), tempC: z.number() }),
      handler: () => ({ city: 'x', tempC: 1 }),
    },
    unused: { description: 'Not granted.', args: z.object({}), handler: () => null },
  };
  const rt = createRuntime({ size: 1, tools });
  afterAll(() => rt.close());
  const server = path.join(repoRoot, 'test', 'fixtures', 'mcp', 'server.mjs');
  const dir = tempDir();
  const file = writePolicy(
    dir,
    [
      'version: 1',
      'task: host-described',
      'capabilities:',
      '  host: { plugin: tools, allow: [weather], approve: [weather], maxCalls: 5 }',
      `  calc: { plugin: mcp, server: { command: ${JSON.stringify(process.execPath)}, args: [${JSON.stringify(server)}] }, allow: [add, echo], rate: "10/s" }`,
      '',
    ].join('\n'),
  );

  it("declares the granted tools from their schemas and the MCP server's list, with the options as notes", async () => {
    const { typescript, json } = await rt.describePolicy(await rt.loadPolicy(file));
    expect(typescript).toContain('The weather in a city.');
    expect(typescript).toContain('weather(args: {');
    expect(typescript).not.toContain('unused');
    expect(typescript).toContain('Add two numbers.');
    expect(typescript).toContain('calls to weather wait for a person to approve them');
    expect(typescript).toContain('at most 5 calls to it in one run');
    expect(typescript).toContain('at most 10 calls per');
    const host = json.capabilities.find((c) => c.name === 'host');
    expect(host?.source).toBe('host tools');
    expect(Object.keys(host?.methods ?? {})).toEqual(['weather']);
    const errors = typeCheck(typescript, [
      'const w = await host.weather({ city: "Oslo" }); const s = await calc.add({ a: 1, b: 2 }); const e: string = await calc.echo({ text: "x" }); return [w.tempC, s, e];',
      'return await host.weather({ town: "Oslo" });',
      'return await calc.delete_everything({});',
      'return await host.unused({});',
    ]);
    expect(errors[0]).toEqual([]);
    expect(errors[1]?.length).toBeGreaterThan(0);
    expect(errors[2]?.join('\n')).toMatch(/delete_everything/);
    expect(errors[3]?.join('\n')).toMatch(/unused/);
  });

  it('describes the tools of an MCP server it cannot reach as such, without failing', async () => {
    const file = writePolicy(
      dir,
      'version: 1\ntask: t\ncapabilities:\n  gone: { plugin: mcp, server: { command: ./no-such-server }, allow: [list] }\n',
      'gone.yaml',
    );
    const { typescript } = await rt.describePolicy(await rt.loadPolicy(file));
    expect(typescript).toContain('declare const gone: {');
    expect(typescript).toContain('the MCP server could not be reached to describe this tool');
  });

  it('sesame describe --tools describes a tools module', () => {
    const policyFile = writePolicy(
      dir,
      'version: 1\ntask: t\ncapabilities:\n  host: { plugin: tools, allow: [weather] }\n',
      'cli.yaml',
    );
    const res = sesame([
      'describe',
      '--policy',
      policyFile,
      '--tools',
      path.join(repoRoot, 'test', 'fixtures', 'tools', 'tools.mjs'),
    ]);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(res.stdout).toContain('The city name, e.g. "Oslo".');
  });
});

describe('describe with a third-party plugin (examples/plugin-outbox)', () => {
  let runtime: Runtime;
  let dir: string;
  let policyFile: string;

  beforeAll(() => {
    runtime = createRuntime({ size: 1, plugins: [OUTBOX] });
    dir = tempDir();
    fs.mkdirSync(path.join(dir, 'outbox'));
    policyFile = writePolicy(
      dir,
      [
        'version: 1',
        'task: mail',
        'capabilities:',
        '  outbox: { plugin: outbox, dir: ./outbox, to: ["ops@acme.example", "*@team.acme.example"], maxMessages: 3 }',
        '  notes: { plugin: kv }',
        '',
      ].join('\n'),
    );
  });
  afterAll(async () => {
    await runtime.close();
  });

  it("declares its methods from the schemas the sandbox described, with the policy's config", async () => {
    const { typescript, json } = await runtime.describePolicy(await runtime.loadPolicy(policyFile));
    expect(typescript).toContain(' * Queues e-mail for a person to review and send');
    expect(typescript).toContain(
      ' * Granted (plugin outbox):\n * - may queue up to 3 messages per run in …/outbox',
    );
    expect(typescript).toContain(' * - only to ops@acme.example, *@team.acme.example');
    expect(typescript).toContain(
      '  /** Queue a message { to, subject, body } for review; returns its id. */\n' +
        '  send(message: {\n' +
        '    /** one address, or up to 20 */\n' +
        '    to: string | string[];\n' +
        '    subject: string;\n' +
        '    /** plain text */\n' +
        '    body: string;\n' +
        '  }): Promise<{ id: string }>;',
    );
    expect(typescript).toContain('  remaining(): Promise<number>;');
    expect(typescript).toContain('declare const notes: {');
    expect(typescript).not.toContain(dir);
    // (zod's fromJSONSchema compiles patterns without the u flag, so the subject's \P{Cc} pattern
    // cannot be checked with it: check the recipients' schema.)
    const message = json.capabilities[0]?.methods.send?.params[0]?.schema as {
      required: string[];
      properties: { to: object };
    };
    expect(message.required).toEqual(['to', 'subject', 'body']);
    const to = z.fromJSONSchema(message.properties.to);
    expect(to.safeParse('ops@acme.example').success).toBe(true);
    expect(to.safeParse(['ops@acme.example', 'dev@team.acme.example']).success).toBe(true);
    expect(to.safeParse('not an address').success).toBe(false);
    expect(to.safeParse([]).success).toBe(false);

    const errors = typeCheck(typescript, [
      `const { id } = await outbox.send({ to: ['ops@acme.example'], subject: 'Weekly report', body: 'All green.' });
await notes.set('last', { id, left: await outbox.remaining() });
const last = await notes.get('last');
return { id, last, keys: await notes.list() };`,
      "await outbox.send('ops@acme.example', 'hi', 'text');",
      "await outbox.send({ to: 'ops@acme.example', subject: 'hi' });",
      'await outbox.cancel(1);',
    ]);
    expect(errors[0]).toEqual([]);
    expect(errors[1]?.join('\n')).toMatch(/Expected 1 arguments, but got 3/);
    expect(errors[2]?.join('\n')).toMatch(/'body' is missing/);
    expect(errors[3]?.join('\n')).toMatch(/'cancel' does not exist/);
  });

  it('reaches the host as data in the descriptor (plugin check --json shows it too)', async () => {
    const check = await checkPlugin(OUTBOX);
    const send = check.descriptor?.methods.send;
    expect(send?.params?.map((p) => [p.name, p.optional])).toEqual([['message', false]]);
    expect(send?.returns).toMatchObject({ type: 'object', required: ['id'] });
    expect(check.descriptor?.methods.remaining?.params).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// The emitter and the checks on TypeScript text from plugins

describe('JSON Schema to TypeScript', () => {
  const type = (schema: unknown) => {
    const types = new SchemaTypes();
    return { text: types.type(schema, { prefix: 'test' }), aliases: types.aliases };
  };

  it('writes the subset zod and MCP tools use', () => {
    expect(type({}).text).toBe('unknown');
    expect(type(true).text).toBe('unknown');
    expect(type(false).text).toBe('never');
    expect(type({ type: 'integer' }).text).toBe('number');
    expect(type({ type: ['string', 'null'] }).text).toBe('string | null');
    expect(type({ type: 'string', nullable: true }).text).toBe('string | null');
    expect(type({ const: 'a"b' }).text).toBe('"a\\"b"');
    expect(type({ enum: [1, 'two', false, null, { x: 1 }] }).text).toBe('unknown');
    expect(type({ enum: [1, 'two', false, null] }).text).toBe('1 | "two" | false | null');
    expect(type({ type: 'array', items: { anyOf: [{ type: 'string' }, { type: 'number' }] } }).text).toBe(
      '(string | number)[]',
    );
    expect(type({ type: 'array' }).text).toBe('unknown[]');
    expect(
      type({
        type: 'array',
        prefixItems: [{ type: 'string' }, { type: 'number' }],
        items: false,
        minItems: 1,
      }).text,
    ).toBe('[string, number?]');
    expect(
      type({ type: 'array', items: [{ type: 'string' }], additionalItems: { type: 'boolean' }, minItems: 1 })
        .text,
    ).toBe('[string, ...boolean[]]');
    expect(type({ type: 'object' }).text).toBe('Record<string, unknown>');
    expect(type({ type: 'object', additionalProperties: false }).text).toBe('Record<string, never>');
    expect(type({ type: 'object', additionalProperties: { type: 'number' } }).text).toBe(
      'Record<string, number>',
    );
    expect(
      type({
        type: 'object',
        properties: { a: { type: 'string' }, 'b-c': { type: 'number' } },
        required: ['a'],
      }).text,
    ).toBe('{ a: string; "b-c"?: number }');
    expect(
      type({
        type: 'object',
        properties: { a: { type: 'string' } },
        required: ['a'],
        additionalProperties: {},
      }).text,
    ).toBe('{ a: string; [key: string]: unknown }');
    expect(
      type({
        allOf: [
          { type: 'object', properties: { a: { type: 'string' } } },
          { type: 'object', properties: { b: { type: 'number' } } },
        ],
      }).text,
    ).toBe('{ a?: string } & { b?: number }');
    expect(type({ oneOf: [{ type: 'string' }, { type: 'string' }, { type: 'number' }] }).text).toBe(
      'string | number',
    );
    expect(type({ anyOf: [{ type: 'string' }, {}] }).text).toBe('unknown');
    expect(type({ tsType: 'Uint8Array' }).text).toBe('Uint8Array');
    expect(type({ type: 'array', items: { tsType: '(x: string) => void' } }).text).toBe(
      '((x: string) => void)[]',
    );
    expect(type({ not: { type: 'string' }, if: {}, else: {} }).text).toBe('unknown');
    expect(type('nonsense').text).toBe('unknown');
  });

  it('writes descriptions, defaults and formats as doc comments on properties', () => {
    expect(
      type({
        type: 'object',
        properties: {
          when: { type: 'string', format: 'date-time', description: 'the start */ declare const x: 1; /*' },
          n: { type: 'integer', default: 3 },
        },
      }).text,
    ).toBe(
      '{\n' +
        '  /**\n' +
        '   * the start *\\/ declare const x: 1; /*\n' +
        '   * (format: date-time)\n' +
        '   */\n' +
        '  when?: string;\n' +
        '  /** (default: 3) */\n' +
        '  n?: number;\n' +
        '}',
    );
  });

  it('inlines refs, and names recursive ones', () => {
    const defs = { $defs: { name: { type: 'string' } }, type: 'array', items: { $ref: '#/$defs/name' } };
    expect(type(defs)).toEqual({ text: 'string[]', aliases: [] });
    const tree = {
      type: 'object',
      properties: { value: { type: 'number' }, children: { type: 'array', items: { $ref: '#' } } },
      required: ['value'],
    };
    expect(type(tree)).toEqual({
      text: 'TestType',
      aliases: ['type TestType = { value: number; children?: TestType[] };'],
    });
    const json = type({
      $ref: '#/definitions/json',
      definitions: {
        json: {
          title: 'Json',
          anyOf: [{ type: 'string' }, { type: 'array', items: { $ref: '#/definitions/json' } }],
        },
      },
    });
    expect(json).toEqual({ text: 'TestJson', aliases: ['type TestJson = string | TestJson[];'] });
    expect(type({ $ref: '#/$defs/missing' }).text).toBe('unknown');
    expect(type({ $ref: 'https://example.com/schema.json' }).text).toBe('unknown');
  });

  it('gives up on absurd depth or expansion rather than recursing', () => {
    let deep: unknown = { type: 'string' };
    for (let i = 0; i < 200; i++) deep = { type: 'array', items: deep };
    expect(type(deep).text).toMatch(/^unknown(\[\])+$/);
    // Each definition refers to the next twice: inlined in full, 2^30 objects.
    const $defs: Record<string, unknown> = { d30: { type: 'string' } };
    for (let i = 0; i < 30; i++) {
      $defs[`d${i}`] = {
        type: 'object',
        properties: { a: { $ref: `#/$defs/d${i + 1}` }, b: { $ref: `#/$defs/d${i + 1}` } },
      };
    }
    const started = performance.now();
    const text = type({ $defs, $ref: '#/$defs/d0' }).text;
    expect(performance.now() - started).toBeLessThan(2000);
    expect(text).toContain('unknown');
    expect(text.length).toBeLessThan(1_000_000);
  });

  it('pastes TypeScript text from a plugin only when it cannot break out of its place', () => {
    expect(safeType('{ a: string; b(): void }')).toBe('{ a: string; b(): void }');
    expect(safeType('Record<string, "a;b">')).toBe('Record<string, "a;b">');
    expect(safeType('string }; declare const evil: any; let x: {')).toBeUndefined();
    expect(safeType('string; declare const evil: any')).toBeUndefined();
    expect(safeType('string /* swallow')).toBeUndefined();
    expect(safeType('string // rest of line')).toBeUndefined();
    expect(safeType('`template`')).toBeUndefined();
    expect(safeType('"unterminated')).toBeUndefined();
    expect(safeType('string\u202e')).toBeUndefined();
    expect(safeType(42)).toBeUndefined();
    expect(parseSignature('(path: string, options?: { a: 1 }): string')).toEqual({
      params: 'path: string, options?: { a: 1 }',
      result: 'string',
    });
    expect(parseSignature('(a: string) string')).toBeUndefined();
    expect(parseSignature('(a: string): string; declare const b: 1')).toBeUndefined();
    // A signature that fails the check is not used: the declaration falls back to the schemas.
    const t = type({ tsType: 'x }; declare const y: 1; {' });
    expect(t.text).toBe('unknown');
  });
});

// ---------------------------------------------------------------------------------------------
// The command

describe('sesame describe', () => {
  it('prints the declarations for a policy', () => {
    const res = sesame(['describe', '--policy', 'policies/workspace.yaml']);
    expect(res.code).toBe(0);
    expect(res.stderr).toBe('');
    expect(res.stdout).toContain('declare const fs: {');
    expect(typeCheck(res.stdout, [example('summarize.ts')])).toEqual([[]]);
  });

  it('prints the same as JSON with --format json', () => {
    const res = sesame(['describe', '--policy', 'policies/workspace.yaml', '--format', 'json']);
    expect(res.code).toBe(0);
    const out = JSON.parse(res.stdout) as PolicySurface;
    expect(out.task).toBe('workspace');
    expect(out.capabilities.map((c) => c.name)).toEqual(['fs', 'clock', 'random']);
    const mkdir = out.capabilities[0]?.methods.mkdir;
    const options = z.fromJSONSchema(mkdir?.params[1]?.schema ?? false);
    expect(options.safeParse({ recursive: true }).success).toBe(true);
    expect(options.safeParse({ recursive: 'yes' }).success).toBe(false);
  });

  it('takes --input-schema and --plugin', () => {
    const dir = tempDir();
    fs.mkdirSync(path.join(dir, 'box'));
    const schema = path.join(dir, 'input.json');
    fs.writeFileSync(
      schema,
      JSON.stringify({ type: 'object', properties: { to: { type: 'string' } }, required: ['to'] }),
    );
    const policy = writePolicy(
      dir,
      'version: 1\ntask: mail\ncapabilities:\n  outbox: { plugin: outbox, dir: ./box, to: ["*@acme.example"] }\n',
    );
    const res = sesame(['describe', '--policy', policy, '--plugin', OUTBOX, '--input-schema', schema]);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toContain('declare const input: { to: string };');
    expect(res.stdout).toContain('send(message: {');
  });

  it('exits 2 with the policy errors for an invalid policy, and for bad usage', () => {
    const dir = tempDir();
    const policy = writePolicy(
      dir,
      'version: 1\ntask: t\ncapabilities:\n  fs: { plugin: fs, root: ./missing }\n',
    );
    const invalid = sesame(['describe', '--policy', policy]);
    expect(invalid.code).toBe(2);
    expect(invalid.stdout).toBe('');
    expect(invalid.stderr).toMatch(/policy\.yaml:4:\d+: capabilities\.fs\.root: root .* does not exist/);
    expect(sesame(['describe']).code).toBe(2);
    expect(sesame(['describe', '--policy', 'policies/hello.yaml', '--format', 'xml']).code).toBe(2);
    const missing = sesame([
      'describe',
      '--policy',
      'policies/hello.yaml',
      '--input-schema',
      path.join(dir, 'no.json'),
    ]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/cannot read the input schema/);
    const help = sesame(['describe', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Usage: sesame describe/);
  });
});
