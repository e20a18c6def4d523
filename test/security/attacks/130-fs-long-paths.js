// attack: very long paths: a path at the schema's 4096-char bound, one over it, a megabyte string, long lexical climbs that come back (a/ x600 then ../ x601), ./ x2000 prefixes, 255- and 256-byte names, sub/../ x500 before a symlink, link-up/ repeated; each aimed at the secret, data.txt and victim.txt
// source: CWE-22 with length tricks (PATH_MAX/NAME_MAX truncation bugs, e.g. CVE-2005-1107-style truncation); classic 'long path truncates the suffix check'
// needs: fs
// category: capability
// expect: blocked (schema E_INVALID_ARGUMENT, E_DENIED, ENAMETOOLONG) - messages stay bounded and nothing outside out/ is touched
const ID = '130-fs-long-paths';
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
const tail = 'tmp/sesame-secret/secret.txt';
await attempt('path of 4096 chars', () => fs.writeFile('out/' + 'a'.repeat(4092), 'x'));
await attempt('path of 4097 chars', () => fs.writeFile('out/' + 'a'.repeat(4093), 'x'));
await attempt('path of 1 MiB', () => fs.readFile('a'.repeat(1 << 20), 'utf8'));
await attempt('climb that comes back (a/ x600 ../ x601)', () => fs.readFile('a/'.repeat(600) + '../'.repeat(601) + tail, 'utf8'));
await attempt('climb that ends at data.txt', () => fs.writeFile('out/' + 'x/'.repeat(600) + '../'.repeat(601) + 'data.txt', 'overwritten'));
await attempt('climb one too far', () => fs.writeFile('out/' + 'x/'.repeat(600) + '../'.repeat(602) + 'victim.txt', 'overwritten'));
await attempt('./ x2000 prefix', () => fs.readFile('./'.repeat(2000) + 'data.txt', 'utf8'));
await attempt('./ x2000 then ..', () => fs.readFile('./'.repeat(1000) + '../' + tail, 'utf8'));
await attempt('255-byte name', () => fs.writeFile('out/' + 'n'.repeat(255), 'x'));
await attempt('256-byte name (NAME_MAX+1)', () => fs.writeFile('out/' + 'n'.repeat(256), 'x'));
await attempt('255 x 3-byte chars (765 bytes)', () => fs.writeFile('out/' + '\u4e2d'.repeat(255), 'x'));
await attempt('sub/../ x500 then link-secret.txt', () => fs.readFile('sub/../'.repeat(500) + 'link-secret.txt', 'utf8'));
await attempt('link-up/ x100', () => fs.readFile('link-up/'.repeat(100) + 'victim.txt', 'utf8'));
await attempt('out/link-canary-dir/ + long name', () => fs.writeFile('out/link-canary-dir/' + ID + 'x'.repeat(200), 'x'));
const longest = out.reduce((m, o) => Math.max(m, String(o.error || '').length), 0);
return { blocked: out, longestMessage: longest };
