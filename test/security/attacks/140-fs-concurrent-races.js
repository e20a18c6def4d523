// attack: time-of-check/time-of-use races with parallel calls: writeFile/rm/mkdir/appendFile on one name at once, rm -r of a tree while it is being filled, swapping a file for a directory between another call's check and act, and replacing the out/link-canary-dir link with a real directory while writes through it are in flight
// source: CWE-367 (TOCTOU); CVE-2022-21222 / CVE-2021-32804 family (race between path check and file operation); nodejs/node#49154 (permission-model races)
// needs: fs
// category: capability
// expect: contained - every act uses the path its own decision resolved; races only affect out/, nothing outside changes
const ID = '140-fs-concurrent-races';
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
const settle = async (label, ps) => { const r = await Promise.allSettled(ps); out.push({ label, ok: true, value: r.map((x) => x.status[0] + (x.reason ? ':' + msg(x.reason).slice(0, 50) : '')) }); };
await settle('write/rm/mkdir/append one name', [fs.writeFile('out/r', '1'), fs.rm('out/r', { force: true }), fs.mkdir('out/r'), fs.appendFile('out/r', '2'), fs.writeFile('out/r', '3'), fs.rm('out/r', { recursive: true, force: true })]);
await fs.mkdir('out/tree/a/b', { recursive: true }).catch(() => {});
await settle('rm -r while filling', [fs.rm('out/tree', { recursive: true }), ...Array.from({ length: 10 }, (_, i) => fs.writeFile('out/tree/a/b/f' + i, 'x')), fs.mkdir('out/tree/a/b/c/d', { recursive: true })]);
await settle('file swapped for a directory', [fs.writeFile('out/swap', 'file'), fs.rm('out/swap', { force: true }), fs.mkdir('out/swap', { recursive: true }), fs.writeFile('out/swap/inner', 'x'), fs.rm('out/swap', { recursive: true, force: true })]);
await settle('link replaced while writing through it', [
  ...Array.from({ length: 5 }, (_, i) => fs.writeFile('out/link-canary-dir/' + ID + '-' + i, 'through the link?')),
  fs.rm('out/link-canary-dir'), fs.mkdir('out/link-canary-dir', { recursive: true }),
  ...Array.from({ length: 5 }, (_, i) => fs.writeFile('out/link-canary-dir/' + ID + '-late-' + i, 'inside the root')),
]);
await settle('climbs racing with mkdir', [fs.mkdir('out/x/y', { recursive: true }), fs.writeFile('out/x/y/../../../data.txt', 'overwritten'), fs.writeFile('out/x/../../victim.txt', 'x')]);
await attempt('readdir out', () => fs.readdir('out'));
return { blocked: out };
