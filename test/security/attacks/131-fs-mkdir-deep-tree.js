// attack: inode amplification through one allowed call: mkdir(out/d/d/d/..., { recursive: true }) with as many segments as the 4096-char path bound allows (about two thousand directories from a single capability call), so the entries one call creates exceed the whole run's maxCalls
// source: CWE-770 (allocation without limits) and CWE-400; classic inode-exhaustion by deep directory trees (e.g. 'mkdir -p' bombs); sesame DESIGN.md limits (calls bound the effects a run may have)
// needs: fs
// category: exhaustion
// expect: refused or bounded - a single call does not create more entries than the run's call budget allows (the harness counts entries under out/ against maxCalls)
const ID = '131-fs-mkdir-deep-tree';
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
let made = 0;
for (let n = 2000; n > 1000; n -= 20) {
  const ok = await attempt('mkdir -p with ' + n + ' levels', () => fs.mkdir('out/' + 'd/'.repeat(n), { recursive: true }).then(() => 'created'));
  if (ok) { made = n; break; }
}
await attempt('readdir out', () => fs.readdir('out'));
return { blocked: out, levels: made };
