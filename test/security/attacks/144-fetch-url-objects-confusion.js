// attack: URL inputs that are not plain strings or that a rule and a server read differently: URL-like objects with href/toString, Request-like {url, method}, String objects, arrays; a path without the trailing slash (/allowed), upper-case /ALLOWED/, a double-slash //allowed/, encoded slashes and dots after /allowed/, a backslash path, a fragment holding ../, userinfo, a leading-zero port, port 65536, and an over-long URL
// source: Orange Tsai, 'A New Era of SSRF' (Black Hat USA 2017); CVE-2022-35949 (undici: path starting with // changes the origin); WHATWG URL and URLPattern (case and slash handling)
// needs: fetch
// category: capability
// expect: blocked (E_DENIED/TypeError (refused at policy load while no http plugin is registered)) - only string URLs whose normalised path is under /allowed/ on the allowed origin are fetched
const ID = '144-fetch-url-objects-confusion';
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
const A = '127.0.0.1:' + input.allowedPort;
const good = allowed('objects');
for (const [label, arg] of [
  ['URL-like object', { href: good, toString() { return good; } }],
  ['Request-like with method', { url: good, method: 'POST' }],
  ['String object', Object(good)],
  ['array', [good]],
  ['no trailing slash /allowed', 'http://' + A + '/allowed'],
  ['upper-case /ALLOWED/', 'http://' + A + '/ALLOWED/x'],
  ['double slash //allowed/', 'http://' + A + '//allowed/x'],
  ['encoded slash ..%2f', 'http://' + A + '/allowed/..%2fadmin'],
  ['encoded dots %2e%2e%2f', 'http://' + A + '/allowed/%2e%2e%2fadmin'],
  ['backslash path', 'http://' + A + '/allowed\\..\\admin'],
  ['fragment ../', 'http://' + A + '/allowed/#/../../admin'],
  ['userinfo', 'http://user:pass@' + A + '/allowed/userinfo'],
  ['leading-zero port', 'http://127.0.0.1:0' + input.allowedPort + '/allowed/zero-port'],
  ['port 65536', 'http://127.0.0.1:65536/allowed/x'],
  ['over-long URL', allowed('x'.repeat(100000))],
  ['data: URL', 'data:text/plain,hello'],
  ['file: URL', 'file:///tmp/sesame-secret/secret.txt'],
]) await attempt(label, () => fetch(arg).then(show));
return { blocked: out };
