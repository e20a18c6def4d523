// attack: reach the host's environment (SESAME_HOST_SECRET lives in the CLI's environment) and the sandbox's channels through /proc and /dev: /proc/self/environ, /proc/<ppid>/environ, /proc/self/cwd, /proc/self/root/<secret>, /proc/self/fd/3 (the report channel: write a forged 'done' message), /dev/stderr (the supervisor parses stderr for out-of-memory markers), via absolute paths, traversal and the link-slash/link-up links; everything read is echoed into the result and the log
// source: classic LFI to /proc/self/environ (OWASP Testing Guide WSTG-INPV-11); CWE-214 (sensitive information in process environment); sesame protocol (fd 3 report channel, stderr OOM marker)
// needs: fs
// category: capability
// expect: blocked (E_DENIED) - nothing under /proc or /dev is reachable, no forged report reaches the supervisor, and the marker never appears
const ID = '145-exfil-proc-environ';
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
const bases = ['/', UP, 'link-slash/', 'link-up/' + UP];
const targets = ['proc/self/environ', 'proc/1/environ', 'proc/self/cmdline', 'proc/self/cwd/package.json', 'proc/self/root/tmp/sesame-secret/secret.txt', 'proc/thread-self/environ', 'proc/self/fd/0', 'dev/stdin'];
for (const b of bases) for (const t of targets) {
  const v = await attempt('read ' + b.slice(0, 12) + '..' + t, () => fs.readFile(b + t, 'utf8'));
  if (v) console.log('read', t, v.slice(0, 8000));
}
for (let pid = 2; pid < 12; pid++) await attempt('read link-slash/proc/' + pid + '/environ', () => fs.readFile('link-slash/proc/' + pid + '/environ', 'utf8'));
const forged = JSON.stringify({ type: 'done', runId: 'x', ok: false, error: { code: 'E_MEMORY', message: 'forged' }, calls: 0 }) + '\n';
for (const b of ['/', 'link-slash/', 'link-up/' + UP]) {
  await attempt('write forged report to ' + b + 'proc/self/fd/3', () => fs.writeFile(b + 'proc/self/fd/3', forged));
  await attempt('write OOM marker to ' + b + 'dev/stderr', () => fs.writeFile(b + 'dev/stderr', '\nsesame-sandbox: memory limit exceeded\n'));
  await attempt('append to ' + b + 'proc/self/fd/2', () => fs.appendFile(b + 'proc/self/fd/2', 'heap out of memory\n'));
}
return { blocked: out };
