// http: an allow-listed fetch(), the only door from a script to the network.
//
// authorize decides everything before a byte is sent: the URL is parsed once (./url.ts), deny
// rules then allow rules are matched on the normalised URL (./rules.ts), the host is reduced to
// addresses and each is classified (./address.ts, ./decide.ts), headers and body are checked
// (./headers.ts). invoke sends to exactly the addresses authorize checked (./transport.ts) and
// decides every redirect afresh (./client.ts). Secrets named in header templates are put into
// matching requests and taken out of responses (./secrets.ts); the script never holds them.
import { Buffer } from 'node:buffer';
import {
  allow,
  type CheckedMethod,
  type ConfigIssue,
  definePlugin,
  deny,
  PluginError,
  z,
} from 'sesame/plugin';
import { type CheckedRequest, type ClientSettings, deadline, type Injection, perform } from './client.ts';
import { decideHop, type Hop, type Lookup, systemLookup } from './decide.ts';
import {
  FIELD_VALUE,
  forbiddenHeader,
  getHeader,
  type HeaderList,
  MAX_HEADER_NAME,
  MAX_HEADER_VALUE,
  MAX_HEADERS,
  normalizeHeaders,
  TOKEN,
} from './headers.ts';
import { presentResponse, RESPONSE_TYPE, ResponseData } from './response.ts';
import { METHODS, type Method, parseRules, type Rule } from './rules.ts';
import { expandTemplate, makeRedactor, parseTemplate, templateSecrets } from './secrets.ts';
import { type Connector, pinnedConnector } from './transport.ts';
import { displayUrl, MAX_URL_LENGTH, parseUrl } from './url.ts';

const KiB = 1024;
const MiB = 1024 * KiB;
/** Static bounds on the configurable limits (the membrane copies at most 64 MiB of result). */
const MAX_BODY_LIMIT = 32 * MiB;

// ---------------------------------------------------------------------------------------------
// Argument schemas: characters are checked here, before authorize sees anything.

const NAME_PROBLEM =
  "a header name must be a token (letters, digits and !#$%&'*+-.^_`|~; no spaces, colons, CR or LF)";
const HeaderName = z.string().min(1).max(MAX_HEADER_NAME).regex(TOKEN, NAME_PROBLEM);
const HeaderValue = z
  .string()
  .max(MAX_HEADER_VALUE)
  .regex(
    FIELD_VALUE,
    'a header value may not contain CR, LF, NUL or other control characters, or characters above U+00FF',
  );
const GuestHeaders = z.union(
  [
    // Names are checked after the record is read so that a bad name is reported as such (a
    // record's own key check would surface only as "invalid input" through the union).
    z.record(z.string(), HeaderValue).superRefine((headers, ctx) => {
      const names = Object.keys(headers);
      if (names.length > MAX_HEADERS)
        ctx.addIssue({ code: 'custom', message: `at most ${MAX_HEADERS} headers` });
      for (const name of names) {
        if (name.length > MAX_HEADER_NAME || !TOKEN.test(name)) {
          ctx.addIssue({ code: 'custom', path: [name.slice(0, 40)], message: NAME_PROBLEM });
        }
      }
    }),
    z.array(z.tuple([HeaderName, HeaderValue])).max(MAX_HEADERS),
  ],
  { error: 'headers must be { name: value } or [[name, value], ...] with string values' },
);
const GuestMethod = z
  .string()
  .max(16)
  .regex(TOKEN, 'a method is a token (no spaces, CR or LF)')
  .transform((m) => m.toUpperCase())
  .pipe(z.enum(METHODS, { error: `the method must be one of ${METHODS.join(', ')}` }));
const GuestBody = z.union([
  z.string().max(MAX_BODY_LIMIT),
  z
    .custom<Uint8Array>(
      (v) => v instanceof Uint8Array && v.byteLength <= MAX_BODY_LIMIT,
      `expected a string or a Uint8Array of at most ${MAX_BODY_LIMIT} bytes`,
    )
    .meta({ tsType: 'Uint8Array' }) // what JSON Schema cannot say, for `sesame describe`
    .transform((v) => new Uint8Array(v)), // our own copy: nobody else can change it
  z.null(),
]);
// Titles and descriptions are for `sesame describe`'s declarations.
const Init = z
  .object({
    method: GuestMethod.optional().describe(`${METHODS.join(', ')} (any case); GET by default`),
    headers: GuestHeaders.optional().describe('{ name: value } or [[name, value], ...]'),
    body: GuestBody.optional().describe('a string or bytes; JSON.stringify objects yourself'),
    redirect: z
      .enum(['follow', 'manual', 'error'])
      .optional()
      .describe('"follow" (the default) follows allowed redirects; "error" fails on one'),
  })
  .strict()
  .optional()
  .meta({ title: 'init' });
type GuestInit = z.output<typeof Init>;

// ---------------------------------------------------------------------------------------------
// Config

const RuleList = (what: string) =>
  z
    .array(z.string().max(MAX_URL_LENGTH))
    .default([])
    .describe(
      `${what}. Each rule is "METHOD pattern" or "pattern", the pattern in URLPattern syntax, e.g. ` +
        '"GET https://api.github.com/repos/acme/*/issues*" ("*" matches any characters, "/" included; ":name" one path segment). ' +
        'METHOD is one of GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS, or * for all of them.',
    );

const Config = z
  .object({
    allow: RuleList(
      'Requests the script may send. A rule without a method allows GET and HEAD only. ' +
        'Private, loopback and link-local addresses are reachable only through a rule whose host is that literal address',
    ),
    deny: RuleList(
      'Requests refused even when an allow rule matches. A rule without a method denies every method',
    ),
    headers: z
      .array(
        z
          .object({
            match: z
              .string()
              .max(MAX_URL_LENGTH)
              .describe(
                'Requests that get these headers: "METHOD pattern" or "pattern" (every method), as in allow.',
              ),
            set: z
              .record(z.string().max(MAX_HEADER_NAME), z.string().max(MAX_HEADER_VALUE))
              .describe(
                `Header name to value; "\${NAME}" in a value is the policy secret NAME, which the script never sees. ` +
                  'These replace a header of the same name the script set.',
              ),
          })
          .strict(),
      )
      .default([])
      .describe(
        'Headers the runtime adds to matching requests (on every redirect hop that matches), e.g. credentials.',
      ),
    maxRequestBytes: z
      .number()
      .int()
      .positive()
      .max(MAX_BODY_LIMIT)
      .default(MiB)
      .describe('The largest request body the script may send, in bytes (default 1 MiB).'),
    maxResponseBytes: z
      .number()
      .int()
      .positive()
      .max(MAX_BODY_LIMIT)
      .default(2 * MiB)
      .describe(
        'The largest response body, in bytes, counted as it arrives and after decompression (default 2 MiB); ' +
          'a larger response fails with E_TOO_LARGE.',
      ),
    timeoutMs: z
      .number()
      .int()
      .min(100)
      .max(300_000)
      .default(10_000)
      .describe(
        'Time for one fetch() call: DNS, connecting, every redirect and the whole body (default 10000).',
      ),
    maxRedirects: z
      .number()
      .int()
      .min(0)
      .max(20)
      .default(5)
      .describe(
        'Redirects followed per call (default 5); each hop is checked against the rules and addresses again.',
      ),
    auditQueryValues: z
      .boolean()
      .default(false)
      .describe(
        'Record query values in the audit trail (default false: "?page=…"); they often carry tokens and personal data.',
      ),
  })
  .strict();
type HttpConfig = z.output<typeof Config>;

// ---------------------------------------------------------------------------------------------
// Config checks: run when the policy loads (check) and again when the capability is made.

function configIssues(config: HttpConfig): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  for (const kind of ['allow', 'deny'] as const) {
    for (const { index, problem } of parseRules(config[kind], kind).problems) {
      issues.push({ path: [kind, index], message: problem });
    }
  }
  config.headers.forEach((entry, i) => {
    const match = parseRules([entry.match], 'match').problems[0];
    if (match) issues.push({ path: ['headers', i, 'match'], message: match.problem });
    const names = new Set<string>();
    for (const [name, template] of Object.entries(entry.set)) {
      const at = ['headers', i, 'set', name];
      if (names.has(name.toLowerCase()))
        issues.push({ path: at, message: `${name} is set twice (names are case-insensitive)` });
      names.add(name.toLowerCase());
      if (!TOKEN.test(name)) {
        issues.push({ path: at, message: `${JSON.stringify(name)} is not a valid header name` });
        continue;
      }
      const why = forbiddenHeader(name.toLowerCase());
      if (why !== undefined) issues.push({ path: at, message: `the ${name} header cannot be set: ${why}` });
      const parsed = parseTemplate(template);
      if (!parsed.ok) issues.push({ path: at, message: `the value ${parsed.problem}` });
      else if (parsed.parts.some((p) => 'text' in p && !FIELD_VALUE.test(p.text))) {
        issues.push({ path: at, message: 'the value contains CR, LF or another control character' });
      }
    }
  });
  return issues;
}

const secretNames = (config: HttpConfig): string[] => [
  ...new Set(config.headers.flatMap((h) => Object.values(h.set).flatMap(templateSecrets))),
];

/** Fill in the header templates; a secret value unfit for a header fails without showing it. */
function injections(config: HttpConfig, secrets: Readonly<Record<string, string>>): Injection[] {
  return config.headers.map((entry) => {
    const match = parseRules([entry.match], 'match').rules[0] as Rule;
    const set: HeaderList = Object.entries(entry.set).map(([name, template]) => {
      const parsed = parseTemplate(template);
      if (!parsed.ok) throw new TypeError(`http: a template for ${name} is malformed`);
      const value = expandTemplate(parsed.parts, secrets);
      if (!FIELD_VALUE.test(value) || value.length > MAX_HEADER_VALUE) {
        throw new TypeError(
          `http: the ${name} header made from a secret contains characters a header cannot carry`,
        );
      }
      return [name.toLowerCase(), value];
    });
    return { match, set };
  });
}

// ---------------------------------------------------------------------------------------------
// The plugin

/** What invoke needs: the first hop as decided, and the request as checked. */
export interface HttpGrant {
  hop: Hop;
  request: CheckedRequest;
}

/** What the plugin uses of the world: DNS and sockets. Tests supply fakes; policies cannot. */
export interface HttpDeps {
  lookup?: Lookup;
  connect?: Connector;
}

function explainConfig(config: HttpConfig): string[] {
  const lines: string[] = [];
  const allowRules = parseRules(config.allow, 'allow').rules;
  if (allowRules.length === 0) lines.push('may not send any request (no allow rules)');
  for (const rule of allowRules) {
    lines.push(
      `may send ${[...rule.methods].join(', ')} requests to URLs matching ${JSON.stringify(rule.text)}`,
    );
  }
  for (const text of config.deny)
    lines.push(`may never send requests matching deny rule ${JSON.stringify(text)}`);
  lines.push(
    'private, loopback, link-local, unique-local and other non-public addresses are refused, whatever a name resolves to, ' +
      'unless an allow rule names the address literally; every redirect is checked again',
  );
  for (const entry of config.headers) {
    const names = Object.keys(entry.set).join(', ');
    const secrets = [...new Set(Object.values(entry.set).flatMap(templateSecrets))];
    lines.push(
      `adds ${names} to requests matching ${JSON.stringify(entry.match)}${
        secrets.length
          ? ` (with the secret${secrets.length > 1 ? 's' : ''} ${secrets.join(', ')}, never shown to the script)`
          : ''
      }`,
    );
  }
  lines.push(
    `request bodies up to ${config.maxRequestBytes} bytes, responses up to ${config.maxResponseBytes} bytes, ` +
      `${config.timeoutMs} ms per call, at most ${config.maxRedirects} redirects`,
  );
  return lines;
}

/**
 * What the audit trail records of a request: method, the URL with query values redacted (they
 * carry tokens and personal data), header names without values, and the body's size.
 */
function auditArgs(args: readonly unknown[], config: unknown): unknown {
  // The membrane calls this with the arguments its schema validated ([url, init?]) and the config.
  const [input, init] = args as [string, GuestInit?];
  const parsed = parseUrl(input);
  const show = (url: URL) => ((config as HttpConfig).auditQueryValues ? url.href : displayUrl(url));
  const headers = init?.headers === undefined ? [] : normalizeHeaders(init.headers).map(([name]) => name);
  const body = init?.body;
  return {
    method: init?.method ?? 'GET',
    url: parsed.ok ? show(parsed.url) : '<invalid URL>',
    ...(headers.length > 0 ? { headers } : {}),
    ...(body === undefined || body === null
      ? {}
      : { bytesOut: typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength }),
  };
}

/** What the audit trail records of a response: status, final URL (query values redacted), size. */
function auditResult(result: unknown, config: unknown): Record<string, unknown> {
  const response = result as ResponseData;
  let url = '<invalid URL>';
  try {
    const parsed = new URL(response.url);
    url = (config as HttpConfig).auditQueryValues ? parsed.href : displayUrl(parsed);
  } catch {
    // keep the placeholder
  }
  return { status: response.status, url, redirected: response.redirected, bytesIn: response.body.byteLength };
}

/** The http plugin with the given DNS and socket providers (the defaults: the system's, pinned). */
export function createHttpPlugin(deps: HttpDeps = {}) {
  const lookup = deps.lookup ?? systemLookup;
  const connect = deps.connect ?? pinnedConnector();
  return definePlugin({
    name: 'http',
    description:
      'An allow-listed fetch(url, init): only requests matching an allow rule ("METHOD pattern", URLPattern syntax) and ' +
      'no deny rule are sent; private and loopback addresses are refused unless a rule names the address; every ' +
      'redirect is checked again; request and response sizes and time are bounded; secrets are added to headers ' +
      'by the runtime and never shown to the script.',
    config: Config,
    methods: {
      fetch: {
        description:
          'fetch(url, { method, headers, body, redirect }) resolving to { ok, status, statusText, url, redirected, ' +
          'headers.get(name), text(), json(), bytes(), arrayBuffer() }. body is a string or a Uint8Array ' +
          '(JSON.stringify objects yourself); redirect is "follow" (default), "manual" or "error".',
        args: z.tuple([
          z
            .string()
            .max(MAX_URL_LENGTH)
            .meta({ title: 'url', description: 'an absolute http(s) URL that an allow rule matches' }),
          Init,
        ]),
        returns: ResponseData,
        present: presentResponse,
        returnsType: RESPONSE_TYPE,
        audit: { args: auditArgs, result: auditResult },
      },
    },
    call: 'fetch',
    check: (config) => configIssues(config),
    secrets: secretNames,
    explain: explainConfig,
    create(config, ctx) {
      // check() reports these when the policy loads; refuse here too rather than guess.
      for (const issue of configIssues(config)) {
        throw new TypeError(`http: ${issue.path.join('.')}: ${issue.message}`);
      }
      const used = secretNames(config);
      const secretValues = Object.fromEntries(
        used.map((name) => {
          const value = Object.hasOwn(ctx.secrets, name) ? ctx.secrets[name] : undefined;
          if (value === undefined)
            throw new TypeError(`http: the secret ${name} is not available to ${ctx.capability}`);
          return [name, value];
        }),
      );
      const settings: ClientSettings = Object.freeze({
        allow: parseRules(config.allow, 'allow').rules,
        deny: parseRules(config.deny, 'deny').rules,
        lookup,
        connect,
        injections: injections(config, secretValues),
        redactor: makeRedactor(Object.values(secretValues)),
        maxResponseBytes: config.maxResponseBytes,
        maxRedirects: config.maxRedirects,
        timeoutMs: config.timeoutMs,
      });

      const fetch: CheckedMethod<[string, GuestInit?], ResponseData, HttpGrant> = {
        async authorize(input, init) {
          const parsed = parseUrl(input);
          if (!parsed.ok) {
            if (parsed.invalid) throw new PluginError('E_INVALID_ARGUMENT', parsed.reason);
            return deny(parsed.reason, 'url');
          }
          const method: Method = init?.method ?? 'GET';
          let headers = normalizeHeaders(init?.headers);
          for (const [name] of headers) {
            const why = forbiddenHeader(name);
            if (why !== undefined)
              return deny(`the script may not set the ${name} header: ${why}`, 'headers');
          }
          let body: Uint8Array | undefined;
          if (init?.body !== undefined && init.body !== null) {
            if (method === 'GET' || method === 'HEAD') {
              throw new PluginError('E_INVALID_ARGUMENT', `a ${method} request cannot have a body`);
            }
            body = typeof init.body === 'string' ? new Uint8Array(Buffer.from(init.body, 'utf8')) : init.body;
            if (typeof init.body === 'string' && getHeader(headers, 'content-type') === undefined) {
              headers = [...headers, ['content-type', 'text/plain;charset=UTF-8']];
            }
            if (body.byteLength > config.maxRequestBytes) {
              return deny(
                `the body is ${body.byteLength} bytes, over maxRequestBytes (${config.maxRequestBytes})`,
                'maxRequestBytes',
              );
            }
          }
          // DNS is part of the decision; bound it by the call's own time limit.
          const { signal, clear } = deadline(config.timeoutMs, `${displayUrl(parsed.url)}: no DNS answer`);
          try {
            const decision = await decideHop(settings, method, parsed.url, signal);
            if (!decision.allow) return decision;
            return allow(decision.rule, {
              hop: decision.grant,
              request: { headers, body, redirect: init?.redirect ?? 'follow' },
            });
          } finally {
            clear();
          }
        },
        invoke: (grant) => perform(settings, grant.hop, grant.request),
      };
      return { fetch };
    },
  });
}

export default createHttpPlugin();
