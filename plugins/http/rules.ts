// Allow and deny rules of the http plugin: `METHOD pattern`, the pattern in URLPattern syntax
// (Node's global URLPattern). Rules are parsed once, when the capability is created, and matched
// against the WHATWG-normalised URL (see ./url.ts), never against the string the script wrote.
//
// Parsing also proves each rule can match something a request could be: a rule that can never
// match (an ftp: scheme, credentials, a fragment, a host spelled in a form URLs never take,
// 0.0.0.0) is a mistake in the policy, and is reported as one instead of silently allowing less.
import { canonicalHost, classify, type Ip, literalAddress, parseIp, specialName } from './address.ts';

/** The methods a script may use. CONNECT, TRACE and TRACK are never sent (tunnels, echoes). */
export const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;
export type Method = (typeof METHODS)[number];
const METHOD_SET: ReadonlySet<string> = new Set(METHODS);
export const isMethod = (m: string): m is Method => METHOD_SET.has(m);

/** A rule without a method: allow rules grant reads only; deny rules and header matches cover every method. */
const SAFE_METHODS: readonly Method[] = ['GET', 'HEAD'];

export type RuleKind = 'allow' | 'deny' | 'match';

export interface Rule {
  readonly kind: RuleKind;
  /** The rule as the policy wrote it: what decisions and messages name. */
  readonly text: string;
  readonly methods: ReadonlySet<Method>;
  readonly pattern: URLPattern;
  /** The IP address the pattern's hostname names literally (no wildcard), if it does. */
  readonly address?: Ip;
  /** The port the pattern names literally, if it does ('' is the scheme's default port). */
  readonly port?: string;
}

export type Parsed = { ok: true; rule: Rule } | { ok: false; problem: string };

// Ports fetch() refuses (WHATWG "bad port"): other protocols listen there, and an HTTP request
// to them is a cross-protocol attack (SMTP on 25, IRC on 6667, ...). A rule that names the port
// literally may still reach it.
const BAD_PORTS: ReadonlySet<string> = new Set(
  [
    1, 7, 9, 11, 13, 15, 17, 19, 20, 21, 22, 23, 25, 37, 42, 43, 53, 69, 77, 79, 87, 95, 101, 102, 103, 104,
    109, 110, 111, 113, 115, 117, 119, 123, 135, 137, 139, 143, 161, 179, 389, 427, 465, 512, 513, 514, 515,
    526, 530, 531, 532, 540, 548, 554, 556, 563, 587, 601, 636, 989, 990, 993, 995, 1719, 1720, 1723, 2049,
    3659, 4045, 4190, 5060, 5061, 6000, 6566, 6665, 6666, 6667, 6668, 6669, 6679, 6697, 10080,
  ].map(String),
);
export const isBadPort = (port: string): boolean => BAD_PORTS.has(port);

/** URLPattern syntax characters: a component without any is fixed text. */
const PATTERN_SYNTAX = /[*:(){}?+\\]/;
const isFixed = (component: string) => !PATTERN_SYNTAX.test(component);

/** Does one component's pattern match a value? (Other components left as wildcards.) */
function componentMatches(
  component: 'protocol' | 'username' | 'password' | 'hash',
  pattern: string,
  value: string,
) {
  return new URLPattern({ [component]: pattern }).test({ [component]: value });
}

// URLPattern cannot take an IPv6 host as written ("[::1]": its colons are pattern syntax), so a
// bracketed literal is canonicalised and its colons escaped before the pattern is built.
const IPV6_HOST = /^([^/]*:\/\/)\[([0-9A-Fa-f:.]+)\](.*)$/;

function buildPattern(
  text: string,
  ignoreCase: boolean,
): { pattern: URLPattern; v6?: Ip } | { problem: string } {
  // Policy authors write `/**` as in globs ("everything below"); in URLPattern the second `*` is
  // a "zero or more" modifier, so `/allowed/**` would also match `/allowed` itself. Read a run of
  // stars as one wildcard: `/allowed/**` then means what it says.
  let source = text.replace(/\*{2,}/g, '*');
  let v6: Ip | undefined;
  const m = IPV6_HOST.exec(source);
  if (m) {
    v6 = parseIp(m[2] ?? '');
    if (v6 === undefined || v6.family !== 6) return { problem: `[${m[2]}] is not an IPv6 address` };
    source = `${m[1]}[${v6.text.replaceAll(':', '\\:')}]${m[3]}`;
  }
  // Node has URLPattern from 23.8. The polyfills disagree with it on edge cases (an empty path
  // segment under `*`), which would make a deny rule miss: refuse rather than guess.
  if (typeof URLPattern !== 'function') {
    return {
      problem:
        'cannot be checked: this Node.js has no URLPattern (the http plugin needs Node.js 23.8 or later)',
    };
  }
  try {
    const pattern = new URLPattern(source, { ignoreCase });
    return v6 ? { pattern, v6 } : { pattern };
  } catch {
    return {
      problem: 'is not a valid absolute URL pattern (URLPattern syntax, e.g. "https://api.example.com/v1/*")',
    };
  }
}

const DEFAULT_PORT_SCHEMES: Readonly<Record<string, string>> = { '443': 'https', '80': 'http' };
/** A `?` modifier after a wildcard or a named group, with more than a `/` after it. */
const OPTIONAL_THEN_MORE = /(?:^|[^\\])(?:\*|:[\p{ID_Start}$_][\p{ID_Continue}$]*)\?[^/]/u;

/** Why a parsed pattern can never match a request URL, or undefined if it can. */
function unmatchable(pattern: URLPattern, v6: Ip | undefined): string | undefined {
  if (pattern.hasRegExpGroups) {
    return 'uses a regular expression group; use "*" and ":name" (rules stay readable and cannot backtrack)';
  }
  if (
    !componentMatches('protocol', pattern.protocol, 'http') &&
    !componentMatches('protocol', pattern.protocol, 'https')
  ) {
    return `has scheme ${JSON.stringify(pattern.protocol)}; only http and https can be fetched`;
  }
  if (
    !componentMatches('username', pattern.username, '') ||
    !componentMatches('password', pattern.password, '')
  ) {
    return 'names credentials (user:password@); URLs with credentials are refused';
  }
  if (!componentMatches('hash', pattern.hash, '')) {
    return 'has a fragment (#...); fragments are never sent, so it cannot match';
  }
  if (pattern.port !== '' && isFixed(pattern.port) && !/^[0-9]{1,5}$/.test(pattern.port)) {
    return `has port ${JSON.stringify(pattern.port)}, which is not a port number`;
  }
  // A URL on its scheme's default port has no port, and URLPattern drops a default port from a
  // rule only when the scheme is fixed: "*://host:443/" would match http on 443, never https.
  const portOf = DEFAULT_PORT_SCHEMES[pattern.port];
  if (portOf && !isFixed(pattern.protocol) && componentMatches('protocol', pattern.protocol, portOf)) {
    return `names port ${pattern.port} with scheme ${JSON.stringify(pattern.protocol)}, but ${portOf} URLs on port ${pattern.port} carry no port, so it would not match them (write the scheme: "${portOf}://...")`;
  }
  // URLPattern reads "?" right after "*" or ":name" as "optional", not as the start of the query:
  // in "/search/*?q=1" the "q=1" would be more path and any query would match (a deny rule so
  // written would deny nothing it names).
  if (OPTIONAL_THEN_MORE.test(pattern.pathname)) {
    return 'has "?" right after "*" or ":name", which URLPattern reads as "optional": what follows would be matched against the path, not the query (to match a query, end the path with fixed text: ".../search?q=*")';
  }
  const host = pattern.hostname;
  if (host === '') return 'has no host';
  if (v6 === undefined && isFixed(host)) {
    if (canonicalHost(host) !== host) {
      return `has host ${JSON.stringify(host)}, which URLs never spell that way (write ${JSON.stringify(canonicalHost(host) ?? 'a valid host')})`;
    }
    const why = specialName(host);
    if (why !== undefined) {
      return `names ${host}, a ${why}, which is always refused; name the address literally (e.g. 127.0.0.1 or [::1])`;
    }
  }
  const address = v6 ?? (isFixed(host) ? literalAddress(host) : undefined);
  const special = address && classify(address);
  if (special && !special.namedOk) {
    return `names ${address?.text} (${special.name}), which is never allowed`;
  }
  return undefined;
}

/** Parse one rule: optional METHOD (or "*" for every method), whitespace, URL pattern. */
export function parseRule(text: string, kind: RuleKind): Parsed {
  const m = /^\s*(?:([A-Za-z]+|\*)\s+)?(\S+)\s*$/.exec(text);
  if (!m)
    return {
      ok: false,
      problem: 'expected "METHOD pattern" or "pattern", e.g. "GET https://api.example.com/*"',
    };
  const [, methodText, patternText = ''] = m;
  if (methodText === undefined && /^([A-Za-z]+|\*)$/.test(patternText)) {
    return { ok: false, problem: `${JSON.stringify(patternText)} has no URL pattern after it` };
  }
  let methods: readonly Method[];
  if (methodText === undefined) methods = kind === 'allow' ? SAFE_METHODS : METHODS;
  else if (methodText === '*') methods = METHODS;
  else {
    const upper = methodText.toUpperCase();
    if (!isMethod(upper))
      return {
        ok: false,
        problem: `method ${JSON.stringify(methodText)} is not one of ${METHODS.join(', ')} or *`,
      };
    methods = [upper];
  }
  // Deny rules ignore case: a server that reads /repos/ACME as /repos/acme (most do for names)
  // must not let a request past the rule that names it. Allow rules match exactly.
  const built = buildPattern(patternText, kind === 'deny');
  if ('problem' in built) return { ok: false, problem: `${JSON.stringify(patternText)} ${built.problem}` };
  const { pattern, v6 } = built;
  const problem = unmatchable(pattern, v6);
  if (problem !== undefined) return { ok: false, problem: `${JSON.stringify(patternText)} ${problem}` };
  const address = v6 ?? (isFixed(pattern.hostname) ? literalAddress(pattern.hostname) : undefined);
  const rule: Rule = Object.freeze({
    kind,
    text: text.trim(),
    methods: new Set(methods),
    pattern,
    ...(address ? { address } : {}),
    ...(/^[0-9]*$/.test(pattern.port) ? { port: pattern.port } : {}),
  });
  return { ok: true, rule };
}

/** Parse a list of rules; problems come back with their index. */
export function parseRules(
  texts: readonly string[],
  kind: RuleKind,
): { rules: Rule[]; problems: { index: number; problem: string }[] } {
  const rules: Rule[] = [];
  const problems: { index: number; problem: string }[] = [];
  texts.forEach((text, index) => {
    const parsed = parseRule(text, kind);
    if (parsed.ok) rules.push(parsed.rule);
    else problems.push({ index, problem: parsed.problem });
  });
  return { rules, problems };
}

/** Does the rule's pattern match the URL (any method)? The URL must come from ./url.ts. */
export function patternMatches(rule: Rule, url: URL): boolean {
  if (!rule.pattern.test(url.href)) return false;
  // Another protocol's port is reachable only through a rule that names it.
  return !isBadPort(url.port) || rule.port === url.port;
}

export const ruleName = (rule: Rule): string => `${rule.kind}: ${rule.text}`;

export type RuleMatch =
  | { allow: true; rules: readonly Rule[] }
  | { allow: false; rule: string; reason: string };

/**
 * Deny rules first (any match refuses), then every allow rule that matches both method and URL,
 * in policy order. Deny by default. `shown` is the URL as messages may show it.
 */
export function matchRules(
  allow: readonly Rule[],
  deny: readonly Rule[],
  method: Method,
  url: URL,
  shown: string,
): RuleMatch {
  const denied = deny.find((r) => r.methods.has(method) && patternMatches(r, url));
  if (denied) {
    return {
      allow: false,
      rule: ruleName(denied),
      reason: `${method} ${shown} matches deny rule ${JSON.stringify(denied.text)}`,
    };
  }
  const matching = allow.filter((r) => patternMatches(r, url));
  const allowed = matching.filter((r) => r.methods.has(method));
  if (allowed.length > 0) return { allow: true, rules: allowed };
  const first = matching[0];
  if (first) {
    const methods = [...new Set(matching.flatMap((r) => [...r.methods]))].join(', ');
    return {
      allow: false,
      rule: 'allow',
      reason: `${method} ${shown}: the allow rules for this URL permit only ${methods}`,
    };
  }
  return { allow: false, rule: 'allow', reason: `${method} ${shown} matches no allow rule` };
}
