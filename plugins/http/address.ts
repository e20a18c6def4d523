// SSRF address classification for the http plugin: which IP addresses a request may connect to.
//
// Every host is reduced to bytes before it is judged, so no spelling (decimal `2130706433`, hex
// `0x7f.1`, octal `0177.0.0.1`, short `127.1`, IPv6 `[0:0::1]`, mapped `[::ffff:127.0.0.1]`,
// trailing dots) can dodge a string comparison: the WHATWG URL host parser turns each spelling
// into its one canonical text, and the ranges below are compared bit by bit.
//
// IPv4 is judged against a deny table (the IANA special-purpose registry). IPv6 is judged against
// an allow range: only global unicast (2000::/3) is public, minus the special blocks inside it;
// the IPv6 forms that carry an IPv4 address (NAT64, 6to4) are judged by the address they carry.
// Ranges are data, not code, so a review reads the table.
import { isIP } from 'node:net';

export interface Ip {
  family: 4 | 6;
  /** 4 or 16 bytes, network order. */
  bytes: Uint8Array;
  /** Canonical text: dotted quad, or RFC 5952 IPv6 without brackets. */
  text: string;
}

/** Why an address is not public; `namedOk` says whether a rule naming it literally may allow it. */
export interface SpecialRange {
  readonly cidr: string;
  readonly name: string;
  readonly namedOk: boolean;
}

interface Range extends SpecialRange {
  readonly bytes: Uint8Array;
  readonly bits: number;
}

// IANA IPv4 Special-Purpose Address Registry, plus multicast and the reserved class E.
// `namedOk: false`: no rule can open these (0.0.0.0 reaches the host itself; multicast and
// broadcast are not one host).
const IPV4_SPECIAL: readonly [cidr: string, name: string, namedOk: boolean][] = [
  ['0.0.0.0/8', 'unspecified ("this network")', false],
  ['10.0.0.0/8', 'private', true],
  ['100.64.0.0/10', 'shared address space (carrier-grade NAT)', true],
  ['127.0.0.0/8', 'loopback', true],
  ['169.254.0.0/16', 'link-local (cloud metadata)', true],
  ['172.16.0.0/12', 'private', true],
  ['192.0.0.0/24', 'IETF protocol assignments', true],
  ['192.0.2.0/24', 'documentation', true],
  ['192.88.99.0/24', '6to4 relay anycast', true],
  ['192.168.0.0/16', 'private', true],
  ['198.18.0.0/15', 'benchmarking', true],
  ['198.51.100.0/24', 'documentation', true],
  ['203.0.113.0/24', 'documentation', true],
  ['224.0.0.0/4', 'multicast', false],
  ['255.255.255.255/32', 'broadcast', false],
  ['240.0.0.0/4', 'reserved', true],
];

// Blocks that are special although they lie inside global unicast 2000::/3, or that carry an
// IPv4 address, or that are worth naming precisely in a refusal (everything outside 2000::/3 is
// refused anyway, as "not global unicast").
const IPV6_SPECIAL: readonly [cidr: string, name: string, namedOk: boolean][] = [
  ['::/128', 'unspecified', false],
  ['::1/128', 'loopback', true],
  ['::ffff:0:0/96', 'IPv4-mapped', true],
  ['::/96', 'IPv4-compatible (deprecated)', true],
  ['64:ff9b:1::/48', 'local-use NAT64', true],
  ['100::/64', 'discard-only', true],
  ['2001::/32', 'Teredo', true],
  ['2001:2::/48', 'benchmarking', true],
  ['2001:10::/28', 'ORCHID (deprecated)', true],
  ['2001:db8::/32', 'documentation', true],
  ['3fff::/20', 'documentation', true],
  ['fc00::/7', 'unique-local', true],
  ['fe80::/10', 'link-local', true],
  ['fec0::/10', 'site-local (deprecated)', true],
  ['ff00::/8', 'multicast', false],
];

const NOT_GLOBAL: SpecialRange = Object.freeze({
  cidr: '(outside 2000::/3)',
  name: 'not global unicast',
  namedOk: true,
});

function range([cidr, name, namedOk]: readonly [string, string, boolean]): Range {
  const [text = '', bitsText = ''] = cidr.split('/');
  const ip = parseIp(text);
  const bits = Number(bitsText);
  if (ip === undefined || !Number.isInteger(bits) || bits < 0 || bits > ip.bytes.length * 8) {
    throw new TypeError(`bad range ${cidr}`);
  }
  return Object.freeze({ cidr, name, namedOk, bytes: ip.bytes, bits });
}

// Built on first use, not at import: parsing them costs a cold start ~20 ms, and most runs never
// look at an address.
let built:
  | { v4: readonly Range[]; v6: readonly Range[]; globalUnicast: Range; nat64: Range; sixToFour: Range }
  | undefined;
const tables = () =>
  (built ??= Object.freeze({
    v4: Object.freeze(IPV4_SPECIAL.map(range)),
    v6: Object.freeze(IPV6_SPECIAL.map(range)),
    globalUnicast: range(['2000::/3', 'global unicast', true]),
    // These carry an IPv4 address that decides (RFC 6052 well-known NAT64 prefix, RFC 3056 6to4).
    nat64: range(['64:ff9b::/96', 'NAT64', true]),
    sixToFour: range(['2002::/16', '6to4', true]),
  }));

function inRange(bytes: Uint8Array, r: Range): boolean {
  if (bytes.length !== r.bytes.length) return false;
  const whole = r.bits >> 3;
  for (let i = 0; i < whole; i++) if (bytes[i] !== r.bytes[i]) return false;
  const rest = r.bits & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return ((bytes[whole] ?? 0) & mask) === ((r.bytes[whole] ?? 0) & mask);
}

const publicOf = (r: Range): SpecialRange => ({ cidr: r.cidr, name: r.name, namedOk: r.namedOk });

/** The special range an address lies in, or undefined when it is a public unicast address. */
export function classify(ip: Ip): SpecialRange | undefined {
  if (ip.family === 4) {
    const hit = tables().v4.find((r) => inRange(ip.bytes, r));
    return hit && publicOf(hit);
  }
  const hit = tables().v6.find((r) => inRange(ip.bytes, r));
  // A mapped address is refused whatever it maps to, but on the wire it is that IPv4 address: one
  // that no rule may open (0.0.0.0, multicast, broadcast) stays closed in this spelling too.
  if (hit?.cidr === '::ffff:0:0/96') {
    return { ...publicOf(hit), namedOk: v4Inside(ip.bytes.subarray(12, 16))?.namedOk ?? true };
  }
  if (hit) return publicOf(hit);
  // An embedded IPv4 address decides for NAT64 and 6to4: they reach that IPv4 host.
  const { nat64, sixToFour, globalUnicast } = tables();
  if (inRange(ip.bytes, nat64)) return embedded(ip.bytes.subarray(12, 16), nat64);
  if (inRange(ip.bytes, sixToFour)) return embedded(ip.bytes.subarray(2, 6), sixToFour);
  return inRange(ip.bytes, globalUnicast) ? undefined : NOT_GLOBAL;
}

function v4Inside(v4: Uint8Array): SpecialRange | undefined {
  return classify({ family: 4, bytes: new Uint8Array(v4), text: [...v4].join('.') });
}

function embedded(v4: Uint8Array, via: Range): SpecialRange | undefined {
  const inner = v4Inside(v4);
  return (
    inner && { cidr: via.cidr, name: `${via.name} to a ${inner.name} IPv4 address`, namedOk: inner.namedOk }
  );
}

// ---------------------------------------------------------------------------------------------
// Parsing: only canonical text is parsed here; `canonicalHost` makes any spelling canonical.

function parseV4(text: string): Uint8Array | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  const bytes = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const part = parts[i] ?? '';
    // Canonical dotted quads only: no leading zeros (which some parsers read as octal).
    if (!/^(0|[1-9][0-9]{0,2})$/.test(part) || Number(part) > 255) return undefined;
    bytes[i] = Number(part);
  }
  return bytes;
}

function parseV6(text: string): Uint8Array | undefined {
  if (isIP(text) !== 6) return undefined;
  let head = text;
  let tail4: Uint8Array | undefined;
  const lastColon = text.lastIndexOf(':');
  if (text.slice(lastColon + 1).includes('.')) {
    tail4 = parseV4(text.slice(lastColon + 1));
    if (tail4 === undefined) return undefined;
    head = `${text.slice(0, lastColon + 1)}0:0`; // two groups stand in for the dotted quad
  }
  const halves = head.split('::');
  if (halves.length > 2) return undefined;
  const groups = (s: string) => (s === '' ? [] : s.split(':'));
  const left = groups(halves[0] ?? '');
  const right = halves.length === 2 ? groups(halves[1] ?? '') : [];
  const fill = 8 - left.length - right.length;
  if ((halves.length === 2 && fill < 1) || (halves.length === 1 && fill !== 0)) return undefined;
  const all = [...left, ...Array<string>(halves.length === 2 ? fill : 0).fill('0'), ...right];
  const bytes = new Uint8Array(16);
  for (let i = 0; i < 8; i++) {
    const g = all[i] ?? '';
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
    const n = Number.parseInt(g, 16);
    bytes[2 * i] = n >> 8;
    bytes[2 * i + 1] = n & 0xff;
  }
  if (tail4) bytes.set(tail4, 12);
  return bytes;
}

/** Parse an IP address (dotted quad, or IPv6 with or without brackets). Undefined if not one. */
export function parseIp(text: string): Ip | undefined {
  const bare = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  const v4 = parseV4(bare);
  if (v4) return { family: 4, bytes: v4, text: bare };
  const v6 = parseV6(bare);
  if (!v6) return undefined;
  // The URL serializer gives the RFC 5952 text (compressed, lower case, no dotted tail).
  return { family: 6, bytes: v6, text: new URL(`http://[${bare}]/`).hostname.slice(1, -1) };
}

/**
 * The canonical form of a host as the WHATWG URL parser reads it: IPv4 in any spelling becomes a
 * dotted quad, IPv6 is compressed and bracketed, names are lower-cased and IDNA-encoded.
 * Undefined if the URL parser refuses the host.
 */
export function canonicalHost(host: string): string | undefined {
  const bracket = isIP(host) === 6 ? `[${host}]` : host;
  try {
    const url = new URL(`http://${bracket}/`);
    // A host with "/", "?", "#", "@" or ":" would have been split off somewhere else.
    return url.username === '' && url.port === '' && url.pathname === '/' ? url.hostname : undefined;
  } catch {
    return undefined;
  }
}

/** The address a canonical URL hostname spells, if it is an IP literal rather than a name. */
export function literalAddress(hostname: string): Ip | undefined {
  return parseIp(hostname);
}

// Special-use names (RFC 6761, 6762, 8375, and ICANN's .internal) that never name a public host.
// Refused before any DNS query: resolving them could leave the machine (mDNS for .local) and
// their answers are local by definition.
const SPECIAL_NAMES: readonly [suffix: string, name: string][] = [
  ['localhost', 'loopback name'],
  ['local', 'multicast DNS name'],
  ['internal', 'private-use name'],
  ['home.arpa', 'home network name'],
  ['localdomain', 'local domain name'],
];

/** Why a host name (not an IP literal) is refused without resolving it, or undefined. */
export function specialName(hostname: string): string | undefined {
  const name = hostname.toLowerCase().replace(/\.+$/, '');
  if (name === '') return 'empty name';
  for (const [suffix, why] of SPECIAL_NAMES) {
    if (name === suffix || name.endsWith(`.${suffix}`)) return `${why} (.${suffix})`;
  }
  return undefined;
}

/**
 * Classify a host exactly as the plugin does before connecting, for a host that needs no DNS:
 * an IP literal in any spelling, or a special-use name. `'name'` means the host must be resolved.
 */
export function classifyHost(host: string):
  | { kind: 'ip'; ip: Ip; special?: SpecialRange }
  | { kind: 'special-name'; why: string }
  | { kind: 'name' }
  | {
      kind: 'invalid';
    } {
  const canonical = canonicalHost(host);
  if (canonical === undefined) return { kind: 'invalid' };
  const ip = literalAddress(canonical);
  if (ip) {
    const special = classify(ip);
    return special ? { kind: 'ip', ip, special } : { kind: 'ip', ip };
  }
  const why = specialName(canonical);
  return why === undefined ? { kind: 'name' } : { kind: 'special-name', why };
}
