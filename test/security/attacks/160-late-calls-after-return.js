// attack: capability calls that start after the script has returned: continuations of calls left in flight chain further writes (inside and outside the globs), a recursive chain of writes, and calls queued behind a slow read, so they run while or after the runtime reports the run
// source: sesame DESIGN.md ('an intent record is logged before the call'; 'only the doors the policy opens exist'); CWE-672 (operation on a resource after expiration or release)
// needs: fs
// category: capability
// expect: contained - late calls are refused (E_REVOKED) or still decided by the policy; nothing outside out/ changes
const ID = '160-late-calls-after-return';
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
const chain = async (i) => { if (i >= 20) return; await fs.writeFile('out/late-' + i + '.txt', 'late ' + i).catch(() => {}); await fs.writeFile('data.txt', 'late overwrite').catch(() => {}); await chain(i + 1); };
fs.readFile('data.txt', 'utf8').then(() => chain(0), () => chain(0));
fs.stat('sub').then(() => fs.rm('sub', { recursive: true })).catch(() => {});
fs.readdir('.').then(() => fs.writeFile('out/' + UP + 'tmp/sesame-canary/' + ID, 'late canary')).catch(() => {});
return { blocked: ['returned with calls in flight'] };
