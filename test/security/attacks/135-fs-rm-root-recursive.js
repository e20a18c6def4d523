// attack: recursive removal of the root and of everything around it in every spelling: '.', '', './', 'out/..', 'sub/..', 'out/../..', the link-up/link-slash links and their targets, literal '*', and rm -r of out/ racing with writes into it
// source: the classic `rm -rf "$VAR/"` with an empty variable (Valve Steam for Linux, 2015); CWE-73; rimraf/del 'refuse to delete cwd' advisories
// needs: fs
// category: capability
// expect: blocked (E_DENIED) - the root cannot be removed, nothing outside out/ changes; removing out/ itself is within the write globs
const ID = '135-fs-rm-root-recursive';
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
for (const p of ['.', '', './', 'out/..', 'out/../', 'sub/..', 'out/../..', 'link-up', 'link-up/', 'link-up/.', 'link-slash', 'link-slash/tmp/sesame-secret', '*', 'out/../*', 'link-up/root']) {
  await attempt('rm -rf ' + JSON.stringify(p), () => fs.rm(p, { recursive: true, force: true }));
}
await attempt('rm data.txt force', () => fs.rm('data.txt', { force: true }));
const race = await Promise.allSettled([fs.rm('out', { recursive: true, force: true }), fs.writeFile('out/racing.txt', 'x'), fs.mkdir('out/racing-dir/a', { recursive: true }), fs.rm('out/..', { recursive: true })]);
out.push({ label: 'rm -r out racing writes', ok: true, value: race.map((r) => r.status + (r.reason ? ': ' + msg(r.reason) : '')) });
await attempt('data.txt still there', () => fs.readFile('data.txt', 'utf8'));
await attempt('readdir root', () => fs.readdir('.'));
return { blocked: out };
