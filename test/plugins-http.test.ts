// The http plugin, called directly the way the membrane calls it (arguments parsed by the
// method's schema, authorize, invoke with the grant, the result checked and presented), against
// real HTTP servers on 127.0.0.1. DNS is a fake table and the connector is guarded: any attempt
// to reach an address other than loopback fails the test instead of connecting.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createHttpPlugin, type HttpGrant } from '../plugins/http/index.ts';
import { presentResponse, ResponseData } from '../plugins/http/response.ts';
import type { ResolvedAddress } from '../plugins/http/transport.ts';
import { type CheckedMethod, type PluginContext, PluginError } from '../src/plugin/index.ts';
import {
  apiHandler,
  fakeDns,
  type Guard,
  guardConnector,
  PUBLIC_STANDIN,
  startCanary,
  startServer,
  type TestServer,
  v4,
  v6,
} from './helpers/http.ts';

/** What the membrane would throw for a denial. */
class Denied extends Error {
  readonly code = 'E_DENIED';
  constructor(
    readonly reason: string,
    readonly rule: string | undefined,
  ) {
    super(reason);
  }
}

// Secret values: with characters whose JSON and URL encodings differ from the raw value.
const SECRET = 's3cr3t-"tok\\en"+/=&value';
const API_KEY = 'k3y-0f-the-api-7781';

let api: TestServer;
let canary: TestServer;
let guards: Guard[] = [];
// Every message and every body/header the script could see, checked for secrets at the end.
const seen: string[] = [];

beforeAll(async () => {
  api = await startServer(apiHandler);
  canary = await startCanary();
});

afterEach(() => {
  for (const g of guards)
    expect(g.violations, 'a connection to a non-loopback address was attempted').toEqual([]);
  guards = [];
  expect(canary.hits, 'the canary server was reached').toEqual([]);
});

afterAll(async () => {
  await api.close();
  await canary.close();
  expect(seen.length).toBeGreaterThan(0);
  for (const text of seen) {
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain(API_KEY);
    expect(text).not.toContain(JSON.stringify(SECRET).slice(1, -1));
    expect(text).not.toContain(encodeURIComponent(SECRET));
  }
});

const ctx = (secrets: Record<string, string> = {}): PluginContext => ({
  capability: 'fetch',
  task: 't',
  policyDir: os.tmpdir(),
  resolvePath: (p: string) => path.resolve(os.tmpdir(), p),
  log() {},
  secrets,
});

interface MakeOptions {
  secrets?: Record<string, string>;
  dns?: Record<string, ResolvedAddress[] | (() => ResolvedAddress[])>;
  ca?: string;
}

type Fetch = CheckedMethod<unknown[], unknown, HttpGrant>;

function make(config: Record<string, unknown>, opts: MakeOptions = {}) {
  const guard = guardConnector(opts.ca === undefined ? {} : { ca: opts.ca });
  guards.push(guard);
  const dns = fakeDns(opts.dns ?? {});
  const plugin = createHttpPlugin({ lookup: dns.lookup, connect: guard.connector });
  const parsed = plugin.config.parse(config);
  expect(plugin.check?.(parsed, { policyDir: os.tmpdir(), resolvePath: (p) => p })).toEqual([]);
  const impl = plugin.create(parsed, ctx(opts.secrets));
  const fetch = impl.fetch as unknown as Fetch;
  const spec = plugin.methods.fetch;

  /** authorize + invoke + present, as the membrane does; a denial throws Denied. */
  async function call(url: string, init?: unknown) {
    const args = spec.args.parse(init === undefined ? [url] : [url, init]) as unknown[];
    try {
      const decision = await fetch.authorize(...args);
      if (!decision.allow) {
        seen.push(decision.reason);
        throw new Denied(decision.reason, decision.rule);
      }
      const raw = await fetch.invoke(decision.grant, ...args);
      const response = presentResponse(ResponseData.parse(raw));
      const text = await response.text();
      seen.push(text, JSON.stringify([...response.headers]), response.statusText, response.url);
      return { ...response, original: response, decision: decision.rule, bodyText: text };
    } catch (e) {
      if (!(e instanceof Denied)) seen.push(String((e as Error).message));
      throw e;
    }
  }
  return {
    plugin,
    call,
    fetch,
    spec,
    guard,
    dns,
    authorize: async (...args: unknown[]) => fetch.authorize(...(spec.args.parse(args) as unknown[])),
  };
}

async function denied(p: Promise<unknown>, rule?: string | RegExp): Promise<Denied> {
  const e = await p.then(
    (v) => {
      throw new Error(`expected a denial, got ${JSON.stringify(v)}`);
    },
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(Denied);
  if (typeof rule === 'string') expect((e as Denied).rule).toBe(rule);
  else if (rule) expect((e as Denied).rule).toMatch(rule);
  return e as Denied;
}

async function fails(p: Promise<unknown>, code: string): Promise<PluginError> {
  const e = await p.then(
    (v) => {
      throw new Error(`expected ${code}, got ${JSON.stringify(v)}`);
    },
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(PluginError);
  expect((e as PluginError).code).toBe(code);
  return e as PluginError;
}

const hitsTo = (server: TestServer, prefix: string) => server.hits.filter((h) => h.url.startsWith(prefix));
const allowApi = () => `GET http://127.0.0.1:${api.port}/allowed/**`;

describe('http plugin: config', () => {
  const plugin = createHttpPlugin();

  it('describes every config field and refuses unknown keys', () => {
    for (const [key, field] of Object.entries(plugin.config.shape)) {
      expect((field as { description?: string }).description, key).toBeTruthy();
    }
    expect(plugin.config.safeParse({ allow: [], proxy: 'http://x' }).success).toBe(false);
  });

  it('has safe defaults', () => {
    expect(plugin.config.parse({})).toEqual({
      allow: [],
      deny: [],
      headers: [],
      maxRequestBytes: 1024 * 1024,
      maxResponseBytes: 2 * 1024 * 1024,
      timeoutMs: 10_000,
      maxRedirects: 5,
      auditQueryValues: false,
    });
    expect(plugin.config.safeParse({ maxResponseBytes: 1 << 30 }).success).toBe(false);
    expect(plugin.config.safeParse({ maxRedirects: 50 }).success).toBe(false);
  });

  it('check reports each unusable rule and header at its index path', () => {
    const config = plugin.config.parse({
      allow: ['GET https://ok.example/*', 'ftp://files.example/', 'PATCH https://ok.example/a#b'],
      deny: ['http://localhost/'],
      headers: [
        {
          match: 'not a pattern',
          set: {
            Host: 'x',
            'Bad Name': 'y',
            Authorization: `Bearer \${}`,
            'X-A': 'a\r\nb',
            'X-Ok': `Bearer \${TOKEN}`,
            'x-ok': 'twice',
          },
        },
      ],
    });
    const issues = plugin.check?.(config, { policyDir: '/', resolvePath: (p) => p }) ?? [];
    expect(issues.map((i) => i.path)).toEqual([
      ['allow', 1],
      ['allow', 2],
      ['deny', 0],
      ['headers', 0, 'match'],
      ['headers', 0, 'set', 'Host'],
      ['headers', 0, 'set', 'Bad Name'],
      ['headers', 0, 'set', 'Authorization'],
      ['headers', 0, 'set', 'X-A'],
      ['headers', 0, 'set', 'x-ok'],
    ]);
    expect(issues[0]?.message).toContain('only http and https');
    expect(issues[4]?.message).toContain('cannot be set');
    expect(() => plugin.create(config, ctx({ TOKEN: 'x' }))).toThrow(TypeError);
  });

  it('names the secrets its header templates use, once each', () => {
    const config = plugin.config.parse({
      headers: [
        {
          match: 'https://a.example/*',
          set: { Authorization: `Bearer \${TOKEN}`, 'X-Both': `\${TOKEN}:\${KEY}` },
        },
        { match: 'https://b.example/*', set: { 'X-Key': `\${KEY}`, 'X-Plain': 'no secret $HOME {x}' } },
      ],
    });
    expect(plugin.secrets?.(config)).toEqual(['TOKEN', 'KEY']);
  });

  it('refuses to start without its secrets, or with one a header cannot carry, never showing a value', () => {
    const config = plugin.config.parse({
      headers: [{ match: 'https://a.example/*', set: { Authorization: `Bearer \${TOKEN}` } }],
    });
    expect(() => plugin.create(config, ctx({}))).toThrow(/secret TOKEN/);
    const bad = 'line1\r\nX-Injected: yes';
    let message = '';
    try {
      plugin.create(config, ctx({ TOKEN: bad }));
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain('Authorization');
    expect(message).not.toContain('line1');
  });

  it('explains what it allows in words, naming secrets but not their values', () => {
    const config = plugin.config.parse({
      allow: [
        'https://api.github.com/repos/acme/*/issues*',
        'POST https://api.github.com/repos/acme/*/issues/*/comments',
      ],
      deny: ['https://api.github.com/repos/acme/private/*'],
      headers: [{ match: 'https://api.github.com/*', set: { Authorization: `Bearer \${GITHUB_TOKEN}` } }],
    });
    const text = (plugin.explain?.(config, { policyDir: '/', resolvePath: (p) => p }) ?? []).join('\n');
    expect(text).toContain(
      'may send GET, HEAD requests to URLs matching "https://api.github.com/repos/acme/*/issues*"',
    );
    expect(text).toContain('may send POST requests');
    expect(text).toContain('deny rule "https://api.github.com/repos/acme/private/*"');
    expect(text).toContain('GITHUB_TOKEN');
    expect(text).toContain('unless an allow rule names the address literally');
    expect(
      plugin.explain?.(plugin.config.parse({}), { policyDir: '/', resolvePath: (p) => p })?.[0],
    ).toContain('may not send any request');
  });
});

describe('http plugin: requests and responses', () => {
  it('GETs an allowed URL and presents a WHATWG-like response', async () => {
    const { call } = make({ allow: [allowApi()] });
    const res = await call(`${api.base}/allowed/json?q=1#frag`);
    expect(res.decision).toBe(`allow: ${allowApi()}`);
    expect(res).toMatchObject({ ok: true, status: 200, statusText: 'OK', redirected: false, type: 'basic' });
    expect(res.url).toBe(`${api.base}/allowed/json?q=1`);
    expect(await res.json()).toEqual({ ok: true, n: 42 });
    expect(res.headers.get('Content-Type')).toBe('application/json');
    expect(Object.isFrozen(res.original)).toBe(true);
    expect(Object.isFrozen(res.headers)).toBe(true);
    const hit = hitsTo(api, '/allowed/json?q=1').at(-1);
    expect(hit?.method).toBe('GET');
    expect(hit?.headers).toMatchObject({
      host: `127.0.0.1:${api.port}`,
      accept: '*/*',
      'user-agent': 'sesame-http',
      'accept-encoding': 'identity',
      connection: 'close',
    });
  });

  it('sends string and byte bodies with the method asked for', async () => {
    const { call } = make({
      allow: [
        `POST http://127.0.0.1:${api.port}/allowed/post`,
        `* http://127.0.0.1:${api.port}/allowed/echo`,
      ],
    });
    const post = await call(`${api.base}/allowed/post`, { method: 'post', body: '{"a":1}' });
    expect(JSON.parse(post.bodyText)).toMatchObject({
      method: 'POST',
      body: '{"a":1}',
      headers: { 'content-type': 'text/plain;charset=UTF-8', 'content-length': '7' },
    });
    const typed = await call(`${api.base}/allowed/post`, {
      method: 'POST',
      body: '{"a":1}',
      headers: { 'Content-Type': 'application/json' },
    });
    expect(JSON.parse(typed.bodyText).headers['content-type']).toBe('application/json');
    const bytes = await call(`${api.base}/allowed/echo`, {
      method: 'PUT',
      body: new Uint8Array([104, 105, 0, 255]),
      headers: [
        ['X-Twice', 'a'],
        ['x-twice', 'b'],
      ],
    });
    const echoed = JSON.parse(bytes.bodyText);
    expect(echoed).toMatchObject({ method: 'PUT', body: 'hi\u0000\u00ff', headers: { 'x-twice': 'a, b' } });
    expect(echoed.headers['content-type']).toBeUndefined();
    const empty = await call(`${api.base}/allowed/echo`, { method: 'PATCH' });
    expect(JSON.parse(empty.bodyText).headers['content-length']).toBe('0');
    const head = await call(`${api.base}/allowed/echo`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.bodyText).toBe('');
    const del = await call(`${api.base}/allowed/echo`, { method: 'DELETE' });
    expect(JSON.parse(del.bodyText).method).toBe('DELETE');
  });

  it('refuses a body on GET and HEAD, and a body over maxRequestBytes before sending anything', async () => {
    const { call } = make({ allow: [`* http://127.0.0.1:${api.port}/allowed/**`], maxRequestBytes: 10 });
    await fails(call(`${api.base}/allowed/echo?get-body`, { body: 'x' }), 'E_INVALID_ARGUMENT');
    await fails(
      call(`${api.base}/allowed/echo?head-body`, { method: 'HEAD', body: 'x' }),
      'E_INVALID_ARGUMENT',
    );
    const e = await denied(
      call(`${api.base}/allowed/echo?big`, { method: 'POST', body: 'é'.repeat(6) }),
      'maxRequestBytes',
    );
    expect(e.reason).toBe('the body is 12 bytes, over maxRequestBytes (10)');
    expect(hitsTo(api, '/allowed/echo?')).toEqual([]);
  });

  it('presents headers as WHATWG Headers do, and bodies as fresh copies', async () => {
    const { call } = make({ allow: [allowApi()] });
    const res = await call(`${api.base}/allowed/headers`);
    expect(res.headers.get('x-multi')).toBe('one, two');
    expect(res.headers.get('X-UPPER')).toBe('Value');
    expect(res.headers.has('set-cookie')).toBe(true);
    expect(res.headers.has('nope')).toBe(false);
    expect(res.headers.get('nope')).toBeNull();
    expect(res.headers.getSetCookie()).toEqual(['a=1', 'b=2']);
    const names = [...res.headers.keys()];
    expect(names).toEqual([...names].sort());
    expect([...res.headers.entries()].filter(([n]) => n === 'set-cookie')).toEqual([
      ['set-cookie', 'a=1'],
      ['set-cookie', 'b=2'],
    ]);
    const visited: string[] = [];
    res.headers.forEach((_v, n) => {
      visited.push(n);
    });
    expect(visited).toEqual(names);
    expect(res.bodyText).toBe('héllo');
    const a = await res.bytes();
    a[0] = 0;
    const b = await res.bytes();
    expect(b[0]).toBe(104);
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(b);
    expect(res.original.clone()).toBe(res.original);
    await expect(res.json()).rejects.toThrow(SyntaxError);
  });

  it('returns error statuses as responses, not exceptions', async () => {
    const { call } = make({ allow: [allowApi()] });
    const res = await call(`${api.base}/allowed/status?code=404`);
    expect(res).toMatchObject({ ok: false, status: 404, statusText: 'Custom Reason' });
    expect(res.bodyText).toBe('status');
  });

  it('fails cleanly when nothing listens', async () => {
    const closed = await startServer(apiHandler);
    await closed.close();
    const { call } = make({ allow: [`GET http://127.0.0.1:${closed.port}/**`] });
    const e = await fails(call(`http://127.0.0.1:${closed.port}/x`), 'E_NETWORK');
    expect(e.message).toBe(`request to http://127.0.0.1:${closed.port}/x failed: ECONNREFUSED`);
  });
});

describe('http plugin: rules', () => {
  it('denies what no rule allows, other methods, and whatever a deny rule matches', async () => {
    const { call, guard } = make({
      allow: [allowApi(), `POST http://127.0.0.1:${api.port}/allowed/post`],
      deny: [`http://127.0.0.1:${api.port}/allowed/private/*`],
    });
    const none = await denied(call(`${api.base}/admin/secret?token=abc`), 'allow');
    expect(none.reason).toBe(`GET ${api.base}/admin/secret?token=… matches no allow rule`);
    const method = await denied(call(`${api.base}/allowed/json`, { method: 'DELETE' }), 'allow');
    expect(method.reason).toContain('permit only GET');
    await denied(call(`${api.base}/allowed/post`, { method: 'PUT', body: 'x' }), 'allow');
    const deny = await denied(
      call(`${api.base}/allowed/private/x`),
      `deny: http://127.0.0.1:${api.port}/allowed/private/*`,
    );
    expect(deny.reason).toContain('matches deny rule');
    await denied(call(`${api.base}/allowed/private/x`, { method: 'POST', body: 'x' }), /^deny: /);
    expect(hitsTo(api, '/admin')).toEqual([]);
    expect(hitsTo(api, '/allowed/private')).toEqual([]);
    expect(guard.attempts).toEqual([]);
  });

  it('matches the parsed URL, so parser tricks reach nothing else', async () => {
    const { call } = make({ allow: [allowApi()] });
    const A = `127.0.0.1:${api.port}`;
    const E = `127.0.0.1:${canary.port}`;
    await denied(call(`http://${A}@${E}/allowed/x`), 'url');
    await denied(call(`http://${E}\\@${A}/allowed/x`), 'allow');
    await denied(call(`http://${E}#@${A}/allowed/x`), 'allow');
    await denied(call(`http://${E}?@${A}/allowed/x`), 'allow');
    await denied(call(`http://${A}/allowed/../admin/secret`), 'allow');
    await denied(call(`http://${A}/allowed/%2e%2e/admin/secret`), 'allow');
    await denied(call(`http://${A}/allowed/..%2fadmin/secret`), 'url');
    await denied(call(`http://${A}/allowed/..;/admin/secret`), 'url');
    await denied(call(`http:${E}/no-slashes`), 'allow');
    await denied(call(`http:/${E}/one-slash`), 'allow');
    await denied(call(`file:///etc/passwd`), 'url');
    for (const bad of [`http://${A}/ta\tb`, `http://${A}/allowed/x\r\nX-Injected: 1`, 'not a url']) {
      await fails(call(bad), 'E_INVALID_ARGUMENT');
    }
    // The same host in another spelling is the same host.
    const res = await call(`HTTP://2130706433:${api.port}/allowed/./json`);
    expect(res.status).toBe(200);
    expect(hitsTo(api, '/admin')).toEqual([]);
  });

  it('resolves only names the rules allow', async () => {
    const { call, dns } = make(
      { allow: ['GET http://allowed.test:*/**'] },
      { dns: { 'allowed.test': [v4(PUBLIC_STANDIN)] } },
    );
    await denied(call('http://exfil-SECRETDATA.attacker.test/'), 'allow');
    expect(dns.asked).toEqual([]);
    const res = await call(`http://allowed.test:${api.port}/allowed/json`);
    expect(res.status).toBe(200);
    expect(dns.asked).toEqual(['allowed.test']);
    expect(hitsTo(api, '/allowed/json').at(-1)?.headers.host).toBe(`allowed.test:${api.port}`);
  });
});

describe('http plugin: SSRF', () => {
  const spellings = [
    '127.0.0.1',
    '2130706433',
    '0x7f000001',
    '0x7f.0.0.1',
    '0177.0.0.1',
    '017700000001',
    '127.1',
    '127.0.1',
    '127.000.000.001',
    '127.0.0.1.',
    '127.9.9.9',
    '[::1]',
    '[0:0:0:0:0:0:0:1]',
    '[::ffff:127.0.0.1]',
    '[::ffff:7f00:1]',
    '[::127.0.0.1]',
    '169.254.169.254',
    '0xa9fea9fe',
    '10.0.0.1',
    '192.168.0.1',
    '172.16.0.1',
    '100.64.0.1',
    '[fd00::1]',
    '[fe80::1]',
    '[64:ff9b::127.0.0.1]',
  ];

  it('refuses every spelling of a non-public address, even through a wildcard-host rule', async () => {
    const { call, dns, guard } = make({ allow: ['GET http://*:*/**'] });
    for (const host of spellings) {
      const e = await denied(call(`http://${host}:${canary.port}/ssrf`), 'address');
      expect(e.reason).toContain('only a rule that names');
    }
    for (const host of ['0.0.0.0', '0', '[::]', '224.0.0.1']) {
      const e = await denied(call(`http://${host}:${canary.port}/ssrf`), 'address');
      expect(e.reason).toContain('never allowed');
    }
    for (const host of [
      'localhost',
      'localhost.',
      'LOCALHOST',
      'evil.localhost',
      'x.internal',
      'printer.local',
    ]) {
      const e = await denied(call(`http://${host}:${canary.port}/ssrf`), 'address');
      expect(e.reason).toContain('; refused without resolving it');
    }
    expect(dns.asked).toEqual([]); // literals and special names never reach a resolver
    expect(guard.attempts).toEqual([]);
  });

  it('refuses names that resolve to a non-public address, any one of them', async () => {
    const { call, guard } = make(
      { allow: ['GET http://*:*/**'] },
      {
        dns: {
          'rebind.test': [v4('127.0.0.1')],
          'ip6-localhost': [v6('::1')],
          'metadata.test': [v4('169.254.169.254')],
          'mixed.test': [v4(PUBLIC_STANDIN), v4('10.0.0.7')],
          'mapped.test': [v6('::ffff:127.0.0.1')],
          'ula.test': [v6('fd00::5')],
          'zero.test': [v4('0.0.0.0')],
        },
      },
    );
    for (const [name, shows] of [
      ['rebind.test', '127.0.0.1 (loopback, 127.0.0.0/8)'],
      ['ip6-localhost', '::1 (loopback, ::1/128)'],
      ['metadata.test', '169.254.169.254 (link-local (cloud metadata), 169.254.0.0/16)'],
      ['mixed.test', '10.0.0.7 (private, 10.0.0.0/8)'],
      ['mapped.test', '::ffff:7f00:1 (IPv4-mapped, ::ffff:0:0/96)'],
      ['ula.test', 'fd00::5 (unique-local, fc00::/7)'],
      ['zero.test', '0.0.0.0 (unspecified ("this network"), 0.0.0.0/8)'],
    ] as const) {
      const e = await denied(call(`http://${name}:${canary.port}/ssrf`), 'address');
      expect(e.reason).toContain(`${name} resolves to ${shows}`);
    }
    await fails(call(`http://nowhere.test:${canary.port}/`), 'ENOTFOUND');
    expect(guard.attempts).toEqual([]);
  });

  it('connects to the address it checked, not to a later DNS answer (no rebinding)', async () => {
    let answers = 0;
    const { call, guard, dns } = make(
      { allow: ['GET http://*:*/**'] },
      // First answer public; every later one would be an internal address.
      { dns: { 'flip.test': () => [v4(answers++ === 0 ? PUBLIC_STANDIN : '10.9.9.9')] } },
    );
    const res = await call(`http://flip.test:${api.port}/allowed/json`);
    expect(res.status).toBe(200);
    expect(dns.asked).toEqual(['flip.test']);
    expect(guard.attempts).toEqual([{ host: 'flip.test', port: api.port, addresses: [v4(PUBLIC_STANDIN)] }]);
  });

  it('a rule that names a loopback address allows exactly that address', async () => {
    const literal = allowApi();
    const wildcard = `GET http://*:${api.port}/allowed/**`;
    const { call, authorize } = make({ allow: [wildcard, literal] });
    const res = await call(`${api.base}/allowed/json`);
    expect(res.decision).toBe(`allow: ${literal}`); // the rule that names it decides, not the wildcard
    expect(res.status).toBe(200);
    await denied(call(`http://127.0.0.2:${api.port}/allowed/json`), 'address');
    await denied(call(`http://[::1]:${api.port}/allowed/json`), 'address');
    await denied(call(`http://[::ffff:127.0.0.1]:${api.port}/allowed/json`), 'address');
    await denied(call(`http://127.0.0.1:${canary.port}/allowed/json`), 'allow');
    const six = make({ allow: [`GET http://[::1]:${api.port}/allowed/**`] });
    const decision = await six.authorize(`http://[0:0::1]:${api.port}/allowed/x`);
    expect(decision).toMatchObject({ allow: true, rule: `allow: GET http://[::1]:${api.port}/allowed/**` });
    await denied(six.call(`http://127.0.0.1:${api.port}/allowed/json`), 'allow');
    expect((await authorize(`http://0x7f.1:${api.port}/allowed/x`)).allow).toBe(true);
  });

  it('ignores proxy settings in the environment', async () => {
    const proxy = `http://127.0.0.1:${canary.port}`;
    const names = ['HTTP_PROXY', 'HTTPS_PROXY', 'ALL_PROXY', 'http_proxy', 'https_proxy', 'all_proxy'];
    const saved = names.map((n) => [n, process.env[n]] as const);
    for (const n of names) process.env[n] = proxy;
    try {
      const { call } = make({ allow: [allowApi()] });
      const res = await call(`${api.base}/allowed/json?via=proxy-env`);
      expect(res.status).toBe(200);
      expect(hitsTo(api, '/allowed/json?via=proxy-env')).toHaveLength(1);
    } finally {
      for (const [n, v] of saved) {
        if (v === undefined) delete process.env[n];
        else process.env[n] = v;
      }
    }
  });

  it('bounds a resolver that never answers by timeoutMs', async () => {
    const guard = guardConnector();
    guards.push(guard);
    const plugin = createHttpPlugin({ lookup: () => new Promise(() => {}), connect: guard.connector });
    const impl = plugin.create(plugin.config.parse({ allow: ['GET http://*/**'], timeoutMs: 150 }), ctx());
    const started = Date.now();
    const e = await (impl.fetch as unknown as Fetch).authorize('http://hang.test/').then(
      () => undefined,
      (err: unknown) => err as PluginError,
    );
    expect(e?.code).toBe('ETIMEDOUT');
    expect(e?.message).toBe('http://hang.test/: no DNS answer within timeoutMs (150 ms)');
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('the test guard itself refuses a non-loopback address (so the checks above can fail)', () => {
    const guard = guardConnector();
    expect(() =>
      guard.connector({ host: '8.8.8.8', port: 80, secure: false, addresses: [v4('8.8.8.8')] }),
    ).toThrow(/test guard/);
    expect(guard.violations).toEqual(['connect to 8.8.8.8:80']);
  });
});

describe('http plugin: redirects', () => {
  const redirect = (to: string, status = 302) =>
    `${api.base}/allowed/redirect?status=${status}&to=${encodeURIComponent(to)}`;

  it('follows a redirect to an allowed URL', async () => {
    const { call } = make({ allow: [allowApi()] });
    const res = await call(redirect('/allowed/json'));
    expect(res).toMatchObject({ status: 200, redirected: true, url: `${api.base}/allowed/json` });
    expect(await res.json()).toEqual({ ok: true, n: 42 });
  });

  it('denies a redirect to a path, port or host the rules do not allow, before connecting', async () => {
    const { call } = make({ allow: [allowApi()] });
    const admin = await fails(call(redirect('/admin/secret')), 'E_DENIED');
    expect(admin.message).toBe(
      `the redirect (302) from ${api.base}/allowed/redirect?status=…&to=… was denied: GET ${api.base}/admin/secret matches no allow rule (rule: allow)`,
    );
    await fails(call(redirect(`http://127.0.0.1:${canary.port}/via-redirect`)), 'E_DENIED');
    await fails(call(redirect(`http://127.0.0.1:${canary.port}/via-redirect`, 307)), 'E_DENIED');
    await fails(
      call(redirect(`http://127.0.0.1:${canary.port}/via-redirect`, 301), { redirect: 'follow' }),
      'E_DENIED',
    );
    await fails(call(redirect(`http://localhost:${canary.port}/x`)), 'E_DENIED');
    await fails(call(redirect(`http://2130706433:${canary.port}/x`)), 'E_DENIED');
    await fails(call(redirect(`http://[::1]:${canary.port}/x`)), 'E_DENIED');
    await fails(call(redirect('file:///etc/passwd')), 'E_REDIRECT');
    expect(hitsTo(api, '/admin')).toEqual([]);
  });

  it('checks the address of every hop, not just the rules', async () => {
    const { call, guard } = make(
      { allow: ['GET http://*:*/**'] },
      { dns: { 'pub.test': [v4(PUBLIC_STANDIN)] } },
    );
    const to = encodeURIComponent(`http://127.0.0.1:${canary.port}/via-redirect`);
    const e = await fails(call(`http://pub.test:${api.port}/allowed/redirect?to=${to}`), 'E_DENIED');
    expect(e.message).toContain('127.0.0.1 is not a public address (loopback, 127.0.0.0/8)');
    expect(e.message).toContain('(rule: address)');
    expect(guard.attempts.map((a) => a.host)).toEqual(['pub.test']);
  });

  it('re-checks the method, and follows fetch for 301/302/303/307', async () => {
    const { call } = make({
      allow: [
        `POST http://127.0.0.1:${api.port}/allowed/redirect`,
        `GET http://127.0.0.1:${api.port}/allowed/**`,
      ],
    });
    // 307 keeps POST, and POST is not allowed on the target.
    const e = await fails(call(redirect('/allowed/echo', 307), { method: 'POST', body: 'data' }), 'E_DENIED');
    expect(e.message).toContain('POST');
    // 303 and 302-after-POST become GET without the body and its headers.
    for (const status of [303, 302, 301]) {
      const res = await call(redirect('/allowed/echo', status), {
        method: 'POST',
        body: 'data',
        headers: { 'content-type': 'application/json', 'x-keep': 'yes' },
      });
      const echoed = JSON.parse(res.bodyText);
      expect(echoed.method).toBe('GET');
      expect(echoed.body).toBe('');
      expect(echoed.headers['content-type']).toBeUndefined();
      expect(echoed.headers['x-keep']).toBe('yes');
    }
    const both = make({ allow: [`POST http://127.0.0.1:${api.port}/allowed/**`] });
    const kept = await both.call(redirect('/allowed/echo', 308), { method: 'POST', body: 'data' });
    expect(JSON.parse(kept.bodyText)).toMatchObject({ method: 'POST', body: 'data' });
  });

  it('stops loops at maxRedirects', async () => {
    const before = hitsTo(api, '/allowed/loop').length;
    const { call } = make({ allow: [allowApi()] });
    const e = await fails(call(`${api.base}/allowed/loop`), 'E_REDIRECT');
    expect(e.message).toContain('more than maxRedirects (5)');
    expect(hitsTo(api, '/allowed/loop').length - before).toBe(6);
    const none = make({ allow: [allowApi()], maxRedirects: 0 });
    await fails(none.call(redirect('/allowed/json')), 'E_REDIRECT');
  });

  it('redirect: "manual" returns the redirect; "error" refuses it', async () => {
    const { call } = make({ allow: [allowApi()] });
    const res = await call(redirect(`http://127.0.0.1:${canary.port}/x`), { redirect: 'manual' });
    expect(res).toMatchObject({ status: 302, redirected: false, ok: false });
    expect(res.headers.get('location')).toBe(`http://127.0.0.1:${canary.port}/x`);
    const e = await fails(call(redirect('/allowed/json'), { redirect: 'error' }), 'E_REDIRECT');
    expect(e.message).toContain('redirect is "error"');
  });

  it("does not carry the script's credentials to another origin", async () => {
    const { call } = make(
      { allow: [allowApi(), 'GET http://*:*/allowed/**'] },
      { dns: { 'other.test': [v4(PUBLIC_STANDIN)] } },
    );
    const headers = { authorization: 'Basic c2NyaXB0', cookie: 'c=1', 'x-other': 'kept' };
    const same = await call(redirect('/allowed/echo'), { headers });
    expect(JSON.parse(same.bodyText).headers).toMatchObject(headers);
    const cross = await call(redirect(`http://other.test:${api.port}/allowed/echo`), { headers });
    const seenHeaders = JSON.parse(cross.bodyText).headers;
    expect(seenHeaders.authorization).toBeUndefined();
    expect(seenHeaders.cookie).toBeUndefined();
    expect(seenHeaders['x-other']).toBe('kept');
  });
});

describe('http plugin: limits', () => {
  it('aborts a response over maxResponseBytes while it streams', async () => {
    const { call } = make({ allow: [allowApi()], maxResponseBytes: 64 * 1024 });
    const total = 64 << 20;
    const e = await fails(call(`${api.base}/allowed/big?bytes=${total}`), 'E_TOO_LARGE');
    expect(e.message).toContain('maxResponseBytes (65536 bytes)');
    await new Promise((r) => setTimeout(r, 100));
    expect(api.written.get('/allowed/big')).toBeLessThan(total); // the socket was closed on it
    const exact = await call(`${api.base}/allowed/big?bytes=${64 * 1024}`);
    expect((await exact.bytes()).byteLength).toBe(64 * 1024);
  });

  it('fails at once on a declared length over the limit', async () => {
    const { call } = make({
      allow: [`http://127.0.0.1:${api.port}/allowed/**`],
      maxResponseBytes: 1024,
      timeoutMs: 5000,
    });
    const started = Date.now();
    await fails(call(`${api.base}/allowed/declared`), 'E_TOO_LARGE');
    expect(Date.now() - started).toBeLessThan(2000);
    // A HEAD response declares the length of a body it does not have.
    const head = await call(`${api.base}/allowed/declared`, { method: 'HEAD' });
    expect(head.headers.get('content-length')).toBe(String(1 << 30));
  });

  it('decompresses a body it did not ask to be compressed, under the same limit', async () => {
    const { call } = make({ allow: [allowApi()], maxResponseBytes: 1024 * 1024 });
    const res = await call(`${api.base}/allowed/gzip`);
    expect(res.bodyText).toBe('hello, compressed world');
    expect(res.headers.get('content-encoding')).toBeNull();
    expect(res.headers.get('content-length')).toBeNull();
    const e = await fails(call(`${api.base}/allowed/gzip-bomb`), 'E_TOO_LARGE');
    expect(e.message).toContain('maxResponseBytes');
  });

  it('ends a response that never comes, or drips forever, at timeoutMs', async () => {
    const { call } = make({ allow: [allowApi()], timeoutMs: 300 });
    for (const p of ['/allowed/slow', '/allowed/drip']) {
      const started = Date.now();
      const e = await fails(call(`${api.base}${p}`), 'ETIMEDOUT');
      expect(e.message).toContain('within timeoutMs (300 ms)');
      expect(Date.now() - started).toBeLessThan(2000);
    }
  });
});

describe('http plugin: header injection', () => {
  it('refuses CR, LF and other control characters in names, values and the method (schema)', () => {
    const { spec } = make({ allow: [allowApi()] });
    const u = `${api.base}/allowed/echo`;
    for (const init of [
      { headers: { 'x-test': 'ok\r\nX-Injected: value' } },
      { headers: { 'x-test': 'ok\nX-Injected: lf' } },
      { headers: { 'x-test': 'nul\u0000' } },
      { headers: { 'X-Injected\r\nX-A': 'name' } },
      { headers: { 'bad name': 'v' } },
      { headers: { 'x-colon:': 'v' } },
      { headers: [['x-test', 'latin1 \u010D\u010A X-Injected: y']] },
      { headers: { 'x-test': 'snowman ☃' } },
      { method: 'GET /allowed/a HTTP/1.1\r\nX-Injected: m\r\n\r\nGET' },
      { method: 'TRACE' },
      { method: 'CONNECT' },
      { signal: 'x' },
      { headers: { a: 1 } },
    ]) {
      expect(spec.args.safeParse([u, init]).success, JSON.stringify(init)).toBe(false);
    }
    expect(
      spec.args.safeParse([u, { headers: { 'x-test': 'tab\tand obs-text \u00e9 are fine' } }]).success,
    ).toBe(true);
  });

  it('refuses headers that frame, route or re-interpret the request', async () => {
    const { call } = make({ allow: [`* http://127.0.0.1:${api.port}/allowed/**`] });
    for (const name of [
      'Host',
      'host',
      'Content-Length',
      'Transfer-Encoding',
      'Connection',
      'Keep-Alive',
      'Upgrade',
      'TE',
      'Trailer',
      'Expect',
      'Accept-Encoding',
      'Proxy-Authorization',
      'X-HTTP-Method-Override',
      'X-Method-Override',
      'X-Original-URL',
      'X-Forwarded-For',
      'X-Forwarded-Host',
      'Forwarded',
      'Sec-Fetch-Site',
    ]) {
      const value = name.toLowerCase() === 'host' ? `127.0.0.1:${canary.port}` : 'x';
      const e = await denied(
        call(`${api.base}/allowed/echo?h=${name}`, { method: 'POST', headers: { [name]: value } }),
        'headers',
      );
      expect(e.reason).toContain(`may not set the ${name.toLowerCase()} header`);
    }
    expect(hitsTo(api, '/allowed/echo?h=')).toEqual([]);
    for (const hit of api.hits) {
      expect(JSON.stringify(hit.rawHeaders)).not.toMatch(/injected/i);
      expect(hit.method).not.toMatch(/\s/);
    }
  });
});

describe('http plugin: secrets', () => {
  const config = () => ({
    allow: [allowApi(), `POST http://127.0.0.1:${api.port}/allowed/post`],
    headers: [
      {
        match: `http://127.0.0.1:${api.port}/allowed/echo*`,
        set: { Authorization: `Bearer \${TOKEN}`, 'X-Api-Key': `\${KEY}` },
      },
      { match: `POST http://127.0.0.1:${api.port}/allowed/post`, set: { 'X-Api-Key': `\${KEY}` } },
    ],
  });
  const secrets = { TOKEN: SECRET, KEY: API_KEY };

  it('puts secrets into matching requests only', async () => {
    const { call } = make(config(), { secrets });
    await call(`${api.base}/allowed/echo`);
    const hit = hitsTo(api, '/allowed/echo').at(-1);
    expect(hit?.headers.authorization).toBe(`Bearer ${SECRET}`);
    expect(hit?.headers['x-api-key']).toBe(API_KEY);
    await call(`${api.base}/allowed/json`);
    expect(hitsTo(api, '/allowed/json').at(-1)?.headers.authorization).toBeUndefined();
    await call(`${api.base}/allowed/post`, { method: 'POST', body: 'x' });
    expect(hitsTo(api, '/allowed/post').at(-1)?.headers['x-api-key']).toBe(API_KEY);
    await call(`${api.base}/allowed/post`);
    expect(hitsTo(api, '/allowed/post').at(-1)?.headers['x-api-key']).toBeUndefined(); // GET: rule says POST
  });

  it('replaces a header the script set for a matching request, and keeps it elsewhere', async () => {
    const { call } = make(config(), { secrets });
    await call(`${api.base}/allowed/echo`, { headers: { Authorization: 'Bearer script-token' } });
    expect(hitsTo(api, '/allowed/echo').at(-1)?.headers.authorization).toBe(`Bearer ${SECRET}`);
    await call(`${api.base}/allowed/json`, { headers: { Authorization: 'Bearer script-token' } });
    expect(hitsTo(api, '/allowed/json').at(-1)?.headers.authorization).toBe('Bearer script-token');
  });

  it('redacts a secret a response echoes back, in its raw, JSON and URL-encoded forms', async () => {
    const { call } = make(config(), { secrets });
    const res = await call(`${api.base}/allowed/echo-auth`);
    expect(hitsTo(api, '/allowed/echo-auth').at(-1)?.headers.authorization).toBe(`Bearer ${SECRET}`);
    expect(res.bodyText).toBe(
      'raw=Bearer [REDACTED]\njson={"auth":"Bearer [REDACTED]"}\nurl=Bearer%20[REDACTED]\n',
    );
    expect(res.headers.get('x-echo')).toBe('Bearer [REDACTED]');
    expect(res.headers.get('x-echo-json')).toBe('"Bearer [REDACTED]"');
    const echo = await call(`${api.base}/allowed/echo`);
    expect(JSON.parse(echo.bodyText).headers).toMatchObject({
      authorization: 'Bearer [REDACTED]',
      'x-api-key': '[REDACTED]',
    });
    const bytes = new TextDecoder().decode(await echo.bytes());
    expect(bytes).not.toContain(API_KEY);
  });

  it('does not follow a redirect to a URL that carries a secret, nor send secrets to a hop that does not match', async () => {
    const { call } = make(config(), { secrets });
    // A server that puts the credentials it got into its Location (the header rule matches it).
    const e = await fails(call(`${api.base}/allowed/echo-redirect`), 'E_DENIED');
    expect(e.message).toContain('carries a secret');
    const raw = await fails(call(`${api.base}/allowed/echo-redirect?raw`), 'E_DENIED');
    expect(raw.message).toContain('carries a secret');
    expect(hitsTo(api, '/allowed/json?stolen')).toEqual([]);
    // /allowed/redirect does not match the header rule; neither does its target.
    await call(`${api.base}/allowed/redirect?to=${encodeURIComponent('/allowed/json?hop=2')}`);
    expect(hitsTo(api, '/allowed/json?hop=2').at(-1)?.headers.authorization).toBeUndefined();
    expect(
      hitsTo(api, '/allowed/redirect?to=%2Fallowed%2Fjson%3Fhop').at(-1)?.headers.authorization,
    ).toBeUndefined();
  });
});

const openssl = (() => {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

describe.skipIf(!openssl)('http plugin: TLS to a pinned address', () => {
  let tlsServer: TestServer;
  let cert: string;
  beforeAll(async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sesame-http-tls-'));
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        'key.pem',
        '-out',
        'cert.pem',
        '-subj',
        '/CN=tls.test',
        '-addext',
        'subjectAltName=DNS:tls.test',
        '-days',
        '1',
      ],
      { cwd: dir, stdio: 'ignore' },
    );
    cert = fs.readFileSync(path.join(dir, 'cert.pem'), 'utf8');
    tlsServer = await startServer(apiHandler, {
      key: fs.readFileSync(path.join(dir, 'key.pem'), 'utf8'),
      cert,
    });
    fs.rmSync(dir, { recursive: true, force: true });
  });
  afterAll(() => tlsServer.close());

  const dns = { 'tls.test': [v4(PUBLIC_STANDIN)], 'wrong.test': [v4(PUBLIC_STANDIN)] };

  it('verifies the certificate against the name while connecting to the checked address', async () => {
    const { call, guard } = make({ allow: ['GET https://*:*/allowed/**'] }, { dns, ca: cert });
    const res = await call(`https://tls.test:${tlsServer.port}/allowed/json`);
    expect(res.status).toBe(200);
    const hit = tlsServer.hits.at(-1);
    expect(hit?.servername).toBe('tls.test');
    expect(hit?.headers.host).toBe(`tls.test:${tlsServer.port}`);
    expect(guard.attempts.at(-1)).toMatchObject({ host: 'tls.test', addresses: [v4(PUBLIC_STANDIN)] });
    const wrong = await fails(call(`https://wrong.test:${tlsServer.port}/allowed/json`), 'E_NETWORK');
    expect(wrong.message).toContain('ERR_TLS_CERT_ALTNAME_INVALID');
    const untrusted = make({ allow: ['GET https://*:*/allowed/**'] }, { dns });
    const e = await fails(untrusted.call(`https://tls.test:${tlsServer.port}/allowed/json`), 'E_NETWORK');
    expect(e.message).toMatch(/SELF_SIGNED|UNABLE_TO_VERIFY/);
  });
});
