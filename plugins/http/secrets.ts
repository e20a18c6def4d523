// Secrets in header templates ("Bearer ${GITHUB_TOKEN}"), and their removal from responses.
//
// The plugin gets the values of the secrets its config names (ctx.secrets) and puts them only
// into the headers of requests whose URL matches the template's `match` rule. A value never goes
// into a result or a message: a response that echoes one back (an echo endpoint, an error page
// quoting the request) has it replaced before the script sees it. The runtime scrubs secret
// values from everything leaving the sandbox as well; this is the plugin's own line, which also
// catches the common encodings of a value that a plain string search would miss.
import { Buffer } from 'node:buffer';

export {
  expandTemplate,
  parseTemplate,
  SECRET_NAME,
  type TemplatePart,
  templateSecrets,
} from 'sesame/plugin';
export const REDACTED = '[REDACTED]';

/** Replace secret values (and their JSON-, URL- and form-encoded forms) in response data. */
export interface Redactor {
  readonly active: boolean;
  text(s: string): string;
  bytes(b: Uint8Array<ArrayBuffer>): Uint8Array<ArrayBuffer>;
}

export function makeRedactor(values: Iterable<string>): Redactor {
  const forms = new Set<string>();
  for (const value of values) {
    if (value === '') continue;
    forms.add(value);
    forms.add(JSON.stringify(value).slice(1, -1)); // as a JSON string echoes it
    forms.add(encodeURIComponent(value)); // as a client encodes a query value
    forms.add(new URLSearchParams({ v: value }).toString().slice(2)); // as a form body
    // As the WHATWG parser leaves it in a URL (a Location that echoes it, say): it encodes less.
    if (!value.includes('#')) forms.add(new URL(`http://x/?${value}`).search.slice(1));
  }
  // Longest first, so a value that contains another is replaced whole.
  const ordered = [...forms].sort((a, b) => b.length - a.length);
  const needles = ordered.map((f) => Buffer.from(f, 'utf8'));
  const replacement = Buffer.from(REDACTED, 'utf8');
  return Object.freeze({
    active: ordered.length > 0,
    text(s: string): string {
      let out = s;
      for (const form of ordered) if (out.includes(form)) out = out.split(form).join(REDACTED);
      return out;
    },
    bytes(b: Uint8Array<ArrayBuffer>): Uint8Array<ArrayBuffer> {
      let buf = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
      let changed = false;
      for (const needle of needles) {
        let at = buf.indexOf(needle);
        if (at === -1) continue;
        const pieces: Buffer[] = [];
        let from = 0;
        while (at !== -1) {
          pieces.push(buf.subarray(from, at), replacement);
          from = at + needle.length;
          at = buf.indexOf(needle, from);
        }
        pieces.push(buf.subarray(from));
        buf = Buffer.concat(pieces);
        changed = true;
      }
      // A copy: Buffer.concat may hand out a slice of a shared pool.
      return changed ? new Uint8Array(buf) : b;
    },
  });
}
