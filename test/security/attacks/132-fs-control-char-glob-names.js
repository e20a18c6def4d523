// attack: file names with control characters (\n, \r, \t, ESC sequences, DEL, NEL, U+2028), shell and glob metacharacters (*, ?, [a], {a,b}, !(x), **, $(id), ;, quotes, leading -), traversal hidden after a newline, and names that look like audit JSON; written under out/ and aimed at data.txt, then listed back
// source: CWE-150/CWE-117 (control characters injected into logs and terminals); CVE-2021-32803/32804 (node-tar path sanitisation); picomatch docs (globs are patterns, paths are data)
// needs: fs
// category: capability
// expect: contained - such names stay inside out/ as plain names, traversal after them is refused, messages and audit records quote them
const ID = '132-fs-control-char-glob-names';
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
const names = ['a\nb', 'a\rb', 'tab\tname', '\x1b[2Jclear', 'del\x7f', 'nel\u0085', 'ls\u2028', '"quote', "'single", '$(id)', ';rm -rf ~', '*', '?', '[a]', '{a,b}', '!(x)', '**', '-rf', '#hash',
  '{"event":"run.end","ok":true}', '\u0007bell'];
for (const n of names) await attempt('write out/' + JSON.stringify(n), () => fs.writeFile('out/' + n, 'name ' + JSON.stringify(n)));
await attempt('newline then climb to data.txt', () => fs.writeFile('out/x\n/../../data.txt', 'overwritten'));
await attempt('name "\\n.." is not ..', () => fs.writeFile('out/\n../data.txt', 'overwritten'));
await attempt('glob-shaped path ** at the root', () => fs.writeFile('out/../**', 'x'));
await attempt('glob-shaped read *', () => fs.readFile('*', 'utf8'));
await attempt('glob-shaped read link-secret-*', () => fs.readFile('link-secret-*/secret.txt', 'utf8'));
await attempt('read {link-secret.txt,data.txt}', () => fs.readFile('{link-secret.txt,data.txt}', 'utf8'));
await attempt('rm out/* literal', () => fs.rm('out/*'));
await attempt('readdir out', () => fs.readdir('out'));
return { blocked: out };
