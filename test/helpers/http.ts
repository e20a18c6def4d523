// Test fixtures for the http plugin: real HTTP servers on 127.0.0.1 (and never any other
// address), a fake resolver that never sends a DNS query, and a connector guard that fails the
// test instead of connecting anywhere but loopback.
import { Buffer } from 'node:buffer';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import type { Lookup } from '../../plugins/http/decide.ts';
import { type Connector, pinnedConnector, type ResolvedAddress } from '../../plugins/http/transport.ts';

export interface Hit {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  rawHeaders: string[];
  body: string;
  servername?: string;
}

export interface TestServer {
  port: number;
  hits: Hit[];
  /** Bytes the server managed to write on streaming routes, per request path. */
  written: Map<string, number>;
  base: string;
  close(): Promise<void>;
}

type Handler = (req: IncomingMessage, res: ServerResponse, hit: Hit, server: TestServer) => void;

/** A server on 127.0.0.1 that records every request before handing it to `handler`. */
export async function startServer(
  handler: Handler,
  tls?: { key: string; cert: string },
): Promise<TestServer> {
  const sockets = new Set<import('node:net').Socket>();
  const server: TestServer = {
    port: 0,
    hits: [],
    written: new Map(),
    base: '',
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        srv.close(() => resolve());
      }),
  };
  const listener = (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const hit: Hit = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        rawHeaders: req.rawHeaders,
        body: Buffer.concat(chunks).toString('latin1'),
      };
      const servername = (req.socket as { servername?: string | false }).servername;
      if (typeof servername === 'string') hit.servername = servername;
      server.hits.push(hit);
      handler(req, res, hit, server);
    });
  };
  const srv = tls
    ? https.createServer({ key: tls.key, cert: tls.cert }, listener)
    : http.createServer(listener);
  srv.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  server.port = (srv.address() as AddressInfo).port;
  server.base = `${tls ? 'https' : 'http'}://127.0.0.1:${server.port}`;
  return server;
}

/** Answers anything with 200 and records the hit: the tests assert it is never reached. */
export const startCanary = () =>
  startServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('canary reached');
  });

const GZIP_SMALL = gzipSync('hello, compressed world');
let bomb: Buffer | undefined;
/** 64 MiB of zeros, gzipped to about 64 KiB. */
const gzipBomb = () => {
  bomb ??= gzipSync(Buffer.alloc(64 << 20), { level: 9 });
  return bomb;
};

/** Stream `total` bytes of "a" without a content-length, counting what was written. */
function stream(res: ServerResponse, server: TestServer, key: string, total: number): void {
  res.writeHead(200, { 'content-type': 'application/octet-stream' });
  const chunk = Buffer.alloc(64 * 1024, 0x61);
  let sent = 0;
  server.written.set(key, 0);
  const pump = () => {
    while (sent < total && !res.destroyed) {
      const piece = chunk.subarray(0, Math.min(chunk.length, total - sent));
      sent += piece.length;
      server.written.set(key, sent);
      if (!res.write(piece)) {
        res.once('drain', pump);
        return;
      }
    }
    if (!res.destroyed) res.end();
  };
  pump();
}

/** The API the plugin tests talk to. Paths under /allowed/ are what policies usually allow. */
export const apiHandler: Handler = (req, res, hit, server) => {
  const u = new URL(req.url ?? '/', 'http://x');
  const p = u.pathname;
  const json = (status: number, value: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(value));
  };
  switch (p) {
    case '/allowed/json':
      return json(200, { ok: true, n: 42 });
    case '/allowed/echo':
    case '/allowed/other/echo':
    case '/allowed/post':
      return json(200, { method: hit.method, url: hit.url, headers: hit.headers, body: hit.body });
    case '/allowed/echo-auth': {
      // An endpoint that quotes the credentials it got, in every way a server might.
      const auth = String(req.headers.authorization ?? '');
      res.writeHead(200, {
        'content-type': 'text/plain',
        'x-echo': auth,
        'x-echo-json': JSON.stringify(auth),
      });
      res.end(`raw=${auth}\njson=${JSON.stringify({ auth })}\nurl=${encodeURIComponent(auth)}\n`);
      return;
    }
    case '/allowed/echo-redirect':
      // Quotes the credentials it got in the Location it sends.
      {
        const auth = String(req.headers.authorization ?? '');
        // ?raw quotes it as it came; the WHATWG parser then encodes only some of its characters.
        const quoted = u.searchParams.has('raw') ? auth : encodeURIComponent(auth);
        res.writeHead(302, { location: `/allowed/json?stolen=${quoted}` });
      }
      res.end();
      return;
    case '/allowed/status':
      res.writeHead(Number(u.searchParams.get('code') ?? 200), 'Custom Reason', {
        'content-type': 'text/plain',
      });
      res.end('status');
      return;
    case '/allowed/redirect':
      res.writeHead(Number(u.searchParams.get('status') ?? 302), {
        location: u.searchParams.get('to') ?? '/',
      });
      res.end('redirecting');
      return;
    case '/allowed/loop':
      res.writeHead(302, { location: '/allowed/loop' });
      res.end();
      return;
    case '/allowed/headers':
      res.setHeader('set-cookie', ['a=1', 'b=2']);
      res.setHeader('x-multi', ['one', 'two']);
      res.setHeader('X-Upper', 'Value');
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
      res.end('héllo');
      return;
    case '/allowed/big':
      return stream(res, server, p, Number(u.searchParams.get('bytes') ?? 0));
    case '/allowed/declared':
      // Declares a gigabyte, sends a little, then waits: the client must not wait for the rest.
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(1 << 30) });
      if (req.method === 'HEAD')
        res.end(); // node sends a HEAD response's head only on end()
      else res.write('some bytes');
      return;
    case '/allowed/gzip':
      res.writeHead(200, {
        'content-type': 'text/plain',
        'content-encoding': 'gzip',
        'content-length': String(GZIP_SMALL.length),
      });
      res.end(GZIP_SMALL);
      return;
    case '/allowed/gzip-bomb': {
      const b = gzipBomb();
      res.writeHead(200, {
        'content-type': 'text/plain',
        'content-encoding': 'gzip',
        'content-length': String(b.length),
      });
      res.end(b);
      return;
    }
    case '/allowed/slow':
      return; // never answers; the client's deadline must end it
    case '/allowed/drip': {
      res.writeHead(200, { 'content-type': 'text/plain' });
      const t = setInterval(() => res.write('.'), 20);
      res.on('close', () => clearInterval(t));
      return;
    }
    default:
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(`reached ${p}`);
  }
};

/** Addresses tests pretend are public; the guard maps them to 127.0.0.1 (same port). */
export const PUBLIC_STANDIN = '93.184.215.14';
export const PUBLIC_STANDIN_6 = '2606:2800:21f:cb07:6820:80da:af6b:8b2c';
const LOOPBACK = new Set(['127.0.0.1', '::1']);

export interface Guard {
  readonly connector: Connector;
  /** Every connection attempt, as the plugin asked for it. */
  readonly attempts: { host: string; port: number; addresses: readonly ResolvedAddress[] }[];
  /** Attempts to reach anything but loopback (or a stand-in): each one is a failed test. */
  readonly violations: string[];
}

/**
 * The plugin's own pinned connector, behind a guard: stand-in public addresses are sent to
 * 127.0.0.1 instead, loopback passes, and anything else is recorded as a violation and refused
 * before a socket exists.
 */
export function guardConnector(tls: { ca?: string } = {}): Guard {
  const real = pinnedConnector(tls);
  const attempts: Guard['attempts'] = [];
  const violations: string[] = [];
  const connector: Connector = (target) => {
    attempts.push({ host: target.host, port: target.port, addresses: target.addresses });
    const addresses = target.addresses.map((a): ResolvedAddress => {
      if (a.address === PUBLIC_STANDIN || a.address === PUBLIC_STANDIN_6)
        return { address: '127.0.0.1', family: 4 };
      if (LOOPBACK.has(a.address)) return a;
      violations.push(`connect to ${a.address}:${target.port}`);
      throw new Error(`test guard: refusing to connect to ${a.address}`);
    });
    // An IP-literal host is connected to directly (no lookup), so it must be rewritten as well.
    const host =
      target.host === PUBLIC_STANDIN || target.host === PUBLIC_STANDIN_6 ? '127.0.0.1' : target.host;
    return real({ ...target, host, addresses });
  };
  return { connector, attempts, violations };
}

/** A resolver from a table; it never asks the network. Each name's answers may change per call. */
export function fakeDns(table: Record<string, ResolvedAddress[] | (() => ResolvedAddress[])>) {
  const asked: string[] = [];
  const lookup: Lookup = async (name) => {
    asked.push(name);
    const entry = Object.hasOwn(table, name) ? table[name] : undefined;
    if (entry === undefined)
      throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${name}`), { code: 'ENOTFOUND' });
    return typeof entry === 'function' ? entry() : entry;
  };
  return { lookup, asked };
}

export const v4 = (address: string): ResolvedAddress => ({ address, family: 4 });
export const v6 = (address: string): ResolvedAddress => ({ address, family: 6 });
