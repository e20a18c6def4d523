// The decision for one request (the first, and each redirect hop): the rules, then where the
// host really is. The addresses checked here are the only ones the connection may use (they
// travel in the grant to ./transport.ts), so there is no second DNS answer to be fooled by.
//
// Order matters for what leaks: the rules are matched before any DNS query, so a script cannot
// make the sandbox resolve (and so announce to a DNS server) a name the policy does not allow.
import { lookup as dnsLookup } from 'node:dns/promises';
import { allow, type Decision, deny, PluginError } from 'sesame/plugin';
import { classify, type Ip, literalAddress, parseIp, specialName } from './address.ts';
import { type Method, matchRules, type Rule, ruleName } from './rules.ts';
import type { ConnectTarget, ResolvedAddress } from './transport.ts';
import { displayUrl } from './url.ts';

/** Resolve a host name to every address it has (A and AAAA). */
export type Lookup = (hostname: string) => Promise<ResolvedAddress[]>;

/** The system resolver (getaddrinfo, so /etc/hosts too), every address, in the resolver's order. */
export const systemLookup: Lookup = async (hostname) => {
  const found = await dnsLookup(hostname, { all: true, order: 'verbatim' });
  return found.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));
};

/** More addresses than this for one name are not tried (each is checked all the same). */
const MAX_ADDRESSES = 16;

export interface RuleSet {
  readonly allow: readonly Rule[];
  readonly deny: readonly Rule[];
  readonly lookup: Lookup;
}

/** What a request may do, once decided: the URL, the rule that allowed it, where to connect. */
export interface Hop {
  readonly url: URL;
  readonly method: Method;
  readonly rule: Rule;
  readonly target: ConnectTarget;
  /** The URL as messages may show it (no query values). */
  readonly shown: string;
}

const sameAddress = (a: Ip, b: Ip) =>
  a.bytes.length === b.bytes.length && a.bytes.every((x, i) => x === b.bytes[i]);

/** Reject when `signal` aborts first (DNS has no timeout of its own). */
function bounded<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

/** Decide one request. Throws PluginError only for failures that are not decisions (DNS). */
export async function decideHop(
  rules: RuleSet,
  method: Method,
  url: URL,
  signal: AbortSignal,
): Promise<Decision<Hop>> {
  const shown = displayUrl(url);
  const matched = matchRules(rules.allow, rules.deny, method, url, shown);
  if (!matched.allow) return deny(matched.reason, matched.rule);

  const port = url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port);
  const secure = url.protocol === 'https:';
  const make = (rule: Rule, host: string, addresses: ResolvedAddress[]) =>
    allow(ruleName(rule), { url, method, rule, shown, target: { host, port, secure, addresses } });

  const literal = literalAddress(url.hostname);
  if (literal) {
    const first = matched.rules[0] as Rule;
    const special = classify(literal);
    const address = { address: literal.text, family: literal.family };
    if (special === undefined) return make(first, literal.text, [address]);
    // A private or loopback address is reachable only through a rule that names it, not through
    // a wildcard host that happens to match it.
    const naming = special.namedOk
      ? matched.rules.find((r) => r.address && sameAddress(r.address, literal))
      : undefined;
    if (naming) return make(naming, literal.text, [address]);
    return deny(
      `${shown}: ${literal.text} is not a public address (${special.name}, ${special.cidr})${
        special.namedOk
          ? `; only a rule that names ${literal.text} literally may allow it`
          : ' and is never allowed'
      }`,
      'address',
    );
  }

  const name = url.hostname;
  const why = specialName(name);
  if (why !== undefined)
    return deny(`${shown}: ${name} is a ${why}; refused without resolving it`, 'address');

  let found: ResolvedAddress[];
  try {
    found = (await bounded(rules.lookup(name), signal)).slice(0, MAX_ADDRESSES);
  } catch (error) {
    if (error instanceof PluginError) throw error;
    throw new PluginError('ENOTFOUND', `${shown}: cannot resolve ${name}`);
  }
  if (found.length === 0) throw new PluginError('ENOTFOUND', `${shown}: cannot resolve ${name}`);
  const checked: ResolvedAddress[] = [];
  for (const a of found) {
    const ip = parseIp(a.address);
    // Every answer must be public: a name with one private address among public ones is the
    // classic rebinding set-up, and the connection could pick any of them.
    const special = ip === undefined ? undefined : classify(ip);
    if (ip === undefined || special !== undefined) {
      return deny(
        `${shown}: ${name} resolves to ${ip?.text ?? 'an unparsable address'}${
          special ? ` (${special.name}, ${special.cidr})` : ''
        }; names that resolve to non-public addresses are refused (a rule may name the address itself)`,
        'address',
      );
    }
    checked.push({ address: ip.text, family: ip.family });
  }
  return make(matched.rules[0] as Rule, name, checked);
}
