// attack: trailing slashes and dot segments where POSIX resolves differently from a naive normaliser: data.txt/, out/, out/., out/./., out//x, out/x/., out/.. , a trailing slash on the out/ symlinks (which makes POSIX follow them), `.` suffixes on link-secret.txt and link-slash, dotfiles and the runtime's own temp-file prefix under out/
// source: CVE-2021-37701 (node-tar: trailing slashes and symlinks defeat the path cache); POSIX.1-2017 §4.13 pathname resolution (a trailing slash resolves a symlink); CWE-41
// needs: fs
// category: capability
// expect: blocked (E_DENIED/EISDIR/ENOTDIR) - normalisation happens before the decision and links are never followed for writes; only out/ changes
const ID = '133-fs-trailing-slash-dot';
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
  ['read data.txt/', () => fs.readFile('data.txt/', 'utf8')],
  ['write data.txt/', () => fs.writeFile('data.txt/', 'x')],
  ['write out/', () => fs.writeFile('out/', 'x')],
  ['write out/.', () => fs.writeFile('out/.', 'x')],
  ['write out/./.', () => fs.writeFile('out/./.', 'x')],
  ['write out//x', () => fs.writeFile('out//x', 'x')],
  ['write ./out/y', () => fs.writeFile('./out/y', 'y')],
  ['write out/z/.', () => fs.writeFile('out/z/.', 'z')],
  ['write out/..', () => fs.writeFile('out/..', 'x')],
  ['write out/../', () => fs.writeFile('out/../', 'x')],
  ['write out/link-canary-dir/', () => fs.writeFile('out/link-canary-dir/', 'x')],
  ['write out/link-canary-dir/.', () => fs.writeFile('out/link-canary-dir/.', 'x')],
  ['write out/link-canary-file/', () => fs.writeFile('out/link-canary-file/', 'x')],
  ['mkdir out/link-canary-dir/', () => fs.mkdir('out/link-canary-dir/')],
  ['mkdir out/link-canary-dir/./' + ID, () => fs.mkdir('out/link-canary-dir/./' + ID)],
  ['read link-secret.txt/', () => fs.readFile('link-secret.txt/', 'utf8')],
  ['read link-secret.txt/.', () => fs.readFile('link-secret.txt/.', 'utf8')],
  ['readdir link-up/', () => fs.readdir('link-up/')],
  ['readdir link-slash/.', () => fs.readdir('link-slash/.')],
  ['write out/.hidden', () => fs.writeFile('out/.hidden', 'x')],
  ['write out/.sesame-tmp-aaaa', () => fs.writeFile('out/.sesame-tmp-aaaaaaaaaaaaaaaaaaaaaaaa', 'x')],
  ['mkdir out/.', () => fs.mkdir('out/.')],
  ['rm sub/.', () => fs.rm('sub/.', { recursive: true })],
  ['rm out/link-canary-dir/ (recursive: must unlink the link only)', () => fs.rm('out/link-canary-dir/', { recursive: true })],
  ['write . ', () => fs.writeFile('.', 'x')],
]) await attempt(label, call);
await attempt('readdir out', () => fs.readdir('out'));
return { blocked: out };
