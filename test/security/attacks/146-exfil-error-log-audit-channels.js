// attack: try every door to the secret (and to host paths) and push whatever each door yields out through every allowed channel at once: thrown error messages, console lines, capability arguments that land in the audit trail, file names under out/ and file contents; also provoke host-side errors (ENAMETOOLONG, EISDIR, E_PLUGIN paths) and echo their messages, looking for host paths or the marker
// source: sesame DESIGN.md threat model 'data exfiltration through allowed channels'; CWE-209 (information exposure through error messages); prompt-injection exfiltration via tool logs (Simon Willison, 'The lethal trifecta', 2025)
// needs: fs
// category: capability
// expect: blocked - no door opens, so no channel carries the secret; error messages name only the script's own paths
const ID = '146-exfil-error-log-audit-channels';
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
const doors = ['link-secret.txt', 'link-secret-dir/secret.txt', 'link-slash/tmp/sesame-secret/secret.txt', UP + 'tmp/sesame-secret/secret.txt', '/tmp/sesame-secret/secret.txt', 'link-up/' + UP + 'tmp/sesame-secret/secret.txt'];
const loot = [];
for (const d of doors) { const v = await attempt('door ' + d.slice(0, 40), () => fs.readFile(d, 'utf8')); if (v) loot.push(v); }
for (const d of ['link-secret-dir', 'link-slash/tmp/sesame-secret']) { const v = await attempt('list ' + d, () => fs.readdir(d)); if (v) loot.push(v.join(',')); }
const hostErrors = [];
for (const [label, call] of [
  ['ENAMETOOLONG', () => fs.writeFile('out/' + 'n'.repeat(300), 'x')],
  ['EISDIR', () => fs.readFile('sub', 'utf8')],
  ['ENOTDIR', () => fs.readFile('data.txt/x', 'utf8')],
  ['EEXIST', () => fs.mkdir('out')],
  ['ENOTEMPTY-ish', () => fs.rm('out')],
  ['EINVAL on a dir rename target', () => fs.writeFile('out', 'x')],
]) { try { await call(); } catch (e) { hostErrors.push(label + ': ' + msg(e)); } }
const payload = JSON.stringify({ loot, hostErrors }).slice(0, 4000);
console.log('exfil via log', payload);
console.error('exfil via error log', payload);
await attempt('exfil via audit args', () => fs.readFile({ carry: payload }));
await attempt('exfil via audit args (denied write)', () => fs.writeFile('data.txt', payload));
await attempt('exfil via file name', () => fs.writeFile('out/' + encodeURIComponent(payload).slice(0, 200), 'x'));
await attempt('exfil via file content', () => fs.writeFile('out/loot.txt', payload));
const hostPaths = hostErrors.filter((m) => /\/(tmp|work|home|usr)\//.test(m));
if (loot.length) throw new Error('exfil via thrown error: ' + payload);
return { blocked: out, hostErrors, hostPathsInMessages: hostPaths };
