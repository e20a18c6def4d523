// `sesame mcp`: driven by the official MCP client over stdio, as a real MCP client would. The
// server offers one tool, run_script, whose description declares what scripts may use; results
// come back as structured content, failures as tool errors carrying sesame's error codes.
import fs from 'node:fs';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bin } from './helpers/cli.ts';
import { repoRoot, tempDir, writePolicy } from './helpers/runtime.ts';

const dir = tempDir();
fs.mkdirSync(path.join(dir, 'ws'));
fs.writeFileSync(path.join(dir, 'ws', 'notes.txt'), 'alpha\nbeta\n');
const policy = writePolicy(
  dir,
  [
    'version: 1',
    'task: mcp-served',
    'description: Answer questions about the weather and the notes.',
    'limits: { timeoutMs: 1000 }',
    'capabilities:',
    '  fs: { plugin: fs, root: ./ws, read: ["**"], write: [] }',
    '  host: { plugin: tools, allow: [weather] }',
    '',
  ].join('\n'),
);
const auditFile = path.join(dir, 'audit.jsonl');

let client: Client;
beforeAll(async () => {
  client = new Client({ name: 'test-client', version: '1.0.0' });
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [
      bin,
      'mcp',
      '--policy',
      policy,
      '--tools',
      path.join(repoRoot, 'test', 'fixtures', 'tools', 'tools.mjs'),
      '--audit',
      auditFile,
    ],
    stderr: 'ignore',
  });
  await client.connect(transport);
});
afterAll(() => client.close());

type Structured = {
  ok: boolean;
  result?: unknown;
  error?: { code: string; message: string };
  logs: string[];
};
async function run(args: Record<string, unknown>) {
  const res = await client.callTool({ name: 'run_script', arguments: args });
  return { res, out: res.structuredContent as Structured };
}

describe('sesame mcp', () => {
  it('lists one tool, run_script, whose description declares the policy’s globals', async () => {
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toEqual(['run_script']);
    const description = tools[0]?.description ?? '';
    expect(description).toContain('Run a tool script under the sesame policy "mcp-served"');
    expect(description).toContain('declare const fs: {');
    expect(description).toContain('declare const host: {');
    expect(description).toContain('The weather in a city');
    expect(tools[0]?.inputSchema).toMatchObject({ type: 'object', required: ['script'] });
  });

  it('runs a TypeScript script that uses fs and a host tool; the result is structured content', async () => {
    const { res, out } = await run({
      script:
        'const notes: string = await fs.readFile("notes.txt", "utf8"); const w = await host.weather({ city: input.city }); console.log("read", notes.length); return { lines: notes.trim().split("\\n").length, w };',
      input: { city: 'Rome' },
    });
    expect(res.isError).toBeFalsy();
    expect(out).toMatchObject({
      ok: true,
      result: { lines: 2, w: { city: 'Rome', tempC: 4 } },
      logs: ['read 11'],
    });
    const text = (res.content as { type: string; text: string }[])[0]?.text ?? '';
    expect(text).toContain('"lines":2');
    expect(text).toContain('console (1 line)');
  });

  it("reports failures as tool errors with sesame's codes", async () => {
    const thrown = await run({ script: 'throw new Error("nope")' });
    expect(thrown.res.isError).toBe(true);
    expect(thrown.out.error?.code).toBe('E_SCRIPT');
    const denied = await run({ script: 'return await fs.writeFile("x.txt", "no")' });
    expect(denied.out.error?.code).toBe('E_DENIED');
    const slow = await run({ script: 'while (true) {}' });
    expect(slow.out.error?.code).toBe('E_TIMEOUT');
    const syntax = await run({ script: 'return (', language: 'js' });
    expect(syntax.out.error?.code).toBe('E_SYNTAX');
  });

  it('the client cannot choose the policy, the limits or the capabilities', async () => {
    const { out } = await run({
      script: 'return [typeof fetch, typeof kv, typeof process]',
      policy: 'version: 1\ntask: evil\ncapabilities:\n  fetch: { plugin: http, allow: ["GET https://**"] }\n',
      limits: { timeoutMs: 600000 },
    });
    expect(out).toMatchObject({ ok: true, result: ['undefined', 'undefined', 'undefined'] });
  });

  it('writes every run to the audit file', () => {
    const records = fs
      .readFileSync(auditFile, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(records.filter((r) => r.event === 'run.start').length).toBeGreaterThanOrEqual(5);
    expect(records.every((r) => r.task === 'mcp-served')).toBe(true);
  });
});
