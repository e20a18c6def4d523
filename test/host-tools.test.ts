// Host tools (createRuntime({ tools })), per-capability limits (maxCalls, rate) and approvals,
// through real sandboxes: calls cross the process boundary as plain data, are validated with the
// tool's zod schema, recorded before the handler acts, and a script never reaches a tool its
// policy does not grant, nor the host objects behind one.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  type ApprovalRequest,
  type AuditRecord,
  createRuntime,
  defineTool,
  ToolError,
} from '../src/index.ts';
import { policyText, tempDir, writePolicy } from './helpers/runtime.ts';

const calls: { tool: string; args: unknown; at: number }[] = [];
let aborted = 0;
let onHang: () => void = () => {};
const hostSecretPath = '/srv/host/only/secret-path';
const tools = {
  lookup: defineTool({
    description: 'Look up a word; returns its length.',
    args: z.object({ word: z.string().max(100) }),
    returns: z.object({ word: z.string(), length: z.number() }),
    handler: ({ word }) => {
      calls.push({ tool: 'lookup', args: word, at: performance.now() });
      return { word, length: word.length };
    },
  }),
  rich: defineTool({
    description: 'Returns host objects: a function, a Date, a class instance.',
    args: z.object({}),
    handler: () => ({ fn: () => process.exit(1), when: new Date(0), self: new (class Host {})(), n: 1 }),
  }),
  refuse: defineTool({
    description: 'Fails on purpose with a code for the script.',
    args: z.object({}),
    handler: () => {
      throw new ToolError('E_NOT_FOUND', 'no such thing');
    },
  }),
  crash: defineTool({
    description: 'Fails with a host error whose details must not reach the script.',
    args: z.object({}),
    handler: () => {
      throw new Error(`cannot open ${hostSecretPath}`);
    },
  }),
  liar: defineTool({
    description: 'Returns something its own schema refuses.',
    args: z.object({}),
    returns: z.object({ ok: z.boolean() }),
    handler: () => ({ ok: 'yes' }),
  }),
  hang: defineTool({
    description: 'Never answers until the run ends.',
    args: z.object({}),
    handler: (_args, ctx) =>
      new Promise((_resolve, reject) => {
        ctx.signal.addEventListener('abort', () => {
          aborted++;
          reject(new Error('aborted'));
        });
        onHang();
      }),
  }),
  secret: defineTool({
    description: 'Returns a value that is one of the policy secrets.',
    args: z.object({}),
    handler: () => ({ token: 'tok-ABCDEF0123456789' }),
  }),
};

const approvals: ApprovalRequest[] = [];
let decide: (request: ApprovalRequest) => boolean | Promise<boolean> = () => true;
const rt = createRuntime({
  size: 2,
  tools,
  approve: (request) => {
    approvals.push(request);
    return decide(request);
  },
});
const bare = createRuntime({ size: 1, tools });
afterAll(() => Promise.all([rt.close(), bare.close()]));

const policy = (capabilities: Record<string, string>, limits: Record<string, number> = {}) =>
  policyText({ capabilities, limits });
const events = (audit: AuditRecord[]) => audit.map((r) => `${r.event}${'method' in r ? ` ${r.method}` : ''}`);

describe('host tools', () => {
  it('a granted tool is a method of the capability; its result comes back as data', async () => {
    const res = await rt.run({
      policy: policy({ tools: '{ plugin: tools, allow: [lookup] }' }),
      script:
        'return { r: await tools.lookup({ word: "sesame" }), keys: Object.keys(tools), frozen: Object.isFrozen(tools) }',
    });
    expect(res.error).toBeUndefined();
    expect(res.result).toEqual({ r: { word: 'sesame', length: 6 }, keys: ['lookup'], frozen: true });
    expect(events(res.audit)).toEqual(['run.start', 'call.intent lookup', 'call lookup', 'run.end']);
    const call = res.audit.find((r) => r.event === 'call');
    expect(call).toMatchObject({ cap: 'tools', plugin: 'tools', args: [{ word: 'sesame' }], outcome: 'ok' });
  });

  it('a registered tool the policy does not grant does not exist for the script', async () => {
    const res = await rt.run({
      policy: policy({ tools: '{ plugin: tools, allow: [lookup] }' }),
      script: 'return [typeof tools.crash, typeof tools.rich, "crash" in tools]',
    });
    expect(res.result).toEqual(['undefined', 'undefined', false]);
  });

  it('a policy naming a tool the host does not register is refused (E_POLICY)', async () => {
    const res = await rt.run({
      policy: policy({ t: '{ plugin: tools, allow: [lookup, nope] }' }),
      script: 'return 1',
    });
    expect(res.error?.code).toBe('E_POLICY');
    expect(res.error?.message).toContain('capabilities.t.allow[1]: the host registers no tool named "nope"');
  });

  it('refuses unusable tool names when registered', () => {
    expect(() => createRuntime({ tools: Object.fromEntries([['then', tools.lookup]]) })).toThrow(
      /JavaScript identifier other than then/,
    );
    expect(() => createRuntime({ tools: { 'a-b': tools.lookup } })).toThrow(/tool name/);
    expect(() => createRuntime({ tools: { x: { ...tools.lookup, description: '' } } })).toThrow(
      /description/,
    );
    expect(() => createRuntime({ tools: { x: { ...tools.lookup, args: {} as z.ZodType } } })).toThrow(
      /zod schema/,
    );
  });

  it('invalid arguments are refused by the schema before the handler runs', async () => {
    const before = calls.length;
    const res = await rt.run({
      policy: policy({ tools: '{ plugin: tools, allow: [lookup] }' }),
      script: `const out = [];
        for (const a of [{}, { word: 5 }, { word: "x".repeat(101) }, "word", [1]]) {
          try { await tools.lookup(a); } catch (e) { out.push(e.code); }
        }
        try { await tools.lookup({ word: "a" }, 2); } catch (e) { out.push(e.code); }
        try { await tools.lookup({ word: () => 1 }); } catch (e) { out.push(e.code); }
        return out;`,
    });
    expect(res.result).toEqual(Array(7).fill('E_INVALID_ARGUMENT'));
    expect(calls.length).toBe(before);
    const denied = res.audit.filter((r) => r.event === 'call');
    expect(denied.every((r) => r.event === 'call' && r.decision === 'deny' && r.rule === 'schema')).toBe(
      true,
    );
    expect(res.audit.some((r) => r.event === 'call.intent')).toBe(false);
  });

  it('host objects in a result reach the script only as JSON data', async () => {
    const res = await rt.run({
      policy: policy({ tools: '{ plugin: tools, allow: [rich] }' }),
      script: `const r = await tools.rich();
        return { r, fn: typeof r.fn, proto: Object.getPrototypeOf(r.self) === Object.prototype, frozen: Object.isFrozen(r) };`,
    });
    expect(res.result).toEqual({
      r: { when: '1970-01-01T00:00:00.000Z', self: {}, n: 1 },
      fn: 'undefined',
      proto: true,
      frozen: true,
    });
  });

  it('a ToolError reaches the script with its code; any other error says only that the call failed', async () => {
    const res = await rt.run({
      policy: policy({ tools: '{ plugin: tools, allow: [refuse, crash, liar] }' }),
      script: `const out = [];
        for (const f of [tools.refuse, tools.crash, tools.liar]) {
          try { await f({}); } catch (e) { out.push([e.code, e.message, e instanceof Error]); }
        }
        return out;`,
    });
    expect(res.result).toEqual([
      ['E_NOT_FOUND', 'tools.refuse: no such thing', true],
      ['E_TOOL', 'tools.crash failed', true],
      ['E_TOOL', 'tools.liar failed', true],
    ]);
    expect(JSON.stringify(res)).not.toContain(hostSecretPath);
  });

  it('an uncaught tool error ends the run as a script error', async () => {
    const res = await rt.run({
      policy: policy({ tools: '{ plugin: tools, allow: [refuse] }' }),
      script: 'await tools.refuse()',
    });
    expect(res.error?.code).toBe('E_SCRIPT');
    expect(res.error?.message).toContain('no such thing');
  });

  it('a run that times out aborts the handler and records the call as ended before run.end', async () => {
    const before = aborted;
    const res = await rt.run({
      policy: policy({ tools: '{ plugin: tools, allow: [hang] }' }, { timeoutMs: 300 }),
      script: 'await tools.hang()',
    });
    expect(res.error?.code).toBe('E_TIMEOUT');
    expect(aborted).toBe(before + 1);
    expect(events(res.audit)).toEqual(['run.start', 'call.intent hang', 'call hang', 'run.end']);
    expect(res.audit[2]).toMatchObject({ outcome: 'error', error: { code: 'E_REVOKED' } });
  });

  it('aborting the run cancels the handler too', async () => {
    const before = aborted;
    const controller = new AbortController();
    onHang = () => controller.abort();
    const res = await rt.run({
      policy: policy({ tools: '{ plugin: tools, allow: [hang] }' }),
      script: 'await tools.hang()',
      signal: controller.signal,
    });
    onHang = () => {};
    expect(res.error?.code).toBe('E_ABORTED');
    expect(aborted).toBe(before + 1);
    expect(events(res.audit)).toEqual(['run.start', 'call.intent hang', 'call hang', 'run.end']);
  });

  it('a run aborted before a sandbox is free ends E_ABORTED, not at its deadline', async () => {
    const slow = createRuntime({ size: 1, tools });
    try {
      const controller = new AbortController();
      const pending = slow.run({ policy: policy({}), script: 'return 1', signal: controller.signal });
      controller.abort();
      const res = await pending;
      expect(res.error?.code).toBe('E_ABORTED');
      expect(res.stats.durationMs).toBeLessThan(1500);
    } finally {
      await slow.close();
    }
  });

  it('a secret value a tool returns is redacted before the script sees it', async () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'token'), 'tok-ABCDEF0123456789\n');
    const text = policy({ tools: '{ plugin: tools, allow: [secret] }' }).replace(
      'capabilities:',
      'secrets:\n  T: { file: token }\ncapabilities:',
    );
    const res = await rt.run({ policyPath: writePolicy(dir, text), script: 'return await tools.secret()' });
    expect(res.result).toEqual({ token: '[REDACTED:T]' });
  });

  it('the script cannot reach host objects through the capability', async () => {
    const res = await rt.run({
      policy: policy({ tools: '{ plugin: tools, allow: [lookup] }' }),
      script: `const f = tools.lookup;
        const out = [];
        try { out.push(typeof f.constructor("return process")()); } catch (e) { out.push(e.name); }
        out.push(Object.getOwnPropertyNames(f).sort().join());
        try { tools.lookup = 1; } catch (e) { out.push(e.name); }
        return out;`,
    });
    expect(res.result).toEqual(['TypeError', 'length,name', 'TypeError']);
  });
});

describe('per-capability limits', () => {
  it('maxCalls on a capability ends the run once crossed', async () => {
    const res = await rt.run({
      policy: policy({ tools: '{ plugin: tools, allow: [lookup], maxCalls: 2 }' }),
      script: 'for (let i = 0; i < 5; i++) await tools.lookup({ word: "a" }); return "not reached"',
    });
    expect(res.error?.code).toBe('E_CALL_LIMIT');
    expect(res.error?.message).toContain('capabilities.tools.maxCalls (2)');
    const denied = res.audit.find((r) => r.event === 'call' && r.decision === 'deny');
    expect(denied).toMatchObject({ rule: 'capabilities.tools.maxCalls', seq: 3 });
  });

  it('maxCalls on a plugin capability counts only that capability', async () => {
    const res = await rt.run({
      policy: policy({ clock: '{ plugin: clock, maxCalls: 1 }', random: '{ plugin: random }' }),
      script:
        'await clock.now(); for (let i = 0; i < 5; i++) await random.random(); try { await clock.now(); } catch (e) { return e.code } ',
    });
    // The run is over once the limit is crossed, whatever the script does next.
    expect(res.error?.code).toBe('E_CALL_LIMIT');
  });

  it('rate paces calls: beyond it they wait their turn', async () => {
    calls.length = 0;
    // Timed inside the sandbox (the clock the pacer keeps): host-side timestamps would add the
    // channel's latency of each call.
    const res = await rt.run({
      policy: policy({
        tools: '{ plugin: tools, allow: [lookup], rate: "2/s" }',
        clock: '{ plugin: clock }',
      }),
      script:
        'const t0 = Date.now(); for (let i = 0; i < 3; i++) await tools.lookup({ word: String(i) }); return Date.now() - t0',
    });
    expect(calls).toHaveLength(3);
    // The third call may go only a second after the first (Date.now() counts whole milliseconds).
    expect(res.result).toBeGreaterThanOrEqual(999);
  });

  it('refuses bad option values with positions', async () => {
    const res = await rt.run({
      policy: policy({
        a: '{ plugin: clock, rate: "fast" }',
        b: '{ plugin: clock, maxCalls: -1 }',
        c: '{ plugin: clock, approve: [nope] }',
        d: '{ plugin: clock, approve: "yes" }',
      }),
      script: 'return 1',
    });
    expect(res.error?.code).toBe('E_POLICY');
    const message = res.error?.message ?? '';
    expect(message).toContain('capabilities.a.rate: expected a rate such as "10/s"');
    expect(message).toContain('capabilities.b.maxCalls');
    expect(message).toContain('capabilities.d.approve: expected true, or a list of method names');
  });

  it('approve must name methods the capability has', async () => {
    const res = await rt.run({
      policy: policy({ c: '{ plugin: clock, approve: [nope] }' }),
      script: 'return 1',
    });
    expect(res.error?.message).toContain(
      'capabilities.c.approve[0]: "nope" is not a method of this capability',
    );
  });
});

describe('approvals', () => {
  const dir = tempDir();
  fs.mkdirSync(path.join(dir, 'ws'));
  const fsPolicy = (approve: string, limits: Record<string, number> = {}) =>
    writePolicy(
      dir,
      policy({ fs: `{ plugin: fs, root: ./ws, read: ["**"], write: ["**"], approve: ${approve} }` }, limits),
      `p-${Math.random().toString(36).slice(2)}.yaml`,
    );

  it('a plugin method marked approve waits for the host; the audit records the decision', async () => {
    approvals.length = 0;
    decide = () => true;
    const res = await rt.run({
      policyPath: fsPolicy('[writeFile]'),
      script: 'await fs.writeFile("a.txt", "hi"); return await fs.readFile("a.txt", "utf8")',
    });
    expect(res.result).toBe('hi');
    expect(approvals).toHaveLength(1);
    expect(approvals[0]).toMatchObject({
      capability: 'fs',
      plugin: 'fs',
      method: 'writeFile',
      args: ['a.txt', 'hi'],
    });
    const intent = res.audit.find((r) => r.event === 'call.intent' && r.method === 'writeFile');
    expect(intent).toMatchObject({ approval: 'approved' });
    const read = res.audit.find((r) => r.event === 'call.intent' && r.method === 'readFile');
    expect(read && 'approval' in read).toBe(false);
  });

  it('a denied call fails with E_DENIED and the plugin never acts', async () => {
    decide = () => false;
    const res = await rt.run({
      policyPath: fsPolicy('true'),
      script: 'await fs.writeFile("denied.txt", "x")',
    });
    expect(res.error?.code).toBe('E_DENIED');
    expect(res.error?.message).toContain('not approved (denied by the host)');
    expect(fs.existsSync(path.join(dir, 'ws', 'denied.txt'))).toBe(false);
    expect(res.audit.find((r) => r.event === 'call')).toMatchObject({
      decision: 'deny',
      rule: 'approve',
      approval: 'denied',
    });
    expect(res.audit.some((r) => r.event === 'call.intent')).toBe(false);
  });

  it('without an approver such calls are denied', async () => {
    const res = await bare.run({
      policyPath: fsPolicy('true'),
      script: 'await fs.writeFile("none.txt", "x")',
    });
    expect(res.error?.code).toBe('E_DENIED');
    expect(res.audit.find((r) => r.event === 'call')).toMatchObject({ approval: 'unavailable' });
  });

  it("the run's deadline stops while the host decides", async () => {
    decide = () => new Promise((resolve) => setTimeout(() => resolve(true), 700));
    const res = await rt.run({
      policyPath: fsPolicy('[writeFile]', { timeoutMs: 400 }),
      script: 'await fs.writeFile("slow.txt", "ok"); return "written"',
    });
    expect(res.error).toBeUndefined();
    expect(res.result).toBe('written');
  });

  it('a decision that does not come within approvalTimeoutMs denies', async () => {
    decide = (request) =>
      new Promise((resolve) => request.signal.addEventListener('abort', () => resolve(true)));
    const res = await rt.run({
      policyPath: fsPolicy('[writeFile]', { approvalTimeoutMs: 200 }),
      script: 'try { await fs.writeFile("late.txt", "x") } catch (e) { return e.message }',
    });
    expect(res.result).toContain('no decision within approvalTimeoutMs (200 ms)');
    expect(fs.existsSync(path.join(dir, 'ws', 'late.txt'))).toBe(false);
  });

  it('a host tool marked approve: the approver sees the arguments, and a run-level approver wins', async () => {
    decide = () => true;
    const seen: ApprovalRequest[] = [];
    const res = await rt.run({
      policy: policy({ tools: '{ plugin: tools, allow: [lookup], approve: [lookup] }' }),
      script: 'try { await tools.lookup({ word: "no" }) } catch (e) { return e.code }',
      approve: (request) => {
        seen.push(request);
        return false;
      },
    });
    expect(res.result).toBe('E_DENIED');
    expect(seen[0]).toMatchObject({
      capability: 'tools',
      plugin: 'tools',
      method: 'lookup',
      args: [{ word: 'no' }],
    });
  });

  it('an approver that throws denies', async () => {
    decide = () => {
      throw new Error('approver bug');
    };
    const res = await rt.run({
      policy: policy({ tools: '{ plugin: tools, allow: [lookup], approve: true }' }),
      script: 'try { await tools.lookup({ word: "x" }) } catch (e) { return e.message }',
    });
    expect(res.result).toBe('tools.lookup: not approved (the approver failed)');
  });
});
