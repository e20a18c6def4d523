// The one way the http plugin reads a URL: the WHATWG parser, after refusing input that parsers
// read differently. Rules are matched on what this returns, requests are sent to what this
// returns, and messages show only `displayUrl` of it (query values left out).

/** The longest URL a script may pass (what common servers and CDNs accept). */
export const MAX_URL_LENGTH = 8192;

export type UrlCheck = { ok: true; url: URL } | { ok: false; reason: string; invalid: boolean };

// WHATWG parsing silently drops tab, CR and LF anywhere and trims C0 controls and spaces at the
// ends, so "http://a/ta\tb" becomes "http://a/tab": a string check and the parser would disagree.
// Refuse them instead of letting the parser decide. A space inside is unambiguous (the parser
// percent-encodes it in a path or query and refuses it in a host), so it may stay.
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this refuses
const UNSAFE_URL_CHARACTERS = /[\u0000-\u001f\u007f]|^\u0020|\u0020$/;

/** A path that, with its percent-encoding undone, climbs: `..%2f`, `%2e%2e%5c`, `..;/`. */
function ambiguousPath(pathname: string): boolean {
  let decoded = pathname;
  // Decode a few times: double encoding (%252e) is decoded twice by some server stacks.
  for (let i = 0; i < 3; i++) {
    let next: string;
    try {
      next = decodeURIComponent(decoded);
    } catch {
      next = decoded.replace(/%(2e|2f|5c|25)/gi, (m) => decodeURIComponent(m));
    }
    if (next === decoded) break;
    decoded = next;
  }
  // Backslash is a separator to some servers; `;params` after a dot segment is dropped by others
  // (Tomcat's "..;/"), so "..;x" counts as a dot segment.
  return decoded.split(/[/\\]/).some((segment) => /^\.\.?(;.*)?$/.test(segment));
}

/** Parse a URL the script wrote (or a redirect's Location, resolved against `base`). */
/** Percent-encoded unreserved characters (letters, digits, "-", "_", "~"), decoded. */
function decodeUnreserved(text: string): string {
  return text.replace(/%([0-9A-Fa-f]{2})/g, (encoded, hex: string) => {
    const c = String.fromCharCode(Number.parseInt(hex, 16));
    return /^[A-Za-z0-9_~-]$/.test(c) ? c : encoded;
  });
}

export function parseUrl(input: string, base?: URL): UrlCheck {
  if (input.length > MAX_URL_LENGTH) {
    return { ok: false, reason: `the URL is longer than ${MAX_URL_LENGTH} characters`, invalid: true };
  }
  if (UNSAFE_URL_CHARACTERS.test(input)) {
    return {
      ok: false,
      reason: 'the URL contains a control character or starts or ends with a space',
      invalid: true,
    };
  }
  let url: URL;
  try {
    url = base === undefined ? new URL(input) : new URL(input, base);
  } catch {
    return { ok: false, reason: 'the URL is not a valid absolute URL', invalid: true };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return {
      ok: false,
      reason: `the scheme ${JSON.stringify(url.protocol)} is not http or https`,
      invalid: false,
    };
  }
  if (url.username !== '' || url.password !== '') {
    // fetch() refuses them too; they would also hide which host is meant from a reader.
    return { ok: false, reason: 'URLs with credentials (user:password@) are refused', invalid: false };
  }
  if (ambiguousPath(url.pathname)) {
    return {
      ok: false,
      reason: 'the path has an encoded dot segment or separator (servers may read it as "..")',
      invalid: false,
    };
  }
  url.hash = ''; // never sent; rules never see it
  // RFC 3986 equivalence: "%73ecret" is "secret" to a server, so it is to the rules too, and the
  // request goes out with the decoded form, so what was matched is what is sent. Dots stay
  // encoded (the path check above already refuses encoded dot segments).
  url.pathname = decodeUnreserved(url.pathname);
  if (url.search !== '') url.search = decodeUnreserved(url.search);
  return { ok: true, url };
}

/**
 * A URL for messages and the audit trail: origin and path, with every query value replaced by
 * "…" (query strings carry tokens and personal data). Long paths are shortened.
 */
export function displayUrl(url: URL): string {
  const path = url.pathname.length > 200 ? `${url.pathname.slice(0, 200)}…` : url.pathname;
  let query = '';
  if (url.search !== '') {
    const keys = url.search
      .slice(1)
      .split('&')
      .slice(0, 20)
      .map((pair) => {
        const eq = pair.indexOf('=');
        const key = (eq === -1 ? pair : pair.slice(0, eq)).slice(0, 40);
        return eq === -1 ? key : `${key}=…`;
      });
    query = `?${keys.join('&')}`;
  }
  return `${url.origin}${path}${query}`;
}

/** The origin, for "same origin?" questions on redirects. */
export const sameOrigin = (a: URL, b: URL): boolean => a.origin === b.origin;
