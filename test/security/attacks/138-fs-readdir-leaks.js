// attack: list directories outside the root (so the secret's marker-named file would show up in the listing): the secret directory through link-secret-dir in five spellings, link-slash/tmp/sesame-secret, the canary directory through out/link-canary-dir, .., the root's parent through link-up, absolute and traversal forms, and readdir with extra options (withFileTypes, recursive)
// source: CWE-548 (directory listing exposure); denoland/deno#2318 and nodejs/node#49154 (listing through symlinks past a permission boundary)
// needs: fs
// category: capability
// expect: blocked (E_DENIED) - only names inside the root that the read globs allow are ever listed
const ID = '138-fs-readdir-leaks';
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
const dirs = ['.', '', './', 'sub/..', 'out', 'out/link-canary-dir', 'out/link-canary-dir/', 'link-secret-dir', 'link-secret-dir/', 'link-secret-dir/.', 'sub/../link-secret-dir', './link-secret-dir//',
  'link-up', 'link-up/.', 'link-slash', 'link-slash/tmp/sesame-secret', 'link-slash/tmp', '..', UP + 'tmp/sesame-secret', '/tmp/sesame-secret', 'out/..', 'out/../..', 'link-secret.txt'];
const listed = {};
for (const d of dirs) { const v = await attempt('readdir ' + JSON.stringify(d), () => fs.readdir(d)); if (v) listed[d] = v.slice(0, 30); }
await attempt('readdir withFileTypes', () => fs.readdir('link-secret-dir', { withFileTypes: true }));
await attempt('readdir recursive', () => fs.readdir('.', { recursive: true }));
return { blocked: out, listed };
