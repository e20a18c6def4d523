// attack: use lstat/stat/exists as oracles on what lies outside the root: lstat every planted link (what do its size and flags reveal), stat/exists through link-up/link-slash/link-secret-dir for files that exist and files that do not, and compare the refusal messages for an existing and a missing outside target
// source: CWE-203 (observable discrepancy) and CWE-204 (response discrepancy); classic file-existence oracles through error messages (e.g. CVE-2022-24785-style path probing)
// needs: fs
// category: capability
// expect: blocked (E_DENIED) - paths through links that leave the root are refused with the same message whether or not the target exists; lstat describes only the link itself
const ID = '137-fs-lstat-exists-oracle';
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
// the positive controls' thin fs has only stat: fall back to it there
const call = (m, p) => (typeof fs[m] === 'function' ? fs[m](p) : fs.stat(p));
for (const l of ['link-secret.txt', 'link-secret-dir', 'link-up', 'link-slash', 'out/link-canary-dir', 'out/link-canary-file']) {
  await attempt('lstat ' + l, () => call('lstat', l).then((s) => ({ size: s.size, link: s.isSymbolicLink(), file: s.isFile(), dir: s.isDirectory() })));
  await attempt('stat ' + l, () => fs.stat(l).then((s) => ({ size: s.size, file: s.isFile(), dir: s.isDirectory() })));
  await attempt('exists ' + l, () => call('exists', l));
}
const pairs = [
  ['link-up/victim.txt', 'link-up/no-such-file'],
  ['link-slash/etc/passwd', 'link-slash/etc/no-such-file'],
  ['link-secret-dir/secret.txt', 'link-secret-dir/no-such-file'],
  ['link-slash/tmp/sesame-secret', 'link-slash/tmp/no-such-dir'],
];
const oracle = [];
for (const [there, missing] of pairs) {
  for (const m of ['stat', 'lstat', 'exists', 'readFile']) {
    const a = await call(m, there).then(() => 'ok', (e) => msg(e).split(there).join('<p>'));
    const b = await call(m, missing).then(() => 'ok', (e) => msg(e).split(missing).join('<p>'));
    oracle.push({ m, there, same: a === b, a: a.slice(0, 100), b: b.slice(0, 100) });
  }
}
// where an oracle says yes, try the door itself and print what it gives
for (const l of ['link-secret.txt', 'link-secret-dir/secret.txt', 'link-slash/tmp/sesame-secret/secret.txt']) {
  const st = await call('stat', l).catch(() => null);
  if (st) console.log('stat said yes for', l, 'content:', await fs.readFile(l, 'utf8').catch((e) => msg(e)));
}
return { blocked: out, oracle: oracle.filter((o) => !o.same), comparisons: oracle.length };
