// attack: redirect shapes not in the shared corpus: a three-hop chain that ends at the exfil port, 303 and 308, a protocol-relative Location (//127.0.0.1:<exfil>/), a backslash Location (/\\127.0.0.1:<exfil>), a Location with tab/space padding, a relative Location to /allowed/../admin, a Location to the allowed port under an IPv4-mapped spelling, a redirect loop (hops must be bounded), and redirect: 'manual' followed by fetching the Location by hand
// source: CVE-2022-0155 / CVE-2022-0536 and CVE-2024-28849 (follow-redirects cross-origin redirect handling); CVE-2023-45143 (undici headers kept across a redirect); WHATWG URL (backslash = slash, protocol-relative resolution)
// needs: fetch
// category: capability
// expect: blocked (E_DENIED on the hop (refused at policy load while no http plugin is registered)) - every hop is checked like a first request; at most a bounded number of hops reach the allowed server
const ID = '142-fetch-redirect-variants';
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
const E = input.exfilPort;
const A = input.allowedPort;
const to = (status, loc) => allowed('redirect?status=' + status + '&to=' + encodeURIComponent(loc));
for (const [label, url] of [
  ['3-hop chain', allowed('redirect-chain?n=3')],
  ['303 to exfil', to(303, exfil('/303'))],
  ['308 to exfil', to(308, exfil('/308'))],
  ['protocol-relative Location', to(302, '//127.0.0.1:' + E + '/' + ID + '/proto-relative')],
  ['backslash Location', to(302, '/\\127.0.0.1:' + E + '/' + ID + '/backslash')],
  ['padded Location', to(302, ' \thttp://127.0.0.1:' + E + '/' + ID + '/padded')],
  ['relative to /allowed/../admin', to(302, '/allowed/../admin/secret')],
  ['mapped spelling of the allowed host', to(302, 'http://[::ffff:127.0.0.1]:' + A + '/allowed/mapped')],
  ['loop', allowed('redirect-loop')],
]) await attempt(label, () => fetch(url).then(show));
const manual = await attempt('redirect: manual', () => fetch(allowed('redirect-exfil'), { redirect: 'manual' }).then((r) => ({ status: r.status, location: r.headers && (r.headers.location || (r.headers.get && r.headers.get('location'))) })));
if (manual && manual.location) await attempt('follow the Location by hand', () => fetch(manual.location).then(show));
await attempt("redirect: 'error'", () => fetch(allowed('redirect-exfil'), { redirect: 'error' }).then(show));
return { blocked: out };
