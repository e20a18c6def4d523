// Fuzzing the http plugin's decisions (fast-check, seeded and reproducible): URL rules against a
// reference matcher written from the README's description of them, and the SSRF address check
// against address ranges written here from the IANA registries, each address rendered in every
// spelling a URL accepts. Everything here is a pure function or `decideHop` with a fake resolver:
// no socket is opened and no DNS query is sent.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { classifyHost } from '../../plugins/http/address.ts';
import { decideHop, type Lookup, type RuleSet } from '../../plugins/http/decide.ts';
import { METHODS, matchRules, parseRule, type Rule } from '../../plugins/http/rules.ts';
import type { ResolvedAddress } from '../../plugins/http/transport.ts';
import { parseUrl } from '../../plugins/http/url.ts';

const SEED = 20261123;
/** Random rule sets, each asked about several random URLs and methods. */
const RULE_RUNS = 1500;
const URLS_PER_RULE_SET = 8;
/** Random addresses per property of the address check (each in one random spelling). */
const ADDRESS_RUNS = 2000;

// -------------------------------------------------------------------------------------------
// Reference address ranges, as numbers (IPv4) and bigints (IPv6), from the IANA special-purpose
// registries: every block that is not globally reachable, plus multicast and broadcast.

const v4 = (text: string): number => text.split('.').reduce((n, part) => n * 256 + Number(part), 0);
const v4Text = (n: number): string => [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');

type V4Block = { base: number; bits: number; never?: boolean };
const block4 = (cidr: string, never = false): V4Block => {
  const [ip = '', bits = ''] = cidr.split('/');
  return { base: v4(ip), bits: Number(bits), never };
};
const V4_NOT_PUBLIC: readonly V4Block[] = [
  block4('0.0.0.0/8', true), // "this network": 0.0.0.0 reaches the host itself
  block4('10.0.0.0/8'),
  block4('100.64.0.0/10'),
  block4('127.0.0.0/8'),
  block4('169.254.0.0/16'),
  block4('172.16.0.0/12'),
  block4('192.0.0.0/24'),
  block4('192.0.2.0/24'),
  block4('192.88.99.0/24'),
  block4('192.168.0.0/16'),
  block4('198.18.0.0/15'),
  block4('198.51.100.0/24'),
  block4('203.0.113.0/24'),
  block4('224.0.0.0/4', true), // multicast: not one host
  block4('240.0.0.0/4'),
  block4('255.255.255.255/32', true), // broadcast
];
const inBlock4 = (n: number, b: V4Block) =>
  Math.floor(n / 2 ** (32 - b.bits)) === Math.floor(b.base / 2 ** (32 - b.bits));
const v4Public = (n: number) => !V4_NOT_PUBLIC.some((b) => inBlock4(n, b));
/** Addresses no rule may open, however spelled (README: "0.0.0.0, :: and multicast never are"). */
const v4Never = (n: number) => V4_NOT_PUBLIC.some((b) => b.never && inBlock4(n, b));

const V6_BITS = 128n;
const v6Block = (prefix: bigint, bits: number) => ({ prefix, bits });
const v6Of = (groups: number[]): bigint => groups.reduce((n, g) => (n << 16n) | BigInt(g), 0n);
const inBlock6 = (n: bigint, b: { prefix: bigint; bits: number }) =>
  n >> (V6_BITS - BigInt(b.bits)) === b.prefix >> (V6_BITS - BigInt(b.bits));
const MAPPED = v6Block(v6Of([0, 0, 0, 0, 0, 0xffff, 0, 0]), 96);
const NAT64 = v6Block(v6Of([0x64, 0xff9b, 0, 0, 0, 0, 0, 0]), 96);
const SIX_TO_FOUR = v6Block(v6Of([0x2002, 0, 0, 0, 0, 0, 0, 0]), 16);
const GLOBAL_UNICAST = v6Block(v6Of([0x2000, 0, 0, 0, 0, 0, 0, 0]), 3);
const V6_NOT_PUBLIC = [
  v6Block(0n, 96), // unspecified, loopback, IPv4-compatible
  MAPPED,
  v6Block(v6Of([0x64, 0xff9b, 1, 0, 0, 0, 0, 0]), 48), // local-use NAT64
  v6Block(v6Of([0x100, 0, 0, 0, 0, 0, 0, 0]), 64), // discard-only
  v6Block(v6Of([0x2001, 0, 0, 0, 0, 0, 0, 0]), 32), // Teredo
  v6Block(v6Of([0x2001, 2, 0, 0, 0, 0, 0, 0]), 48), // benchmarking
  v6Block(v6Of([0x2001, 0x10, 0, 0, 0, 0, 0, 0]), 28), // ORCHID (deprecated)
  v6Block(v6Of([0x2001, 0xdb8, 0, 0, 0, 0, 0, 0]), 32), // documentation
  v6Block(v6Of([0x3fff, 0, 0, 0, 0, 0, 0, 0]), 20), // documentation
  v6Block(v6Of([0xfc00, 0, 0, 0, 0, 0, 0, 0]), 7), // unique-local
  v6Block(v6Of([0xfe80, 0, 0, 0, 0, 0, 0, 0]), 10), // link-local
  v6Block(v6Of([0xfec0, 0, 0, 0, 0, 0, 0, 0]), 10), // site-local
  v6Block(v6Of([0xff00, 0, 0, 0, 0, 0, 0, 0]), 8), // multicast
];
// IANA marks 2001::/23 (IETF protocol assignments) not globally reachable but some blocks in it
// reachable (2001:3::/32, 2001:20::/28, ...); the plugin refuses only the special blocks above.
// Neither generator draws from the rest of it: the reference takes no side there.
const IETF_ASSIGNMENTS = v6Block(v6Of([0x2001, 0, 0, 0, 0, 0, 0, 0]), 23);
const MULTICAST6 = v6Block(v6Of([0xff00, 0, 0, 0, 0, 0, 0, 0]), 8);
const low32 = (n: bigint) => Number(n & 0xffffffffn);
/** The IPv4 address an IPv6 address carries to its destination (mapped, NAT64, 6to4), if any. */
function carried(n: bigint): number | undefined {
  if (inBlock6(n, MAPPED) || inBlock6(n, NAT64)) return low32(n);
  if (inBlock6(n, SIX_TO_FOUR)) return Number((n >> 80n) & 0xffffffffn);
  return undefined;
}
/** Public: global unicast outside the special blocks, or carrying a public IPv4 address. */
function v6Public(n: bigint): boolean {
  const inner = carried(n);
  if (inBlock6(n, MAPPED)) return false; // refused whatever it maps to
  if (inner !== undefined) return v4Public(inner);
  return inBlock6(n, GLOBAL_UNICAST) && !V6_NOT_PUBLIC.some((b) => inBlock6(n, b));
}
function v6Never(n: bigint): boolean {
  if (n === 0n || inBlock6(n, MULTICAST6)) return true;
  const inner = carried(n);
  return inner !== undefined && v4Never(inner);
}

// -------------------------------------------------------------------------------------------
// Addresses, and every spelling of them

type Addr = { family: 4; n: number } | { family: 6; n: bigint };
const same = (a: Addr, b: Addr) => a.family === b.family && a.n === b.n;
const isPublic = (a: Addr) => (a.family === 4 ? v4Public(a.n) : v6Public(a.n));
const isNever = (a: Addr) => (a.family === 4 ? v4Never(a.n) : v6Never(a.n));

/** Parse bytes the plugin reports back into the same representation. */
function addrOfBytes(bytes: Uint8Array): Addr {
  if (bytes.length === 4) return { family: 4, n: bytes.reduce((n, b) => n * 256 + b, 0) };
  return { family: 6, n: bytes.reduce((n, b) => (n << 8n) | BigInt(b), 0n) };
}

const u32 = fc.integer({ min: 0, max: 0xffffffff });
const inV4Block = (b: V4Block) =>
  fc.integer({ min: 0, max: 2 ** (32 - b.bits) - 1 }).map((offset) => b.base + offset);
const specialV4 = fc.oneof(...V4_NOT_PUBLIC.map(inV4Block));
const publicV4 = u32.filter(v4Public);

const u128 = fc.bigInt({ min: 0n, max: (1n << 128n) - 1n });
const inV6Block = (b: { prefix: bigint; bits: number }) =>
  fc
    .bigInt({ min: 0n, max: (1n << (V6_BITS - BigInt(b.bits))) - 1n })
    .map((offset) => (b.prefix >> (V6_BITS - BigInt(b.bits))) * (1n << (V6_BITS - BigInt(b.bits))) + offset);
const withV4 = (b: { prefix: bigint; bits: number }, v4n: fc.Arbitrary<number>, shift: bigint) =>
  fc.tuple(inV6Block(b), v4n).map(([n, inner]) => (n & ~(0xffffffffn << shift)) | (BigInt(inner) << shift));
const specialV6 = fc.oneof(
  fc.constantFrom(0n, 1n),
  ...V6_NOT_PUBLIC.map(inV6Block),
  u128.filter((n) => !inBlock6(n, GLOBAL_UNICAST) && !inBlock6(n, NAT64)), // not global unicast
  withV4(NAT64, specialV4, 0n),
  withV4(SIX_TO_FOUR, specialV4, 80n),
);
const publicV6 = fc.oneof(
  inV6Block(GLOBAL_UNICAST).filter((n) => v6Public(n) && !inBlock6(n, IETF_ASSIGNMENTS)),
  withV4(NAT64, publicV4, 0n),
  withV4(SIX_TO_FOUR, publicV4, 80n).filter(v6Public),
);
const specialAddr: fc.Arbitrary<Addr> = fc.oneof(
  specialV4.map((n) => ({ family: 4 as const, n })),
  specialV6.map((n) => ({ family: 6 as const, n })),
  // Mapped forms of every IPv4 address: refused whatever they map to.
  u32.map((n) => ({ family: 6 as const, n: MAPPED.prefix | BigInt(n) })),
);
const publicAddr: fc.Arbitrary<Addr> = fc.oneof(
  publicV4.map((n) => ({ family: 4 as const, n })),
  publicV6.map((n) => ({ family: 6 as const, n })),
);

/** One IPv4 part in a base the WHATWG parser reads (decimal, octal with a leading 0, hex). */
const v4Part = (value: number, base: 'dec' | 'oct' | 'hex' | 'HEX' | 'zeros'): string => {
  if (base === 'oct') return value === 0 ? '0' : `0${value.toString(8)}`;
  if (base === 'hex') return `0x${value.toString(16)}`;
  if (base === 'HEX') return value === 0 ? '0X' : `0X${value.toString(16).toUpperCase()}`; // "0x" alone is 0
  if (base === 'zeros') return `000${value.toString(8)}`; // octal, with leading zeros
  return String(value);
};
const BASES = ['dec', 'oct', 'hex', 'HEX', 'zeros'] as const;
const FULL_WIDTH: Record<string, string> = { '.': '\uff0e', x: '\uff58', X: '\uff38' };
for (let d = 0; d < 10; d++) FULL_WIDTH[String(d)] = String.fromCharCode(0xff10 + d);
const DOTS = ['.', '\u3002', '\uff0e', '\uff61']; // IDNA maps the ideographic and full-width stops to '.'

/** A valid WHATWG spelling of an IPv4 address: 1 to 4 parts, each in its own base, and noise. */
const v4Spelling = (n: number) =>
  fc
    .record({
      parts: fc.integer({ min: 1, max: 4 }),
      bases: fc.array(fc.constantFrom(...BASES), { minLength: 4, maxLength: 4 }),
      trailingDot: fc.boolean(),
      dots: fc.array(fc.constantFrom(...DOTS), { minLength: 4, maxLength: 4 }),
      fullWidth: fc.array(fc.boolean(), { minLength: 40, maxLength: 40 }),
      percent: fc.array(fc.boolean(), { minLength: 40, maxLength: 40 }),
      noise: fc.constantFrom('none', 'full-width', 'percent', 'both'),
    })
    .map((s) => {
      const bytes = [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256);
      const head = bytes.slice(0, s.parts - 1);
      const last = bytes.slice(s.parts - 1).reduce((a, b) => a * 256 + b, 0);
      const values = [...head, last];
      let text = values
        .map((v, i) => v4Part(v, s.bases[i] ?? 'dec') + (i < values.length - 1 ? (s.dots[i] ?? '.') : ''))
        .join('');
      if (s.trailingDot) text += s.dots[3] ?? '.';
      if (s.noise === 'full-width' || s.noise === 'both') {
        text = [...text].map((c, i) => (s.fullWidth[i] ? (FULL_WIDTH[c] ?? c) : c)).join('');
      }
      if (s.noise === 'percent' || s.noise === 'both') {
        text = [...text]
          .map((c, i) =>
            s.percent[i] && c.charCodeAt(0) < 0x80 ? `%${c.charCodeAt(0).toString(16).padStart(2, '0')}` : c,
          )
          .join('');
      }
      return text;
    });

const groupsOf = (n: bigint): number[] =>
  Array.from({ length: 8 }, (_, i) => Number((n >> BigInt(16 * (7 - i))) & 0xffffn));

/** A valid bracketed spelling of an IPv6 address: padded or not, any case, `::` anywhere legal, dotted tail. */
const v6Spelling = (n: bigint) =>
  fc
    .record({
      pad: fc.boolean(),
      upper: fc.boolean(),
      dotted: fc.boolean(),
      compressAt: fc.nat(),
      compress: fc.boolean(),
    })
    .map((s) => {
      const groups = groupsOf(n);
      let texts = groups.map((g) => {
        const t = s.pad ? g.toString(16).padStart(4, '0') : g.toString(16);
        return s.upper ? t.toUpperCase() : t;
      });
      if (s.dotted) texts = [...texts.slice(0, 6), v4Text(low32(n))];
      // Candidate runs of zero groups (in the hex part) that `::` may replace.
      const runs: [number, number][] = [];
      const hexCount = s.dotted ? 6 : 8;
      for (let i = 0; i < hexCount; i++) {
        for (let j = i; j < hexCount && groups[j] === 0; j++) runs.push([i, j + 1]);
      }
      const run = s.compress && runs.length > 0 ? runs[s.compressAt % runs.length] : undefined;
      const text = run
        ? `${texts.slice(0, run[0]).join(':')}::${texts.slice(run[1]).join(':')}`
        : texts.join(':');
      return `[${text}]`;
    });

const spelling = (a: Addr) => (a.family === 4 ? v4Spelling(a.n) : v6Spelling(a.n));
/** An address and one spelling of it. */
const spelled = (addrs: fc.Arbitrary<Addr>) =>
  addrs.chain((a) => spelling(a).map((text) => ({ addr: a, text })));
/** The canonical spelling, as a URL prints the host. */
const canonical = (a: Addr): string =>
  new URL(
    `http://${
      a.family === 4
        ? v4Text(a.n)
        : `[${groupsOf(a.n)
            .map((g) => g.toString(16))
            .join(':')}]`
    }/`,
  ).hostname;

// -------------------------------------------------------------------------------------------
// decideHop with a resolver that never resolves anything

const never: Lookup = async (name) => {
  throw new Error(`no DNS in this test (asked for ${name})`);
};
function mustParse(kind: 'allow' | 'deny') {
  return (text: string): Rule => {
    const parsed = parseRule(text, kind);
    if (!parsed.ok) throw new Error(`${text}: ${parsed.problem}`);
    return parsed.rule;
  };
}
/** Rules that let every URL through, so that only the address check decides. */
const EVERYTHING = ['* http://*:*/*', '* https://*:*/*'].map(mustParse('allow'));
const wildcard = (lookup: Lookup = never): RuleSet => ({ allow: EVERYTHING, deny: [], lookup });
const signal = new AbortController().signal;
const urlOf = (text: string): URL => {
  const r = parseUrl(text);
  if (!r.ok) throw new Error(`${text}: ${r.reason}`);
  return r.url;
};
// Ports other protocols do not listen on, so the port never decides here.
const port = fc.constantFrom('', ':8080', ':443', ':80', ':08080', ':3000');

describe('address check: every spelling of every non-public address is refused', () => {
  it('classifyHost: non-public addresses are special in every spelling, public ones are not', () => {
    fc.assert(
      fc.property(fc.oneof(spelled(specialAddr), spelled(publicAddr)), ({ addr, text }) => {
        const c = classifyHost(text);
        expect(c.kind, text).toBe('ip');
        if (c.kind !== 'ip') return;
        expect(same(addrOfBytes(c.ip.bytes), addr), `${text} read as ${c.ip.text}`).toBe(true);
        expect(c.special === undefined, `${text} (${c.ip.text}): ${c.special?.name}`).toBe(isPublic(addr));
      }),
      { seed: SEED, numRuns: ADDRESS_RUNS },
    );
  });

  it('decideHop with a wildcard rule: literal non-public hosts are denied, public ones allowed, no DNS', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(spelled(specialAddr), spelled(publicAddr)),
        fc.constantFrom('http', 'https', 'HTTP'),
        port,
        fc.constantFrom(...METHODS),
        async ({ addr, text }, scheme, p, method) => {
          const url = urlOf(`${scheme}://${text}${p}/x`);
          const d = await decideHop(wildcard(), method, url, signal);
          if (!isPublic(addr)) {
            expect(d.allow, `${url.href} allowed`).toBe(false);
            expect(d.allow ? '' : d.rule).toBe('address');
            return;
          }
          expect(d.allow, `${url.href}: ${d.allow ? '' : d.reason}`).toBe(true);
          if (!d.allow) return;
          const [connect, ...more] = d.grant.target.addresses;
          expect(more).toEqual([]);
          expect(connect?.address).toBe(canonical(addr).replace(/^\[|\]$/g, ''));
        },
      ),
      { seed: SEED, numRuns: ADDRESS_RUNS },
    );
  });

  it('a rule naming a non-public address opens that address only, in any spelling; never the unopenable', async () => {
    await fc.assert(
      fc.asyncProperty(
        spelled(specialAddr),
        spelled(specialAddr),
        fc.boolean(),
        async (named, other, sameOne) => {
          const ruleText = `GET http://${canonical(named.addr)}:8080/api/*`;
          const parsed = parseRule(ruleText, 'allow');
          expect(parsed.ok, `${ruleText}: ${parsed.ok ? '' : parsed.problem}`).toBe(!isNever(named.addr));
          if (!parsed.ok) return;
          const { addr, text } = sameOne ? named : other;
          const url = urlOf(`http://${text}:8080/api/x`);
          const d = await decideHop({ allow: [parsed.rule], deny: [], lookup: never }, 'GET', url, signal);
          expect(d.allow, `${ruleText} and ${url.href}`).toBe(same(addr, named.addr));
        },
      ),
      { seed: SEED, numRuns: ADDRESS_RUNS },
    );
  });

  it('names are resolved only after the rules allow them, and any non-public answer refuses', async () => {
    const resolverForm = (a: Addr): ResolvedAddress =>
      a.family === 4
        ? { address: v4Text(a.n), family: 4 }
        : { address: canonical(a).slice(1, -1), family: 6 };
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.oneof(specialAddr, publicAddr, publicAddr), { minLength: 1, maxLength: 4 }),
        fc.constantFrom('api.example.com', 'xn--exmple-cua.com', 'EXAMPLE.org', 'a.b.c.example.net'),
        fc.boolean(),
        async (answers, host, allowed) => {
          const asked: string[] = [];
          const lookup: Lookup = async (name) => {
            asked.push(name);
            return answers.map(resolverForm);
          };
          const rules: RuleSet = allowed ? wildcard(lookup) : { allow: [], deny: [], lookup };
          const url = urlOf(`https://${host}/x`);
          const d = await decideHop(rules, 'GET', url, signal);
          if (!allowed) {
            expect(d.allow).toBe(false);
            expect(asked).toEqual([]); // no DNS query for a URL the rules refuse
            return;
          }
          expect(asked).toEqual([url.hostname]);
          expect(d.allow, JSON.stringify(answers.map(resolverForm))).toBe(answers.every(isPublic));
        },
      ),
      { seed: SEED, numRuns: ADDRESS_RUNS },
    );
  });

  it('special-use names are refused in every spelling, without DNS', async () => {
    const label = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,6}[a-z0-9])?$/).filter((l) => !/^..--/.test(l));
    const specialName = fc
      .tuple(
        fc.array(label, { maxLength: 2 }),
        fc.constantFrom('localhost', 'local', 'internal', 'home.arpa', 'localdomain'),
        fc.constantFrom('', '.'),
        fc.constantFrom('none', 'upper', 'full-width', 'percent'),
      )
      .map(([labels, suffix, dot, noise]) => {
        const name = [...labels, suffix].join('.') + dot;
        if (noise === 'upper') return name.toUpperCase();
        if (noise === 'full-width')
          return name.replace(/[a-z]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0));
        if (noise === 'percent') return name.replace(/[aeiou]/g, (c) => `%${c.charCodeAt(0).toString(16)}`);
        return name;
      });
    await fc.assert(
      fc.asyncProperty(specialName, port, async (name, p) => {
        expect(classifyHost(name).kind, name).toBe('special-name');
        const d = await decideHop(wildcard(), 'GET', urlOf(`http://${name}${p}/`), signal);
        expect(d.allow, name).toBe(false);
        expect(d.allow ? '' : d.rule).toBe('address');
      }),
      { seed: SEED, numRuns: ADDRESS_RUNS / 4 },
    );
  });

  it('near-addresses (zone ids, extra parts, double dots) are refused or judged, never public', () => {
    const hostile = fc.oneof(
      spelled(specialAddr.filter((a) => a.family === 6)).map(({ text }) => `${text.slice(0, -1)}%25eth0]`),
      spelled(specialAddr.filter((a) => a.family === 6)).map(({ text }) => `${text.slice(0, -1)}%eth0]`),
      spelled(specialAddr.filter((a) => a.family === 4)).map(({ text }) => `${text}.0.0.0.0`),
      specialV4.map((n) => `${v4Text(n)}..`),
    );
    fc.assert(
      fc.property(hostile, (text) => {
        // Refused as a URL, read as the special address it is, or a name (which is resolved, and
        // then every answer is checked; see above). Never a public address.
        const c = classifyHost(text);
        if (c.kind === 'ip') expect(c.special, text).toBeDefined();
        else expect(['invalid', 'name'], text).toContain(c.kind);
      }),
      { seed: SEED, numRuns: ADDRESS_RUNS / 4 },
    );
  });
});

// -------------------------------------------------------------------------------------------
// Rules: a reference matcher from the README, over structured rules

type PathPart = { kind: 'literal'; text: string } | { kind: 'star' } | { kind: 'stars' } | { kind: 'param' };
interface RuleSpec {
  kind: 'allow' | 'deny';
  method: undefined | '*' | string;
  scheme: 'http' | 'https' | '*' | 'http{s}?';
  host:
    | { kind: 'exact'; name: string }
    | { kind: 'any' }
    | { kind: 'sub'; suffix: string }
    | { kind: 'label'; suffix: string };
  port: undefined | string;
  path: PathPart[];
  trailingSlash: boolean;
  query: undefined | { key: string; value: string | '*' };
}

const HOSTS = [
  'api.example.com',
  'example.com',
  'a.b.example.com',
  'xn--exmple-cua.com',
  'example.org',
  '127.0.0.1',
  '10.1.2.3',
  '8.8.8.8',
  '[::1]',
  '[2606:4700::1111]',
];
const SUFFIXES = ['example.com', 'com', 'b.example.com', 'example.org'];
const LITERALS = ['repos', 'acme', 'secret', 'issues', 'v1', 'x.y', 'a-b', '_u', '~t'];
const QUERY_KEYS = ['q', 'admin', 'page'];

const ruleSpec = (kind: 'allow' | 'deny'): fc.Arbitrary<RuleSpec> =>
  fc.record({
    kind: fc.constant(kind),
    method: fc.constantFrom(undefined, '*', ...METHODS, 'post', 'Get'),
    scheme: fc.constantFrom('http', 'https', 'https', '*', 'http{s}?'),
    host: fc.oneof(
      { weight: 4, arbitrary: fc.constantFrom(...HOSTS).map((name) => ({ kind: 'exact' as const, name })) },
      { weight: 1, arbitrary: fc.constant({ kind: 'any' as const }) },
      {
        weight: 1,
        arbitrary: fc.constantFrom(...SUFFIXES).map((suffix) => ({ kind: 'sub' as const, suffix })),
      },
      {
        weight: 1,
        arbitrary: fc.constantFrom(...SUFFIXES).map((suffix) => ({ kind: 'label' as const, suffix })),
      },
    ),
    port: fc.constantFrom(undefined, undefined, '8080', '443', '80', '25', '*'),
    path: fc.array(
      fc.oneof(
        {
          weight: 4,
          arbitrary: fc.constantFrom(...LITERALS).map((text) => ({ kind: 'literal' as const, text })),
        },
        { weight: 1, arbitrary: fc.constant({ kind: 'star' as const }) },
        { weight: 1, arbitrary: fc.constant({ kind: 'stars' as const }) },
        { weight: 1, arbitrary: fc.constant({ kind: 'param' as const }) },
      ),
      { maxLength: 4 },
    ),
    trailingSlash: fc.boolean(),
    query: fc.oneof(
      { weight: 2, arbitrary: fc.constant(undefined) },
      {
        weight: 1,
        arbitrary: fc.record({ key: fc.constantFrom(...QUERY_KEYS), value: fc.constantFrom('1', 'x', '*') }),
      },
    ),
  });

function ruleText(s: RuleSpec): string {
  const host =
    s.host.kind === 'exact'
      ? s.host.name
      : s.host.kind === 'any'
        ? '*'
        : s.host.kind === 'sub'
          ? `*.${s.host.suffix}`
          : `:sub.${s.host.suffix}`;
  let param = 0;
  const parts = s.path.map((p) =>
    p.kind === 'literal' ? p.text : p.kind === 'star' ? '*' : p.kind === 'stars' ? '**' : `:p${param++}`,
  );
  const path = `/${parts.join('/')}${s.trailingSlash && parts.length > 0 ? '/' : ''}`;
  const query = s.query ? `?${s.query.key}=${s.query.value}` : '';
  const method = s.method === undefined ? '' : `${s.method} `;
  return `${method}${s.scheme}://${host}${s.port === undefined ? '' : `:${s.port}`}${path}${query}`;
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const DEFAULT_PORT: Record<string, string> = { 'http:': '80', 'https:': '443' };
// The WHATWG fetch standard's bad ports (as the web-platform tests list them).
const BAD_PORTS = new Set(
  '1 7 9 11 13 15 17 19 20 21 22 23 25 37 42 43 53 69 77 79 87 95 101 102 103 104 109 110 111 113 115 117 119 123 135 137 139 143 161 179 389 427 465 512 513 514 515 526 530 531 532 540 548 554 556 563 587 601 636 989 990 993 995 1719 1720 1723 2049 3659 4045 4190 5060 5061 6000 6566 6665 6666 6667 6668 6669 6679 6697 10080'.split(
    ' ',
  ),
);

/**
 * Rules URLPattern would read otherwise than they say, so the plugin refuses them: a default port
 * with a scheme pattern (a URL on its default port has no port), and a query right after a
 * wildcard or a `:name` (URLPattern reads that `?` as "optional", and the query as more path).
 */
function misread(s: RuleSpec): boolean {
  const last = s.path.at(-1);
  const defaultPort = s.port === '80' || s.port === '443';
  return (
    ((s.scheme === '*' || s.scheme === 'http{s}?') && defaultPort) ||
    (s.query !== undefined && last !== undefined && last.kind !== 'literal' && !s.trailingSlash)
  );
}

/** The methods a rule covers: README "Policies / http". */
function refMethods(s: RuleSpec): ReadonlySet<string> {
  if (s.method === undefined) return new Set(s.kind === 'allow' ? ['GET', 'HEAD'] : METHODS);
  if (s.method === '*') return new Set(METHODS);
  return new Set([s.method.toUpperCase()]);
}

/**
 * Does the rule match the URL, per the README: the URL after WHATWG parsing; `*` any characters
 * (`/` included), a run of stars one `*`, `:name` one path segment (or one host label); no query
 * in the rule means any query; the port is the URL's (its scheme's default when it has none);
 * another protocol's port only through a rule that names it.
 */
function refMatches(s: RuleSpec, url: URL): boolean {
  const scheme = url.protocol.slice(0, -1);
  const schemeOk =
    s.scheme === '*' ||
    (s.scheme === 'http{s}?' ? scheme === 'http' || scheme === 'https' : scheme === s.scheme);
  const host = url.hostname;
  const hostOk =
    s.host.kind === 'any' ||
    (s.host.kind === 'exact' && host === s.host.name) ||
    (s.host.kind === 'sub' && new RegExp(`^.*\\.${escapeRe(s.host.suffix)}$`).test(host)) ||
    (s.host.kind === 'label' && new RegExp(`^[^.]+\\.${escapeRe(s.host.suffix)}$`).test(host));
  const urlPort = url.port === '' ? DEFAULT_PORT[url.protocol] : url.port;
  const rulePort =
    s.port ?? (s.scheme === 'http' || s.scheme === 'https' ? DEFAULT_PORT[`${s.scheme}:`] : undefined);
  // No port in a rule whose scheme is not fixed: the default port of whichever scheme matched.
  const portOk = s.port === '*' || (rulePort === undefined ? url.port === '' : urlPort === rulePort);
  const parts = s.path.map((p) =>
    p.kind === 'literal' ? escapeRe(p.text) : p.kind === 'param' ? '[^/]+' : '.*',
  );
  const pathRe = new RegExp(`^/${parts.join('/')}${s.trailingSlash && parts.length > 0 ? '/' : ''}$`);
  const pathOk = pathRe.test(url.pathname);
  const search = url.search.replace(/^\?/, '');
  const queryOk =
    s.query === undefined ||
    new RegExp(`^${escapeRe(s.query.key)}=${s.query.value === '*' ? '.*' : escapeRe(s.query.value)}$`).test(
      search,
    );
  const badPortOk = !BAD_PORTS.has(url.port) || s.port === url.port;
  return schemeOk && hostOk && portOk && pathOk && queryOk && badPortOk;
}

/** Hosts a URL may be written with: the rule hosts in several spellings, and look-alikes. */
const urlHost = fc.oneof(
  fc.constantFrom(...HOSTS),
  fc.constantFrom(
    'API.EXAMPLE.COM',
    'api.example.com.',
    '%61pi.example.com',
    'api%2eexample.com',
    '\uff41\uff50\uff49.example.com', // full-width "api"
    'ex\u00e4mple.com', // IDN: xn--exmple-cua.com
    'EX\u00c4MPLE.COM',
    'exa\u0308mple.com', // NFD spelling of the same
    'x.api.example.com',
    'evilexample.com',
    'api.example.com.evil.net',
    'example.com%2f.evil.net',
    'a.b.example.com',
    'b.example.com',
    '0x7f.1',
    '2130706433',
    '0177.0.0.1',
    '127.1',
    '012.1.2.3',
    '167838211', // 10.1.2.3
    '0x8.0x8.0x8.0x8',
    '[0:0:0:0:0:0:0:1]',
    '[::ffff:127.0.0.1]',
    '[2606:4700:0:0:0:0:0:1111]',
    '[2606:4700::1111%25eth0]',
  ),
);
const urlPort = fc.constantFrom('', '', ':80', ':443', ':8080', ':08080', ':25', ':6667', ':0', ':65535');
const urlSegment = fc.oneof(
  { weight: 5, arbitrary: fc.constantFrom(...LITERALS) },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      '..',
      '.',
      '%2e%2e',
      '%2E',
      '.%2e',
      '%2e.',
      '..%2f',
      '%2f',
      '%5c',
      '..;',
      ';x',
      'REPOS',
      '%72epos',
      '',
      'a b',
      '\u00e9',
      '*',
      ':p0',
      'x?q=1',
      'y#frag',
      '%3F',
      '%23',
    ),
  },
  { weight: 1, arbitrary: fc.string({ maxLength: 5 }) },
);
const urlSeparator = fc.constantFrom('/', '/', '/', '\\', '//');
const urlQuery = fc.constantFrom(
  '',
  '',
  '?q=1',
  '?q=x',
  '?admin=1',
  '?page=2&q=1',
  '?q=1&admin=1',
  '?',
  '?q=%31',
  '?%71=1',
  '?q=1#admin=1',
);
const builtUrl = fc
  .record({
    scheme: fc.constantFrom('http', 'https', 'HTTPS', 'hTTp'),
    userinfo: fc.oneof(
      { weight: 6, arbitrary: fc.constant('') },
      { weight: 1, arbitrary: fc.constantFrom('user@', 'user:pw@', 'api.example.com@', ':@') },
    ),
    host: urlHost,
    port: urlPort,
    path: fc.array(fc.tuple(urlSeparator, urlSegment), { maxLength: 5 }),
    query: urlQuery,
  })
  .map(
    (u) =>
      `${u.scheme}://${u.userinfo}${u.host}${u.port}${u.path.map(([sep, seg]) => sep + seg).join('')}${u.query}`,
  );
const randomUrl = fc.oneof(
  { weight: 6, arbitrary: builtUrl },
  {
    weight: 1,
    arbitrary: fc.webUrl({
      validSchemes: ['http', 'https'],
      withQueryParameters: true,
      withFragments: true,
      authoritySettings: {
        withIPv4: true,
        withIPv6: true,
        withIPv4Extended: true,
        withUserInfo: true,
        withPort: true,
      },
    }),
  },
);

/** Spellings of the rule hosts, so URLs built for a rule reach it in forms other than its own. */
const hostSpelling = (name: string): fc.Arbitrary<string> => {
  if (/^[0-9.]+$/.test(name)) return fc.oneof(fc.constant(name), v4Spelling(v4(name)));
  if (name.startsWith('[')) return fc.oneof(fc.constant(name), v6Spelling(v6FromText(name.slice(1, -1))));
  const variants = [
    name,
    name.toUpperCase(),
    `%${name.charCodeAt(0).toString(16)}${name.slice(1)}`,
    name.replace(/[a-z]/, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0)), // one full-width letter
    name.replaceAll('.', '\u3002'),
  ];
  if (name === 'xn--exmple-cua.com')
    variants.push('ex\u00e4mple.com', 'EX\u00c4MPLE.com', 'exa\u0308mple.com');
  return fc.constantFrom(...variants);
};
function v6FromText(text: string): bigint {
  const [left = '', right] = text.split('::');
  const groups = (s: string) => (s === '' ? [] : s.split(':').map((g) => Number.parseInt(g, 16)));
  const l = groups(left);
  const r = right === undefined ? [] : groups(right);
  return v6Of([...l, ...Array<number>(8 - l.length - r.length).fill(0), ...r]);
}

const freeSegment = fc.constantFrom('a', 'b.c', 'x-y', 'repos', 'secret', '42', 'A', 'e%41');
/** A URL built to match the rule (wildcards filled in), then perhaps disturbed a little. */
function urlFor(s: RuleSpec): fc.Arbitrary<string> {
  const host =
    s.host.kind === 'exact'
      ? hostSpelling(s.host.name)
      : s.host.kind === 'any'
        ? fc.constantFrom(...HOSTS, 'other.example.net')
        : fc
            .constantFrom('a', 'api', s.host.kind === 'sub' ? 'x.y' : 'b')
            .map((l) => `${l}.${(s.host as { suffix: string }).suffix}`);
  const parts = s.path.map((p) =>
    p.kind === 'literal'
      ? fc.constant(p.text)
      : p.kind === 'param'
        ? freeSegment
        : fc.array(freeSegment, { maxLength: 2 }).map((xs) => xs.join('/')),
  );
  const scheme =
    s.scheme === 'http' || s.scheme === 'https'
      ? fc.constantFrom(s.scheme, s.scheme.toUpperCase())
      : fc.constantFrom('http', 'https');
  return fc
    .record({
      scheme,
      host,
      port:
        s.port === undefined
          ? fc.constantFrom('', 'default')
          : s.port === '*'
            ? fc.constantFrom('', ':8080', ':25', ':443', ':80')
            : fc.constantFrom(`:${s.port}`, `:0${s.port}`),
      parts: fc.tuple(...parts),
      query: s.query
        ? fc
            .constantFrom('1', 'x', '', '1&q=2')
            .map((v) => `?${s.query?.key}=${s.query?.value === '*' ? v : s.query?.value}`)
        : urlQuery,
      disturb: fc.oneof(
        { weight: 2, arbitrary: fc.constant(undefined) },
        { weight: 1, arbitrary: fc.tuple(fc.nat(), urlSegment) },
      ),
    })
    .map((u) => {
      const port = u.port === 'default' ? (u.scheme.toLowerCase() === 'https' ? ':443' : ':80') : u.port;
      const segments: string[] = [...u.parts];
      if (u.disturb) {
        const [at, segment] = u.disturb;
        segments.splice(at % (segments.length + 1), at % 2, segment);
      }
      const path = `/${segments.join('/')}${s.trailingSlash && segments.length > 0 ? '/' : ''}`;
      return `${u.scheme}://${u.host}${port}${path}${u.query}`;
    });
}

/** A deny rule cut from an allow rule: the same, one segment longer, or with a wildcard made fixed. */
const narrowed = (a: RuleSpec): fc.Arbitrary<RuleSpec> =>
  fc
    .record({
      method: fc.constantFrom(undefined, '*', 'GET', 'POST'),
      text: fc.constantFrom(...LITERALS),
      how: fc.constantFrom('same', 'longer', 'fixed'),
    })
    .map(({ method, text, how }) => {
      const literal = { kind: 'literal' as const, text };
      const path =
        how === 'same'
          ? a.path
          : how === 'longer'
            ? [...a.path, literal]
            : a.path.map((p) => (p.kind === 'literal' ? p : literal));
      return { ...a, kind: 'deny', method, path };
    });

/** A request built for the rule: its URL, and mostly one of its methods. */
const requestFor = (s: RuleSpec): fc.Arbitrary<[string, (typeof METHODS)[number]]> =>
  fc.tuple(
    urlFor(s),
    fc.oneof(
      { weight: 3, arbitrary: fc.constantFrom(...METHODS.filter((m) => refMethods(s).has(m))) },
      { weight: 1, arbitrary: fc.constantFrom(...METHODS) },
    ),
  );

describe('rules: decisions agree with the documented semantics', () => {
  it('allow iff an allow rule matches (method and URL) and no deny rule does; deny rules win and are named', () => {
    const parsedRules = (specs: RuleSpec[]) =>
      specs.flatMap((s) => {
        const text = ruleText(s);
        const parsed = parseRule(text, s.kind);
        // Every generated rule is accepted, except the two spellings whose URLPattern reading
        // differs from what they say, which are refused as policy errors.
        expect(parsed.ok, `${text}: ${parsed.ok ? '' : parsed.problem}`).toBe(!misread(s));
        return parsed.ok ? [{ spec: s, text, rule: parsed.rule }] : [];
      });
    // URLs built for the rules at hand (so that many match), and random ones.
    const ruleCase = fc
      .array(ruleSpec('allow'), { minLength: 1, maxLength: 4 })
      .chain((allowSpecs) =>
        fc.tuple(
          fc.constant(allowSpecs),
          // Deny rules of their own, and deny rules cut from an allow rule (so that both match).
          fc.array(fc.oneof(ruleSpec('deny'), fc.constantFrom(...allowSpecs).chain(narrowed)), {
            maxLength: 2,
          }),
        ),
      )
      .chain(([allowSpecs, denySpecs]) =>
        fc.tuple(
          fc.constant(allowSpecs),
          fc.constant(denySpecs),
          fc.array(
            fc.oneof(
              { weight: 2, arbitrary: fc.constantFrom(...allowSpecs).chain(requestFor) },
              ...(denySpecs.length > 0
                ? [{ weight: 2, arbitrary: fc.constantFrom(...denySpecs).chain(requestFor) }]
                : []),
              { weight: 1, arbitrary: fc.tuple(randomUrl, fc.constantFrom(...METHODS)) },
            ),
            { minLength: URLS_PER_RULE_SET, maxLength: URLS_PER_RULE_SET },
          ),
        ),
      );
    const seen = { allowed: 0, denied: 0, byDenyRule: 0, byDenyRuleOverAllow: 0 };
    fc.assert(
      fc.property(ruleCase, ([allowSpecs, denySpecs, requests]) => {
        const allow = parsedRules(allowSpecs);
        const deny = parsedRules(denySpecs);
        for (const [input, method] of requests) {
          const checked = parseUrl(input);
          if (!checked.ok) continue;
          const url = checked.url;
          const got = matchRules(
            allow.map((r) => r.rule),
            deny.map((r) => r.rule),
            method,
            url,
            url.href,
          );
          const covers = (r: { spec: RuleSpec }) => refMethods(r.spec).has(method) && refMatches(r.spec, url);
          const firstDeny = deny.find(covers);
          const allowing = allow.filter(covers);
          const context = `${method} ${url.href} (from ${JSON.stringify(input)}) with allow ${JSON.stringify(allow.map((r) => r.text))} deny ${JSON.stringify(deny.map((r) => r.text))}`;
          // The same decision for the URL WHATWG-normalised first.
          const normalised = parseUrl(new URL(input).href);
          expect(normalised.ok, input).toBe(true);
          if (normalised.ok) {
            const again = matchRules(
              allow.map((r) => r.rule),
              deny.map((r) => r.rule),
              method,
              normalised.url,
              url.href,
            );
            expect(again, input).toEqual(got);
          }
          if (got.allow) seen.allowed++;
          else if (!got.rule.startsWith('deny: ')) seen.denied++;
          else if (allowing.length > 0) seen.byDenyRuleOverAllow++;
          else seen.byDenyRule++;
          if (firstDeny) {
            expect(got.allow, context).toBe(false);
            expect(got.allow ? '' : got.rule, context).toBe(`deny: ${firstDeny.text}`);
          } else {
            expect(got.allow, context).toBe(allowing.length > 0);
            const named = got.allow ? got.rules.map((r) => r.text) : [];
            if (got.allow) expect(named, context).toEqual(allowing.map((r) => r.text));
          }
        }
      }),
      { seed: SEED, numRuns: RULE_RUNS },
    );
    // Each outcome is common, not a corner the generator rarely reaches.
    const total = seen.allowed + seen.denied + seen.byDenyRule;
    for (const [outcome, count] of Object.entries(seen)) expect(count / total, outcome).toBeGreaterThan(0.02);
  });

  it('parseUrl accepts only http(s) without credentials, and its URL is a fixed point of WHATWG parsing', () => {
    fc.assert(
      fc.property(randomUrl, (input) => {
        const checked = parseUrl(input);
        if (!checked.ok) return;
        const url = checked.url;
        expect(['http:', 'https:']).toContain(url.protocol);
        expect(url.username + url.password, input).toBe('');
        expect(url.hash).toBe('');
        // Parsing what parseUrl returns changes nothing: rules see a fixed point.
        const again = parseUrl(url.href);
        expect(again.ok, url.href).toBe(true);
        if (again.ok) expect(again.url.href).toBe(url.href);
        // And the raw input, WHATWG-normalised first, reads the same (the fragment aside).
        const viaWhatwg = parseUrl(new URL(input).href);
        expect(viaWhatwg.ok && viaWhatwg.url.href, input).toBe(url.href);
      }),
      { seed: SEED, numRuns: RULE_RUNS * 2 },
    );
  });

  it('the same URL in another spelling gets the same decision', () => {
    // Rules that name the hosts the spellings below reach.
    const rules = [
      'GET https://api.example.com/repos/*',
      'GET https://xn--exmple-cua.com/*',
      'GET http://127.0.0.1:8080/*',
      'GET http://[::1]:8080/*',
      '* https://*.example.org/v1/:p/issues',
    ].map(mustParse('allow'));
    const deny = ['https://api.example.com/repos/secret/*'].map(mustParse('deny'));
    const spellings: [string, ...string[]][] = [
      [
        'https://api.example.com',
        'HTTPS://API.EXAMPLE.COM',
        'https://%61pi.example.com',
        'https://\uff41\uff50\uff49.example.com',
        'https://api.example.com:443',
        'https://api%2Eexample.com',
      ],
      [
        'https://xn--exmple-cua.com',
        'https://ex\u00e4mple.com',
        'https://EX\u00c4MPLE.com',
        'https://exa\u0308mple.com',
        'https://xn--exmple-cua.com:443',
      ],
      [
        'http://127.0.0.1:8080',
        'http://0x7f.1:8080',
        'http://2130706433:8080',
        'http://0177.0.0.1:08080',
        'http://127.0.1:8080',
        'http://127.0.0.1.:8080',
        'http://\uff11\uff12\uff17\u3002\uff10\u3002\uff10\u3002\uff11:8080',
      ],
      [
        'http://[::1]:8080',
        'http://[0:0:0:0:0:0:0:1]:8080',
        'http://[0000::0001]:8080',
        'http://[::0:1]:8080',
      ],
      ['https://a.example.org', 'https://A.EXAMPLE.ORG', 'https://a.example.org:443'],
    ];
    // Paths under what the rules name, with dot segments and backslashes among them.
    const paths = fc
      .tuple(
        fc.constantFrom('/repos/', '/repos/secret/', '/v1/a/issues', '/'),
        fc.array(fc.tuple(fc.constantFrom('/', '\\'), fc.constantFrom(...LITERALS, '.', '..', '%2e', 'x')), {
          maxLength: 3,
        }),
      )
      .map(([head, parts]) => head + parts.map(([sep, seg]) => sep + seg).join(''));
    fc.assert(
      fc.property(
        fc.constantFrom(...spellings),
        fc.nat(),
        paths,
        fc.constantFrom('', '?q=1'),
        fc.constantFrom(...METHODS, 'GET', 'GET', 'GET'),
        (family, pick, path, query, method) => {
          const decide = (origin: string) => {
            const checked = parseUrl(`${origin}${path}${query}`);
            if (!checked.ok) return `refused: ${checked.reason}`;
            const m = matchRules(rules, deny, method, checked.url, '');
            return m.allow ? `allow ${m.rules.map((r) => r.text).join(' ')}` : `deny ${m.rule}`;
          };
          const other = family[pick % family.length] as string;
          expect(decide(other), `${other}${path}${query}`).toBe(decide(family[0]));
        },
      ),
      { seed: SEED, numRuns: RULE_RUNS },
    );
  });
});
