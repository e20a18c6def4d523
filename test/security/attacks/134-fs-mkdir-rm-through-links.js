// attack: mkdir and rm through the symlinks the fixture plants (link-up -> .., link-slash -> /, out/link-canary-dir -> the canary directory, link-secret-dir -> the secret directory, the dangling out/link-canary-file): recursive mkdir below them, rm and rm -r below and at them, and re-creating a real directory where a link was
// source: CVE-2021-32804 and CVE-2021-37701 (node-tar: writes through planted symlinks); denoland/deno#2318 (symlink escapes a permission allow-list); CWE-59
// needs: fs
// category: capability
// expect: blocked (E_DENIED) - links are never followed for mkdir/rm; rm of a link removes only the link; no file appears or disappears outside out/
const ID = '134-fs-mkdir-rm-through-links';
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
for (const [label, call] of [
  ['mkdir link-up/pwned', () => fs.mkdir('link-up/pwned-' + ID)],
  ['mkdir -p link-slash/tmp/sesame-canary/<id>', () => fs.mkdir('link-slash/tmp/sesame-canary/' + ID, { recursive: true })],
  ['mkdir -p out/link-canary-dir/<id>/deeper', () => fs.mkdir('out/link-canary-dir/' + ID + '/deeper', { recursive: true })],
  ['mkdir -p out/link-canary-file/x', () => fs.mkdir('out/link-canary-file/x', { recursive: true })],
  ['mkdir -p out/link-up-again/../../link-up/x', () => fs.mkdir('out/a/../../link-up/x', { recursive: true })],
  ['rm link-up/victim.txt', () => fs.rm('link-up/victim.txt')],
  ['rm -r link-secret-dir', () => fs.rm('link-secret-dir', { recursive: true })],
  ['rm link-secret-dir/secret.txt', () => fs.rm('link-secret-dir/secret.txt', { force: true })],
  ['rm -r link-slash/tmp/sesame-secret', () => fs.rm('link-slash/tmp/sesame-secret', { recursive: true, force: true })],
  ['rm -r link-up', () => fs.rm('link-up', { recursive: true })],
  ['rm out/link-canary-dir/anything', () => fs.rm('out/link-canary-dir/' + ID, { force: true })],
  ['rm -r out/link-canary-dir (the link itself)', () => fs.rm('out/link-canary-dir', { recursive: true })],
  ['mkdir out/link-canary-dir as a real directory now', () => fs.mkdir('out/link-canary-dir')],
  ['write into the new real directory', () => fs.writeFile('out/link-canary-dir/' + ID, 'inside the root')],
  ['rm the dangling link out/link-canary-file', () => fs.rm('out/link-canary-file')],
  ['write where the dangling link was', () => fs.writeFile('out/link-canary-file', 'inside the root')],
]) await attempt(label, call);
await attempt('readdir out', () => fs.readdir('out'));
return { blocked: out };
