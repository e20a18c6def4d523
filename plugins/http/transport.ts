// One HTTP exchange on the wire, to an address that was already checked.
//
// There is no agent, so no connection pool, no keep-alive shared between calls and no proxy:
// Node's proxy support (NODE_USE_ENV_PROXY, HTTP_PROXY) lives in agents, and this code never
// uses one. The socket comes from a Connector, which is handed the checked addresses and nothing
// to resolve: the default connector gives net/tls a `lookup` that answers with exactly those
// addresses, so a DNS answer that changes between the check and the connection (rebinding) is
// never asked for. Tests replace the connector with one that refuses any non-loopback address.
//
// Bodies are counted while they stream and the socket is destroyed the moment a limit is
// crossed; a compressed body (sent although the plugin asked for identity) is decompressed under
// the same limit, so a small gzip bomb cannot become a large buffer.
import { Buffer } from 'node:buffer';
import http from 'node:http';
import net, { isIP, type LookupFunction } from 'node:net';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';
import zlib from 'node:zlib';
import { PluginError } from 'sesame/plugin';
import type { HeaderList } from './headers.ts';

export interface ResolvedAddress {
  readonly address: string;
  readonly family: 4 | 6;
}

/** Where to connect: the URL's host (for TLS), its port, and the addresses that were checked. */
export interface ConnectTarget {
  /** The URL's hostname without brackets: a DNS name or an IP literal. */
  readonly host: string;
  readonly port: number;
  readonly secure: boolean;
  /** The checked addresses; the connection must go to one of them and nowhere else. */
  readonly addresses: readonly ResolvedAddress[];
}

export type Connector = (target: ConnectTarget) => Duplex;

/** Extra TLS settings for the default connector (tests use `ca` for a self-signed server). */
export interface TlsExtras {
  readonly ca?: string | Buffer;
}

/** The connector the plugin uses: net or tls, pinned to the checked addresses. */
export function pinnedConnector(extras: TlsExtras = {}): Connector {
  return (target) => {
    const first = target.addresses[0];
    if (first === undefined) throw new PluginError('E_NETWORK', 'no checked address to connect to');
    // net calls this only for a name (never for an IP literal) and gets the checked answer.
    const lookup: LookupFunction = (hostname, options, callback) => {
      if (hostname !== target.host) {
        const err = Object.assign(new Error('unexpected lookup'), { code: 'ENOTFOUND' });
        callback(err, '', 4);
        return;
      }
      if (options.all)
        callback(
          null,
          target.addresses.map((a) => ({ address: a.address, family: a.family })),
        );
      else callback(null, first.address, first.family);
    };
    // With several checked addresses, try each (IPv6 and IPv4 alike) as happy eyeballs does.
    const common = { host: target.host, port: target.port, lookup, autoSelectFamily: true } as const;
    if (!target.secure) return net.connect(common);
    const name = target.host.replace(/\.+$/, '');
    return tls.connect({
      ...common,
      // SNI and the certificate check use the name; an IP literal is checked against IP SANs.
      ...(isIP(name) === 0 ? { servername: name } : {}),
      ALPNProtocols: ['http/1.1'],
      minVersion: 'TLSv1.2',
      rejectUnauthorized: true,
      ...(extras.ca === undefined ? {} : { ca: extras.ca }),
    });
  };
}

export interface Exchange {
  readonly url: URL;
  readonly method: string;
  /** Every header to send, Host first; already checked. */
  readonly headers: HeaderList;
  readonly body: Uint8Array | undefined;
  readonly target: ConnectTarget;
}

export interface Head {
  readonly status: number;
  readonly statusText: string;
  /** Response headers in order, names lower case, repeated fields kept. */
  readonly headers: HeaderList;
  /** Read the whole body, at most `maxBytes` (after decompression). */
  read(maxBytes: number): Promise<Uint8Array<ArrayBuffer>>;
  /** Drop the body and close the connection. */
  discard(): void;
}

/** Response headers the plugin reads at most (Node's default; bounds memory per response). */
const MAX_HEADER_BYTES = 16 * 1024;

// Node and OpenSSL error codes are fixed identifiers; their messages can carry more than the
// script should learn, so only a well-formed code is shown.
const networkError = (error: unknown, shown: string): PluginError => {
  if (error instanceof PluginError) return error;
  const code =
    typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string'
      ? error.code
      : '';
  return new PluginError(
    'E_NETWORK',
    `request to ${shown} failed${/^[A-Z0-9_]{2,64}$/.test(code) ? `: ${code}` : ''}`,
  );
};

const tooLarge = (shown: string, max: number) =>
  new PluginError('E_TOO_LARGE', `the response from ${shown} is larger than maxResponseBytes (${max} bytes)`);

/**
 * Send one request and wait for the response head. `signal` ends everything (the caller's
 * deadline); `shown` is the URL as messages may show it.
 */
export function exchange(
  ex: Exchange,
  connect: Connector,
  signal: AbortSignal,
  shown: string,
): Promise<Head> {
  return new Promise<Head>((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const flat: string[] = [];
    for (const [name, value] of ex.headers) flat.push(name, value);
    let socket: Duplex | undefined;
    const req = http.request({
      method: ex.method,
      path: `${ex.url.pathname}${ex.url.search}`,
      host: ex.target.host,
      port: ex.target.port,
      headers: flat,
      setHost: false,
      maxHeaderSize: MAX_HEADER_BYTES,
      insecureHTTPParser: false,
      createConnection: () => {
        socket = connect(ex.target);
        return socket as net.Socket;
      },
    });
    let settled = false;
    const fail = (error: unknown) => {
      if (!settled) {
        settled = true;
        reject(networkError(error, shown));
      }
      req.destroy();
      socket?.destroy();
    };
    const onAbort = () => fail(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    req.on('error', fail);
    // A 101 to a request that asked for no upgrade is a broken or hostile server.
    req.on('upgrade', () =>
      fail(new PluginError('E_NETWORK', `request to ${shown} failed: unexpected protocol switch`)),
    );
    req.on('response', (res) => {
      if (settled) {
        res.destroy();
        return;
      }
      settled = true;
      const headers: HeaderList = [];
      for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) {
        headers.push([(res.rawHeaders[i] ?? '').toLowerCase(), res.rawHeaders[i + 1] ?? '']);
      }
      const close = () => {
        signal.removeEventListener('abort', onAbort);
        res.destroy();
        req.destroy();
        socket?.destroy();
      };
      resolve({
        status: res.statusCode ?? 0,
        statusText: res.statusMessage ?? '',
        headers,
        discard: close,
        read: (maxBytes) =>
          // A HEAD response, a 204 and a 304 have no body, whatever their Content-Length says.
          readBody(res, headers, maxBytes, signal, shown, !bodyless(ex.method, res.statusCode ?? 0)).finally(
            close,
          ),
      });
    });
    req.end(
      ex.body === undefined ? undefined : Buffer.from(ex.body.buffer, ex.body.byteOffset, ex.body.byteLength),
    );
  });
}

type Decoder = zlib.Gunzip | zlib.Inflate | zlib.BrotliDecompress;

/** A decompressor for a single known content coding; undefined keeps the body as it came. */
function decoderFor(headers: HeaderList): Decoder | undefined {
  const codings = headers.filter(([n]) => n === 'content-encoding').map(([, v]) => v.trim().toLowerCase());
  if (codings.length !== 1) return undefined;
  // Lenient about a truncated end, as browsers are; the size limit still applies to every byte.
  const flush = { finishFlush: zlib.constants.Z_SYNC_FLUSH };
  switch (codings[0]) {
    case 'gzip':
    case 'x-gzip':
      return zlib.createGunzip(flush);
    case 'deflate':
      return zlib.createInflate(flush);
    case 'br':
      return zlib.createBrotliDecompress({ finishFlush: zlib.constants.BROTLI_OPERATION_FLUSH });
    default:
      return undefined;
  }
}

/** Whether `read` decompressed this response (its content-encoding no longer describes it). */
export const isDecoded = (headers: HeaderList): boolean => decoderFor(headers) !== undefined;

const bodyless = (method: string, status: number) => method === 'HEAD' || status === 204 || status === 304;

function readBody(
  res: http.IncomingMessage,
  headers: HeaderList,
  maxBytes: number,
  signal: AbortSignal,
  shown: string,
  expectBody: boolean,
): Promise<Uint8Array<ArrayBuffer>> {
  return new Promise<Uint8Array<ArrayBuffer>>((resolve, reject) => {
    let done = false;
    const decoder = decoderFor(headers);
    const finish = (error: unknown, body?: Uint8Array<ArrayBuffer>) => {
      if (done) return;
      done = true;
      signal.removeEventListener('abort', onAbort);
      if (error === undefined && body !== undefined) resolve(body);
      else {
        decoder?.destroy();
        res.destroy();
        reject(networkError(error, shown));
      }
    };
    const onAbort = () => finish(signal.reason);
    if (signal.aborted) {
      onAbort();
      return;
    }
    signal.addEventListener('abort', onAbort, { once: true });

    // A declared length over the limit fails before a byte of the body is read.
    const declared = headers.find(([n]) => n === 'content-length')?.[1];
    if (
      expectBody &&
      !decoder &&
      declared !== undefined &&
      /^[0-9]+$/.test(declared.trim()) &&
      Number(declared) > maxBytes
    ) {
      finish(tooLarge(shown, maxBytes));
      return;
    }

    const chunks: Buffer[] = [];
    let size = 0;
    let wire = 0;
    const take = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) finish(tooLarge(shown, maxBytes));
      else chunks.push(chunk);
    };
    const complete = () => finish(undefined, new Uint8Array(Buffer.concat(chunks, size)));

    res.on('error', (e) => finish(e));
    res.on('aborted', () => finish(new PluginError('E_NETWORK', `the response from ${shown} ended early`)));
    res.on('close', () => {
      if (!res.complete) finish(new PluginError('E_NETWORK', `the response from ${shown} ended early`));
    });
    if (decoder === undefined) {
      res.on('data', take);
      res.on('end', complete);
      return;
    }
    // The compressed bytes count too: a slow trickle of them must not outlast the limit.
    res.on('data', (chunk: Buffer) => {
      wire += chunk.length;
      if (wire > maxBytes) finish(tooLarge(shown, maxBytes));
      else if (!done) decoder.write(chunk);
    });
    res.on('end', () => decoder.end());
    decoder.on('data', (chunk: Buffer) => {
      if (!done) take(chunk);
    });
    decoder.on('error', () =>
      finish(
        new PluginError('E_NETWORK', `the response from ${shown} is not valid for its content-encoding`),
      ),
    );
    decoder.on('end', complete);
  });
}
