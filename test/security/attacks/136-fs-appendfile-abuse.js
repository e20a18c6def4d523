// attack: appendFile as a write primitive: append to files outside the globs, through the dangling link and the canary-directory link, through link-up, to a directory, past maxFileBytes in one go and in many small appends, twenty appends racing on one file, and with bytes whose byteLength lies
// source: CWE-59 (append through a symlink, e.g. log-file symlink attacks like CVE-2008-2958-style tmp races); CWE-770; Node fs.appendFile semantics (O_APPEND follows links)
// needs: fs
// category: capability
// expect: blocked (E_DENIED/EFBIG) - appends never follow links, never leave the write globs, and never grow a file past maxFileBytes
const ID = '136-fs-appendfile-abuse';
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
// the positive controls' thin fs has no appendFile: fall back to writeFile there
if (typeof fs.appendFile !== 'function') out.push({ label: 'appendFile missing: using writeFile', ok: true, value: null });
const append = typeof fs.appendFile === 'function' ? (...a) => fs.appendFile(...a) : (...a) => fs.writeFile(...a);
for (const [label, call] of [
  ['append data.txt', () => append('data.txt', 'appended')],
  ['append out/../config.json', () => append('out/../config.json', 'appended')],
  ['append dangling link out/link-canary-file', () => append('out/link-canary-file', 'via dangling link')],
  ['append through out/link-canary-dir', () => append('out/link-canary-dir/' + ID, 'via dir link')],
  ['append link-up/victim.txt', () => append('link-up/victim.txt', 'appended')],
  ['append to a directory', () => append('out', 'x')],
  ['append 5000 bytes at once', () => append('out/big.txt', 'x'.repeat(5000))],
  ['append lying byteLength', () => append('out/lie.bin', Object.defineProperty(new Uint8Array(8), 'byteLength', { value: 0 }))],
]) await attempt(label, call);
let grown = 0;
for (let i = 0; i < 12; i++) { try { await append('out/grow.txt', 'y'.repeat(500)); grown++; } catch (e) { out.push({ label: 'append #' + i, ok: false, error: msg(e) }); break; } }
const racing = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => append('out/race.txt', String(i).padStart(200, '.'))));
out.push({ label: '20 racing appends', ok: true, value: racing.filter((r) => r.status === 'fulfilled').length + ' fulfilled' });
await attempt('size of out/race.txt', () => fs.stat('out/race.txt').then((s) => s.size));
await attempt('size of out/grow.txt', () => fs.stat('out/grow.txt').then((s) => s.size));
return { blocked: out, grownTimes: grown };
