// attack: turn an allowed GET into something else without CR/LF: lower-case and padded methods, HEAD/OPTIONS/TRACE/CONNECT, X-HTTP-Method-Override and X-Method-Override headers, a forged Host, Transfer-Encoding + Content-Length on a GET with a body, obs-fold and NUL in values, non-Latin-1 values, duplicate headers as pairs, Connection naming an injected header, Upgrade/Expect, and more headers and bytes than any server accepts
// source: PortSwigger 'HTTP request smuggling' (CL.TE/TE.CL); RFC 9110 §9 (methods) and the X-HTTP-Method-Override convention (OWASP REST Security Cheat Sheet); CVE-2022-35948 / CVE-2023-23936 (undici header validation)
// needs: fetch
// category: capability
// expect: blocked (E_DENIED/TypeError (refused at policy load while no http plugin is registered)) - the allowed server sees only plain GETs with its own Host and no injected header
const ID = '143-fetch-header-method-smuggling';
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
const u = (p) => allowed('hdr/' + p);
for (const [label, init] of [
  ['method get', { method: 'get' }],
  ['method GET+space', { method: 'GET ' }],
  ['method HEAD', { method: 'HEAD' }],
  ['method OPTIONS', { method: 'OPTIONS' }],
  ['method TRACE', { method: 'TRACE' }],
  ['method CONNECT', { method: 'CONNECT' }],
  ['X-HTTP-Method-Override: POST', { headers: { 'X-HTTP-Method-Override': 'POST' } }],
  ['X-Method-Override: DELETE', { headers: { 'x-method-override': 'DELETE' } }],
  ['forged Host', { headers: { host: 'admin.internal' } }],
  ['TE + CL on GET with body', { headers: { 'transfer-encoding': 'chunked', 'content-length': '4' }, body: '0\r\n\r\nGET /admin/smuggled HTTP/1.1\r\n\r\n' }],
  ['obs-fold value', { headers: { 'x-test': 'ok\r\n x-smuggled: fold' } }],
  ['NUL in value', { headers: { 'x-test': 'ok\u0000x-smuggled' } }],
  ['non-Latin-1 value', { headers: { 'x-test': '\u0130\u010d\u010ax-smuggled: yes' } }],
  ['duplicate pairs', { headers: [['x-a', '1'], ['X-A', '2'], ['host', 'evil']] }],
  ['Connection names a header', { headers: { connection: 'close, x-injected', 'x-injected': 'hop-by-hop' } }],
  ['Upgrade', { headers: { connection: 'upgrade', upgrade: 'websocket' } }],
  ['Expect 100-continue', { headers: { expect: '100-continue' } }],
  ['101 headers', { headers: Object.fromEntries(Array.from({ length: 101 }, (_, i) => ['x-h' + i, 'v'])) }],
  ['64 KiB header', { headers: { 'x-big': 'a'.repeat(65536) } }],
]) await attempt(label, () => fetch(u(label.replace(/[^a-z0-9]+/gi, '-')), init).then(show));
return { blocked: out };
