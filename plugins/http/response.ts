// The response as it crosses the membrane (plain data), and the WHATWG-like object the guest
// gets from it. `presentResponse` runs on the trusted side after the membrane copied the data;
// every function it builds closes over that copy only, and hands out fresh copies, so nothing
// the guest does to one result changes another.
import { z } from 'sesame/plugin';

export const ResponseData = z
  .object({
    ok: z.boolean(),
    status: z.number().int().min(0).max(999),
    statusText: z.string(),
    url: z.string(),
    redirected: z.boolean(),
    /** In order as received, names lower case, repeated fields kept (set-cookie). */
    headers: z.array(z.tuple([z.string(), z.string()])),
    body: z.instanceof(Uint8Array),
  })
  .strict();
export type ResponseData = z.output<typeof ResponseData>;

/** WHATWG Headers, read-only: combined values, sorted names, set-cookie kept apart. */
function presentHeaders(list: readonly (readonly [string, string])[]) {
  const lower = (name: unknown) => String(name).toLowerCase();
  const valuesOf = (name: string) => list.filter(([n]) => n === name).map(([, v]) => v);
  const combined = () => {
    const names = [...new Set(list.map(([n]) => n))].sort();
    return names.flatMap((n): [string, string][] =>
      n === 'set-cookie' ? valuesOf(n).map((v): [string, string] => [n, v]) : [[n, valuesOf(n).join(', ')]],
    );
  };
  return Object.freeze({
    get: (name: unknown): string | null => {
      const values = valuesOf(lower(name));
      return values.length === 0 ? null : values.join(', ');
    },
    has: (name: unknown): boolean => valuesOf(lower(name)).length > 0,
    getSetCookie: (): string[] => valuesOf('set-cookie'),
    entries: () => combined()[Symbol.iterator](),
    keys: () =>
      combined()
        .map(([n]) => n)
        [Symbol.iterator](),
    values: () =>
      combined()
        .map(([, v]) => v)
        [Symbol.iterator](),
    forEach: (callback: (value: string, name: string) => void): void => {
      for (const [n, v] of combined()) callback(v, n);
    },
    [Symbol.iterator]: () => combined()[Symbol.iterator](),
  });
}

/** What presentResponse gives the guest, as TypeScript (`sesame describe`). */
export const RESPONSE_TYPE = `{
  ok: boolean;
  status: number;
  statusText: string;
  url: string;
  redirected: boolean;
  headers: {
    get(name: string): string | null;
    has(name: string): boolean;
    getSetCookie(): string[];
    entries(): IterableIterator<[string, string]>;
    keys(): IterableIterator<string>;
    values(): IterableIterator<string>;
    forEach(callback: (value: string, name: string) => void): void;
    [Symbol.iterator](): IterableIterator<[string, string]>;
  };
  text(): Promise<string>;
  json(): Promise<any>;
  bytes(): Promise<Uint8Array>;
  arrayBuffer(): Promise<ArrayBuffer>;
}`;

/** The guest's response: ok, status, statusText, url, redirected, headers, text(), json(), bytes(), arrayBuffer(). */
export function presentResponse(result: unknown) {
  // The SDK types present's input as unknown; the membrane validated it against ResponseData.
  // The functional parse goes by the schema's own internals, not by prototype methods plugins share.
  const r = z.parse(ResponseData, result);
  const body = r.body;
  const text = () => new TextDecoder('utf-8').decode(body);
  const response = Object.freeze({
    type: 'basic',
    ok: r.ok,
    status: r.status,
    statusText: r.statusText,
    url: r.url,
    redirected: r.redirected,
    bodyUsed: false,
    headers: presentHeaders(r.headers),
    text: (): Promise<string> => Promise.resolve().then(text),
    json: (): Promise<unknown> => Promise.resolve().then(() => JSON.parse(text()) as unknown),
    bytes: (): Promise<Uint8Array> => Promise.resolve(new Uint8Array(body)),
    arrayBuffer: (): Promise<ArrayBuffer> => Promise.resolve(new Uint8Array(body).buffer),
    // The body can be read any number of times, so a clone is the response itself.
    clone: () => response,
  });
  return response;
}
