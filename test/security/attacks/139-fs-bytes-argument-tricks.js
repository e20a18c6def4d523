// attack: binary data that is not what it claims: Uint8Array subclasses, views with lying own byteLength/length/buffer/byteOffset, views into larger buffers, DataView/Int8Array/Uint8ClampedArray, Buffer-shaped JSON, a Uint8Array whose prototype was swapped, a detached (transferred) buffer, a length-tracking view over a resizable buffer, and a view of more than 64 MiB; the written files are stat'ed back
// source: CVE-2023-46809-style confusion over typed-array lengths; vm2 GHSA-cchq-frgv-rjh5 family (host code trusting guest object shapes); ECMA-262 TypedArray internal slots vs own properties
// needs: fs
// category: capability
// expect: contained - the membrane copies bytes from internal slots (or refuses); only out/ receives files of the real view's size
const ID = '139-fs-bytes-argument-tricks';
const UP = '../'.repeat(16);
const msg = (e) => { try { return String((e && e.message) || e).slice(0, 160); } catch (_) { return 'unprintable'; } };
const shown = (v) => {
  if (typeof v === 'string') return v.slice(0, 200);
  if (v === undefined) return null;
  if (ArrayBuffer.isView(v)) return '<' + v.byteLength + ' bytes>';
  if (Array.isArray(v) && v.length > 40) v = v.slice(0, 40).concat(['... ' + (v.length - 40) + ' more']);
  try { return JSON.parse(JSON.stringify(v, (k, x) => (typeof x === 'string' ? x.slice(0, 200) : x))) ?? null; } catch (e) { return typeof v; }
};
const out = [];
const attempt = async (label, thunk) => {
  try { const v = await thunk(); if (out.length < 120) out.push({ label, ok: true, value: shown(v) }); return v; }
  catch (e) { if (out.length < 120) out.push({ label, ok: false, error: msg(e) }); return undefined; }
};
const exfil = (p) => 'http://127.0.0.1:' + input.exfilPort + '/' + ID + (p || '');
const allowed = (p) => 'http://127.0.0.1:' + input.allowedPort + '/allowed/' + (p || '');
const show = async (r) => ({ status: r.status, body: String(await r.text()).slice(0, 200) });
const lie = (props) => { const v = new Uint8Array([1, 2, 3, 4]); for (const [k, x] of Object.entries(props)) Object.defineProperty(v, k, { value: x }); return v; };
const big = new Uint8Array(new ArrayBuffer(64), 8, 4);
const detached = (() => { const b = new ArrayBuffer(8); const v = new Uint8Array(b); try { b.transfer(); } catch (e) { out.push({ label: 'transfer', ok: false, error: msg(e) }); } return v; })();
const tracking = (() => { try { const b = new ArrayBuffer(4, { maxByteLength: 1 << 16 }); const v = new Uint8Array(b); b.resize(1024); return v; } catch (e) { return new Uint8Array(1); } })();
const swapped = Object.setPrototypeOf(new Uint8Array([9, 9]), Object.prototype);
const cases = [
  ['subclass', new (class Sub extends Uint8Array {})([1, 2])],
  ['lying byteLength', lie({ byteLength: 1e9 })],
  ['lying length', lie({ length: 1e9 })],
  ['lying buffer', lie({ buffer: new ArrayBuffer(1 << 20) })],
  ['lying byteOffset', lie({ byteOffset: 1e6 })],
  ['view into a larger buffer', big],
  ['DataView', new DataView(new ArrayBuffer(8))],
  ['Int8Array', new Int8Array([-1, 2])],
  ['Uint8ClampedArray', new Uint8ClampedArray([300])],
  ['Buffer-shaped JSON', { type: 'Buffer', data: [1, 2, 3] }],
  ['array of numbers', [1, 2, 3]],
  ['prototype swapped to Object.prototype', swapped],
  ['prototype null', Object.setPrototypeOf(new Uint8Array(2), null)],
  ['detached buffer', detached],
  ['length-tracking resizable view', tracking],
];
for (const [label, data] of cases) {
  const name = 'out/bytes-' + label.replace(/[^a-z]+/gi, '-');
  await attempt('write ' + label, () => fs.writeFile(name, data).then(() => fs.stat(name)).then((s) => ({ size: s.size })));
}
await attempt('write 64 MiB + 1 view', () => fs.writeFile('out/huge.bin', new Uint8Array((64 << 20) + 1)));
await attempt('write 10 MiB + 1 (over maxFileBytes)', () => fs.writeFile('out/over.bin', new Uint8Array((10 << 20) + 1)));
return { blocked: out };
