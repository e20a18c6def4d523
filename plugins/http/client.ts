// One fetch() call: the first hop as authorize decided it, then each redirect decided afresh
// (rules and addresses, as if the script had asked for it), under one deadline for the whole
// call. Secrets go only into hops whose URL matches their header rule, and never come back.
import { PluginError } from 'sesame/plugin';
import { decideHop, type Hop, type RuleSet } from './decide.ts';
import {
  BODY_HEADERS,
  CREDENTIAL_HEADERS,
  getHeader,
  type HeaderList,
  setHeader,
  withoutHeaders,
} from './headers.ts';
import type { ResponseData } from './response.ts';
import { patternMatches, type Rule } from './rules.ts';
import type { Redactor } from './secrets.ts';
import { type Connector, exchange, isDecoded } from './transport.ts';
import { parseUrl, sameOrigin } from './url.ts';

/** A header rule from the policy, its values already filled in with secrets. */
export interface Injection {
  readonly match: Rule;
  readonly set: HeaderList;
}

export interface ClientSettings extends RuleSet {
  readonly connect: Connector;
  readonly injections: readonly Injection[];
  readonly redactor: Redactor;
  readonly maxResponseBytes: number;
  readonly maxRedirects: number;
  readonly timeoutMs: number;
}

/** What the script asked for, checked by authorize. */
export interface CheckedRequest {
  readonly headers: HeaderList;
  readonly body: Uint8Array | undefined;
  readonly redirect: 'follow' | 'manual' | 'error';
}

const REDIRECTS: ReadonlySet<number> = new Set([301, 302, 303, 307, 308]);
const USER_AGENT = 'sesame-http';

/** A signal that aborts with ETIMEDOUT after `timeoutMs`; `what` says what did not happen in time. */
export function deadline(timeoutMs: number, what: string): { signal: AbortSignal; clear(): void } {
  const controller = new AbortController();
  const timer = setTimeout(
    () => controller.abort(new PluginError('ETIMEDOUT', `${what} within timeoutMs (${timeoutMs} ms)`)),
    timeoutMs,
  );
  return { signal: controller.signal, clear: () => clearTimeout(timer) };
}

/** Everything sent on one hop: Host of the checked URL first, the script's headers, then the policy's. */
function headersFor(
  settings: ClientSettings,
  hop: Hop,
  request: CheckedRequest,
  body: Uint8Array | undefined,
): HeaderList {
  let list: HeaderList = [['host', hop.url.host], ...request.headers];
  if (getHeader(list, 'accept') === undefined) list.push(['accept', '*/*']);
  if (getHeader(list, 'user-agent') === undefined) list.push(['user-agent', USER_AGENT]);
  list.push(['accept-encoding', 'identity'], ['connection', 'close']); // one request per connection
  if (body !== undefined) list.push(['content-length', String(body.byteLength)]);
  else if (hop.method === 'POST' || hop.method === 'PUT' || hop.method === 'PATCH')
    list.push(['content-length', '0']);
  for (const injection of settings.injections) {
    if (!injection.match.methods.has(hop.method) || !patternMatches(injection.match, hop.url)) continue;
    for (const [name, value] of injection.set) list = setHeader(list, name, value);
  }
  return list;
}

function redirectError(hop: Hop, message: string): PluginError {
  return new PluginError('E_REDIRECT', `${hop.shown}: ${message}`);
}

/** Perform the call. `first` is authorize's decision; the result is plain data for the membrane. */
export async function perform(
  settings: ClientSettings,
  first: Hop,
  request: CheckedRequest,
): Promise<ResponseData> {
  // One deadline for the whole call: every hop, every DNS answer and the whole body.
  const { signal, clear } = deadline(settings.timeoutMs, `no complete response from ${first.shown}`);
  try {
    let hop = first;
    let req = request;
    let body = request.body;
    for (let redirects = 0; ; redirects++) {
      const head = await exchange(
        {
          url: hop.url,
          method: hop.method,
          headers: headersFor(settings, hop, req, body),
          body,
          target: hop.target,
        },
        settings.connect,
        signal,
        hop.shown,
      );
      const location = getHeader(head.headers, 'location');
      if (!REDIRECTS.has(head.status) || location === undefined || req.redirect === 'manual') {
        const raw = await head.read(settings.maxResponseBytes);
        return respond(settings, hop, head, raw, redirects > 0);
      }
      head.discard();
      if (req.redirect === 'error')
        throw redirectError(hop, `redirected (${head.status}) and redirect is "error"`);
      if (redirects >= settings.maxRedirects) {
        throw redirectError(hop, `more than maxRedirects (${settings.maxRedirects}) redirects`);
      }
      const next = parseUrl(location, hop.url);
      if (!next.ok) throw redirectError(hop, `redirected to a URL that is refused: ${next.reason}`);
      // A Location that echoes a secret would carry it to wherever it points.
      if (settings.redactor.text(next.url.href) !== next.url.href) {
        throw new PluginError('E_DENIED', `${hop.shown}: redirected to a URL that carries a secret`);
      }
      // fetch's rules: 303 becomes GET, and so do 301/302 after a POST; the body goes with it.
      const toGet =
        (head.status === 303 && hop.method !== 'GET' && hop.method !== 'HEAD') ||
        ((head.status === 301 || head.status === 302) && hop.method === 'POST');
      let headers = req.headers;
      if (toGet) {
        body = undefined;
        headers = withoutHeaders(headers, BODY_HEADERS);
      }
      // The script's credentials were meant for the origin it named, not for where it was sent.
      if (!sameOrigin(hop.url, next.url)) headers = withoutHeaders(headers, CREDENTIAL_HEADERS);
      req = { ...req, headers };
      const decision = await decideHop(settings, toGet ? 'GET' : hop.method, next.url, signal);
      if (!decision.allow) {
        throw new PluginError(
          'E_DENIED',
          `the redirect (${head.status}) from ${hop.shown} was denied: ${decision.reason}${
            decision.rule === undefined ? '' : ` (rule: ${decision.rule})`
          }`,
        );
      }
      hop = decision.grant;
    }
  } finally {
    clear();
  }
}

function respond(
  settings: ClientSettings,
  hop: Hop,
  head: { status: number; statusText: string; headers: HeaderList },
  raw: Uint8Array<ArrayBuffer>,
  redirected: boolean,
): ResponseData {
  const { redactor } = settings;
  // A decompressed body no longer has the length or coding its headers describe.
  const headers = isDecoded(head.headers)
    ? head.headers.filter(([n]) => n !== 'content-encoding' && n !== 'content-length')
    : head.headers;
  const body = redactor.active ? redactor.bytes(raw) : raw;
  return {
    ok: head.status >= 200 && head.status <= 299,
    status: head.status,
    statusText: redactor.text(head.statusText),
    url: redactor.text(hop.url.href),
    redirected,
    headers: headers.map(([n, v]): [string, string] => [redactor.text(n), redactor.text(v)]),
    body,
  };
}
