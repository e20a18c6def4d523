// Request headers: what a script may set, in what characters, and what it may not set at all.
//
// Characters are checked before anything reaches node:http, so a CR, LF or NUL can never split a
// request or smuggle a header (undici CVE-2022-31150, CVE-2023-23936) and a character above
// U+00FF can never be truncated into one on the wire (Node CVE-2018-12116). Headers that decide
// how the request is framed, routed or re-interpreted belong to the plugin, not to the script.

/** RFC 9110 token: header names and methods. */
export const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** RFC 9110 field value: visible ASCII, space, tab and obs-text (bytes 0x80-0xFF). No CR, LF, NUL. */
export const FIELD_VALUE = /^[\t\u0020-\u007e\u0080-\u00ff]*$/;

export const MAX_HEADER_NAME = 256;
export const MAX_HEADER_VALUE = 8192;
export const MAX_HEADERS = 100;

// Why each header is the plugin's to set. Names are lower case.
const FORBIDDEN: ReadonlyMap<string, string> = new Map([
  // Framing and connection management: the plugin frames the request it sends.
  ['host', 'the plugin sends the Host of the URL that was checked'],
  ['content-length', 'the plugin frames the body'],
  ['transfer-encoding', 'the plugin frames the body'],
  ['te', 'hop-by-hop'],
  ['trailer', 'hop-by-hop'],
  ['connection', 'hop-by-hop'],
  ['keep-alive', 'hop-by-hop'],
  ['upgrade', 'hop-by-hop; protocol switches are not supported'],
  ['proxy-connection', 'hop-by-hop'],
  ['proxy-authorization', 'meant for a proxy, and no proxy is used'],
  ['expect', 'the plugin does not wait for 100-continue'],
  ['http2-settings', 'hop-by-hop'],
  // The plugin asks for an uncompressed body so its size limit counts real bytes.
  ['accept-encoding', 'the plugin asks for an uncompressed response'],
  // Headers that make frameworks and proxies use another method or path than the one checked.
  ['x-http-method-override', 'it overrides the method the rules checked'],
  ['x-http-method', 'it overrides the method the rules checked'],
  ['x-method-override', 'it overrides the method the rules checked'],
  ['x-original-url', 'it overrides the path the rules checked'],
  ['x-rewrite-url', 'it overrides the path the rules checked'],
  ['x-original-uri', 'it overrides the path the rules checked'],
  // Headers that claim to come from a proxy in front of the server.
  ['forwarded', 'it claims to come from a proxy'],
  ['x-real-ip', 'it claims to come from a proxy'],
  ['x-client-ip', 'it claims to come from a proxy'],
  ['true-client-ip', 'it claims to come from a proxy'],
  ['cf-connecting-ip', 'it claims to come from a proxy'],
]);

/** Why the script may not set this header, or undefined if it may. `name` is lower case. */
export function forbiddenHeader(name: string): string | undefined {
  const reason = FORBIDDEN.get(name);
  if (reason !== undefined) return reason;
  if (name.startsWith('x-forwarded-')) return 'it claims to come from a proxy';
  if (name.startsWith('proxy-')) return 'meant for a proxy, and no proxy is used';
  if (name.startsWith('sec-')) return 'reserved for user agents';
  return undefined;
}

/** Header fields in order, names lower case, values trimmed of surrounding whitespace. */
export type HeaderList = [name: string, value: string][];

/**
 * The script's headers (a plain object or a list of pairs, already checked character by
 * character by the argument schema) as one list; repeated names are joined with ", " as
 * WHATWG Headers does.
 */
export function normalizeHeaders(input: Record<string, string> | [string, string][] | undefined): HeaderList {
  const pairs = input === undefined ? [] : Array.isArray(input) ? input : Object.entries(input);
  const merged = new Map<string, string>();
  for (const [rawName, rawValue] of pairs) {
    const name = rawName.toLowerCase();
    const value = rawValue.replace(/^[\t ]+|[\t ]+$/g, '');
    const before = merged.get(name);
    merged.set(name, before === undefined ? value : `${before}, ${value}`);
  }
  return [...merged];
}

export const getHeader = (list: HeaderList, name: string): string | undefined =>
  list.find(([n]) => n === name)?.[1];

/** `list` with `name` set to `value` (replacing any earlier value). */
export function setHeader(list: HeaderList, name: string, value: string): HeaderList {
  return [...list.filter(([n]) => n !== name), [name, value]];
}

export const withoutHeaders = (list: HeaderList, names: ReadonlySet<string>): HeaderList =>
  list.filter(([n]) => !names.has(n));

/** Sent to another origin after a redirect, these would hand the script's credentials to it. */
export const CREDENTIAL_HEADERS: ReadonlySet<string> = new Set(['authorization', 'cookie']);
/** Dropped when a redirect turns the request into a GET without a body (fetch spec). */
export const BODY_HEADERS: ReadonlySet<string> = new Set([
  'content-type',
  'content-encoding',
  'content-language',
  'content-location',
]);
