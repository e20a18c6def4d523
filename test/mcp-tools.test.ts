// MCP servers' tools as capabilities, through real sandboxes and a real MCP server built with the
// official SDK: over stdio (a child process) and over Streamable HTTP on loopback. Only the tools a
// policy allows exist for the script; the server gets only the environment the policy gives it.
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRuntime, type PluginLogEntry } from '../src/index.ts';
import { policyText, repoRoot, tempDir, writePolicy } from './helpers/runtime.ts';

const fixture = path.join(repoRoot, 'test', 'fixtures', 'mcp', 'server.mjs');
const logs: PluginLogEntry[] = [];
const rt = createRuntime({ size: 2, onPluginLog: (entry) => logs.push(entry) });
afterAll(() => rt.close());

const dir = tempDir();
fs.writeFileSync(path.join(dir, 'token'), 'mcp-secret-0123456789\n');
const stdioPolicy = (allow: string, extra = '') =>
  writePolicy(
    dir,
    policyText({
      capabilities: {
        m: `{ plugin: mcp, server: { command: ${JSON.stringify(process.execPath)}, args: [${JSON.stringify(fixture)}], env: { TOKEN: "\${T}", MODE: test } }, allow: [${allow}]${extra} }`,
      },
    }).replace('capabilities:', 'secrets:\n  T: { file: token }\ncapabilities:'),
    `p-${Math.random().toString(36).slice(2)}.yaml`,
  );

describe('MCP tools over stdio', () => {
  it('allowed tools are methods; results are structured content, else text', async () => {
    const res = await rt.run({
      policyPath: stdioPolicy('add, echo'),
      script:
        'return { keys: Object.keys(m), sum: await m.add({ a: 2, b: 3 }), echo: await m.echo({ text: "hi" }), other: typeof m.delete_everything }',
    });
    expect(res.error).toBeUndefined();
    expect(res.result).toEqual({ keys: ['add', 'echo'], sum: { sum: 5 }, echo: 'hi', other: 'undefined' });
    const call = res.audit.find((r) => r.event === 'call' && r.method === 'add');
    expect(call).toMatchObject({
      cap: 'm',
      plugin: 'mcp',
      args: [{ a: 2, b: 3 }],
      outcome: 'ok',
      rule: 'capabilities.m.allow',
    });
  });

  it('the server sees only the environment the policy gives it; a secret there is redacted from results', async () => {
    const res = await rt.run({ policyPath: stdioPolicy('env'), script: 'return JSON.parse(await m.env())' });
    const result = res.result as { names: string[]; token: string };
    expect(result.token).toBe('[REDACTED:T]');
    // The policy's variables, and at most the SDK's default set; nothing else of the host's.
    const allowed = ['TOKEN', 'MODE', 'HOME', 'LOGNAME', 'PATH', 'SHELL', 'TERM', 'USER'];
    expect(result.names.filter((name) => !allowed.includes(name))).toEqual([]);
    expect(result.names).toContain('MODE');
  });

  it("a tool's own error reaches the script as E_TOOL with the tool's text", async () => {
    const res = await rt.run({
      policyPath: stdioPolicy('fail'),
      script: 'try { await m.fail({}) } catch (e) { return [e.code, e.message] }',
    });
    expect(res.result).toEqual(['E_TOOL', 'm.fail: the fixture failed on purpose']);
  });

  it('a call slower than timeoutMs fails; the run goes on', async () => {
    const res = await rt.run({
      policyPath: stdioPolicy('slow, echo', ', timeoutMs: 100'),
      script:
        'let e; try { await m.slow({ ms: 1000 }) } catch (x) { e = x.code } return [e, await m.echo({ text: "after" })]',
    });
    expect(res.result).toEqual(['E_TOOL', 'after']);
  });

  it('arguments must be one object', async () => {
    const res = await rt.run({
      policyPath: stdioPolicy('echo'),
      script:
        'const out = []; for (const a of ["x", [1], 5]) { try { await m.echo(a) } catch (e) { out.push(e.code) } } return out',
    });
    expect(res.result).toEqual(['E_INVALID_ARGUMENT', 'E_INVALID_ARGUMENT', 'E_INVALID_ARGUMENT']);
  });

  it('a server that cannot start fails the call; the details go to the operator, not the script', async () => {
    const file = writePolicy(
      dir,
      policyText({
        capabilities: { m: '{ plugin: mcp, server: { command: ./no-such-server }, allow: [x] }' },
      }),
      'missing.yaml',
    );
    const res = await rt.run({
      policyPath: file,
      script: 'try { await m.x({}) } catch (e) { return [e.code, e.message] }',
    });
    expect(res.result).toEqual(['E_TOOL', 'm.x: cannot reach the MCP server']);
    expect(res.pluginLogs.map((entry) => entry.message).join('\n')).toContain('cannot reach the MCP server');
  });

  it('refuses bad configs with positions', async () => {
    const res = await rt.run({
      policy: policyText({
        capabilities: {
          a: '{ plugin: mcp, server: { command: x }, allow: [] }',
          b: '{ plugin: mcp, server: { url: "ftp://x" }, allow: [t] }',
          c: '{ plugin: mcp, server: { command: x }, allow: [then] }',
        },
      }),
      script: 'return 1',
    });
    const message = res.error?.message ?? '';
    expect(res.error?.code).toBe('E_POLICY');
    expect(message).toContain('capabilities.a.allow: expected at least one name');
    expect(message).toContain('capabilities.b.server');
    expect(message).toContain('"then" cannot be a method name');
    const undefinedSecret = await rt.run({
      policy: policyText({
        capabilities: {
          d: `{ plugin: mcp, server: { command: x, env: { A: "\${UNDEFINED}" } }, allow: [t] }`,
        },
      }),
      script: 'return 1',
    });
    expect(undefinedSecret.error?.message).toContain(
      'capabilities.d: uses the secret UNDEFINED, which is not defined under secrets:',
    );
  });
});

describe('MCP tools over Streamable HTTP (loopback)', () => {
  let server: ChildProcess;
  let url = '';
  beforeAll(async () => {
    server = spawn(process.execPath, [path.join(repoRoot, 'test', 'fixtures', 'mcp', 'http-server.mjs')], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    url = await new Promise<string>((resolve) =>
      server.stdout?.once('data', (d) => resolve(String(d).trim())),
    );
    expect(new URL(url).hostname).toBe('127.0.0.1');
  });
  afterAll(() => server.kill());

  it('calls allowed tools, with secret headers filled in by the host', async () => {
    const text = policyText({
      capabilities: {
        h: `{ plugin: mcp, server: { url: "${url}", headers: { Authorization: "Bearer \${T}" } }, allow: [add, auth] }`,
      },
    }).replace('capabilities:', 'secrets:\n  T: { file: token }\ncapabilities:');
    const res = await rt.run({
      policyPath: writePolicy(dir, text, 'http.yaml'),
      script: 'return [await h.add({ a: 1, b: 2 }), await h.auth()]',
    });
    expect(res.error).toBeUndefined();
    expect(res.result).toEqual(['3', 'Bearer [REDACTED:T]']);
  });
});
