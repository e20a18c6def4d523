// The http plugin end to end: policies on disk, scripts in the real sandbox processes, the real
// membrane and audit trail, the plugin's real resolver and connector. Every URL here is an IP
// literal or a name refused before resolution, so no DNS query and no connection leaves loopback.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiHandler, startCanary, startServer, type TestServer } from './helpers/http.ts';
import { closeRuntime, policyText, runWith } from './helpers/runtime.ts';

// The contract is `fetch(url, init)`: the capability itself is callable.
const script = (body: string) => `const get = fetch;\n${body}`;

let api: TestServer;
let canary: TestServer;

beforeAll(async () => {
  api = await startServer(apiHandler);
  canary = await startCanary();
});
afterAll(async () => {
  await closeRuntime();
  await api.close();
  expect(canary.hits).toEqual([]);
  await canary.close();
});

const fetchPolicy = (config: string, limits: Record<string, number> = {}) =>
  policyText({
    capabilities: { fetch: `{ plugin: http, ${config} }` },
    limits: { timeoutMs: 5000, ...limits },
  });
const allowApi = () => `allow: ["GET http://127.0.0.1:${api.port}/allowed/**"]`;

describe('http plugin in the runtime', () => {
  it('fetches an allowed URL; the audit names the rule and the bytes', async () => {
    const res = await runWith(
      script(
        `const r = await get('http://127.0.0.1:${api.port}/allowed/json?page=2');
         return { ok: r.ok, status: r.status, json: await r.json(), type: r.headers.get('Content-Type'), frozen: Object.isFrozen(r) };`,
      ),
      fetchPolicy(allowApi()),
    );
    expect(res.error).toBeUndefined();
    expect(res.result).toEqual({
      ok: true,
      status: 200,
      json: { ok: true, n: 42 },
      type: 'application/json',
      frozen: true,
    });
    const call = res.audit.find((r) => r.event === 'call') as Record<string, unknown> | undefined;
    expect(call).toMatchObject({
      cap: 'fetch',
      plugin: 'http',
      method: 'fetch',
      decision: 'allow',
      rule: `allow: GET http://127.0.0.1:${api.port}/allowed/**`,
      outcome: 'ok',
    });
    expect(call?.resultBytes).toBeGreaterThan(0);
    // The audit records method, URL without query values, status and bytes; not the raw query.
    expect(call?.args).toEqual({ method: 'GET', url: `http://127.0.0.1:${api.port}/allowed/json?page=…` });
    expect(call?.info).toMatchObject({
      status: 200,
      redirected: false,
      bytesIn: JSON.stringify({ ok: true, n: 42 }).length,
    });
    expect(JSON.stringify(res.audit)).not.toContain('page=2');
  });

  it('records query values in the audit only when the policy says so', async () => {
    const res = await runWith(
      script(`return (await get('http://127.0.0.1:${api.port}/allowed/json?page=2')).status;`),
      fetchPolicy(`${allowApi()}, auditQueryValues: true`),
    );
    expect(res.result).toBe(200);
    const call = res.audit.find((r) => r.event === 'call') as Record<string, unknown> | undefined;
    expect(call?.args).toEqual({ method: 'GET', url: `http://127.0.0.1:${api.port}/allowed/json?page=2` });
    expect(call?.info).toMatchObject({ url: `http://127.0.0.1:${api.port}/allowed/json?page=2` });
  });

  it('is a callable capability: fetch(url) and fetch.fetch(url), frozen, not a constructor', async () => {
    const res = await runWith(
      `const probe = (f) => { try { return f(); } catch (e) { return 'throws'; } };
       const a = await fetch('http://127.0.0.1:${api.port}/allowed/json');
       const b = await fetch.fetch('http://127.0.0.1:${api.port}/allowed/json');
       return { a: a.status, b: b.status, type: typeof fetch, frozen: Object.isFrozen(fetch),
                construct: probe(() => new fetch('x')), ctor: probe(() => fetch.constructor('return 1')()) };`,
      fetchPolicy(allowApi()),
    );
    expect(res.error).toBeUndefined();
    expect(res.result).toEqual({
      a: 200,
      b: 200,
      type: 'function',
      frozen: true,
      construct: 'throws',
      ctor: 'throws',
    });
  });

  it('denies what the policy does not allow, naming the rule, and the server never sees it', async () => {
    const before = api.hits.length;
    const res = await runWith(
      script(`await get('http://127.0.0.1:${api.port}/admin/secret');`),
      fetchPolicy(allowApi()),
    );
    expect(res.error?.code).toBe('E_DENIED');
    expect(res.error?.message).toContain(
      `denied: GET http://127.0.0.1:${api.port}/admin/secret matches no allow rule`,
    );
    const call = res.audit.find((r) => r.event === 'call') as Record<string, unknown> | undefined;
    expect(call).toMatchObject({ decision: 'deny', rule: 'allow', outcome: 'error' });
    expect(api.hits.length).toBe(before);
  });

  it('refuses every SSRF spelling and redirect to the loopback canary, even with a wildcard-host rule', async () => {
    const hosts = [
      '127.0.0.1',
      '2130706433',
      '0x7f000001',
      '0177.0.0.1',
      '127.1',
      '0.0.0.0',
      '0',
      '127.0.0.1.',
      '[::1]',
      '[::ffff:127.0.0.1]',
      'localhost',
      'LOCALHOST.',
      'evil.localhost',
      '169.254.169.254',
    ];
    const res = await runWith(
      script(
        `const out = {};
         for (const h of ${JSON.stringify(hosts)}) {
           try { await get('http://' + h + ':${canary.port}/ssrf'); out[h] = 'reached'; }
           catch (e) { out[h] = e.code; }
         }
         try { await get('http://127.0.0.1:${api.port}/allowed/redirect?to=' + encodeURIComponent('http://127.0.0.1:${canary.port}/via-redirect')); out.redirect = 'reached'; }
         catch (e) { out.redirect = e.code + ': ' + e.message; }
         return out;`,
      ),
      fetchPolicy(`allow: ["GET http://*:*/**", "GET http://127.0.0.1:${api.port}/allowed/**"]`),
    );
    expect(res.error).toBeUndefined();
    const out = res.result as Record<string, string>;
    for (const h of hosts) expect(out[h], h).toBe('E_DENIED');
    expect(out.redirect).toMatch(
      /^E_DENIED: .*the redirect \(302\) from .* was denied: .*127\.0\.0\.1 is not a public address/,
    );
    expect(canary.hits).toEqual([]);
  });

  it('takes only plain own data as init: inherited or polluted options are refused', async () => {
    const before = api.hits.length;
    const res = await runWith(
      script(
        `const out = [];
         try { Object.prototype.method = 'POST'; out.push('polluted'); } catch (e) { out.push('frozen'); }
         const u = 'http://127.0.0.1:${api.port}/allowed/echo';
         for (const init of [Object.create({ method: 'POST', headers: { 'x-injected': '1' } }), { headers: { 'x-a': 'ok\\r\\nX-Injected: 1' } }, { method: 'TRACE' }]) {
           try { await get(u, init); out.push('sent'); } catch (e) { out.push(e.code); }
         }
         const r = await get(u, {});
         out.push((await r.json()).method);
         return out;`,
      ),
      fetchPolicy(allowApi()),
    );
    expect(res.result).toEqual([
      'frozen',
      'E_INVALID_ARGUMENT',
      'E_INVALID_ARGUMENT',
      'E_INVALID_ARGUMENT',
      'GET',
    ]);
    expect(api.hits.slice(before).map((h) => h.method)).toEqual(['GET']);
  });

  it('reports an unusable rule as a policy error at its position', async () => {
    const res = await runWith(
      'return 1;',
      fetchPolicy('allow: ["GET https://ok.example/*", "ftp://files.example/"]'),
    );
    expect(res.error?.code).toBe('E_POLICY');
    expect(res.error?.message).toMatch(
      /policy\.yaml:5:\d+: capabilities\.fetch\.allow\[1\]: "ftp:\/\/files\.example\/"/,
    );
    expect(res.error?.message).toContain('only http and https');
  });

  it('injects a policy secret into matching requests; the script, the result and the audit never hold it', async () => {
    const token = `tok-${process.pid}-${Date.now()}-value`;
    process.env.SESAME_HTTP_TEST_TOKEN = token;
    try {
      const policy = [
        'version: 1',
        'task: t',
        'limits: { timeoutMs: 5000 }',
        'secrets:',
        '  TOKEN: { env: SESAME_HTTP_TEST_TOKEN }',
        'capabilities:',
        '  fetch:',
        '    plugin: http',
        `    allow: ["GET http://127.0.0.1:${api.port}/allowed/**"]`,
        '    headers:',
        `      - { match: "http://127.0.0.1:${api.port}/allowed/echo*", set: { Authorization: "Bearer \${TOKEN}" } }`,
        '',
      ].join('\n');
      const res = await runWith(
        script(
          `const r = await get('http://127.0.0.1:${api.port}/allowed/echo-auth');
           const text = await r.text();
           console.log(text);
           return { text, echoed: r.headers.get('x-echo') };`,
        ),
        policy,
      );
      expect(res.error).toBeUndefined();
      expect(api.hits.filter((h) => h.url === '/allowed/echo-auth').at(-1)?.headers.authorization).toBe(
        `Bearer ${token}`,
      );
      expect(res.result).toMatchObject({ echoed: 'Bearer [REDACTED]' });
      expect((res.result as { text: string }).text).toContain('raw=Bearer [REDACTED]');
      expect(JSON.stringify(res)).not.toContain(token);
    } finally {
      delete process.env.SESAME_HTTP_TEST_TOKEN;
    }
  });
});
