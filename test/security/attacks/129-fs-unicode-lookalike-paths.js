// attack: unicode look-alikes and normalisation: dot-leaders (U+2024/U+2025), small and halfwidth full stops, ideographic full stops, combining dots, ellipsis, zero-width joiners and BOMs around `..`, division/fraction slashes, Cyrillic and fullwidth `out`, NFC/NFD twins, a bidi-override name that displays as data.txt; each used to read the secret and to overwrite data.txt/victim.txt from out/
// source: CVE-2021-37712 (node-tar: unicode-normalisation collisions defeat the symlink/path cache); Unicode TR36 'Unicode Security Considerations' (confusables, normalisation); CWE-176
// needs: fs
// category: capability
// expect: blocked (E_DENIED or ENOENT) - look-alikes are ordinary name characters on POSIX; nothing outside out/ changes
const ID = '129-fs-unicode-lookalike-paths';
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
const tail = 'tmp/sesame-secret/secret.txt';
const ups = [
  ['U+2024 x2', '\u2024\u2024'], ['U+2025', '\u2025'], ['U+FE52 x2', '\uFE52\uFE52'], ['U+FF61 x2', '\uFF61\uFF61'],
  ['U+3002 x2', '\u3002\u3002'], ['dot+U+0307', '.\u0307.\u0307'], ['U+2026', '\u2026'], ['..U+2024', '..\u2024'],
  ['.ZWJ.', '.\u200d.'], ['..BOM', '..\uFEFF'], ['U+FE30', '\uFE30'], ['..U+0000-free NBSP', '..\u00a0'],
];
for (const [label, up] of ups) {
  await attempt('read secret via ' + label, () => fs.readFile((up + '/').repeat(16) + tail, 'utf8'));
  await attempt('overwrite data.txt via out/' + label, () => fs.writeFile('out/' + up + '/data.txt', 'overwritten'));
  await attempt('overwrite victim via out/' + label + ' x2', () => fs.writeFile('out/' + up + '/' + up + '/victim.txt', 'overwritten'));
}
for (const [label, slash] of [['U+2215 division slash', '\u2215'], ['U+2044 fraction slash', '\u2044'], ['U+29F8 big solidus', '\u29F8'], ['U+FF3C fullwidth backslash', '\uFF3C']]) {
  await attempt('read secret with ' + label, () => fs.readFile(('..' + slash).repeat(16) + tail.split('/').join(slash), 'utf8'));
  await attempt('write data.txt with ' + label, () => fs.writeFile('out' + slash + '..' + slash + 'data.txt', 'x'));
}
for (const [label, p] of [['Cyrillic o in out', '\u043eut/x.txt'], ['fullwidth out', '\uff4f\uff55\uff54/x.txt'], ['upper-case OUT', 'OUT/x.txt'], ['ZWSP after out then ..', 'out\u200b/../data.txt'],
  ['bidi override name', 'out/\u202etxt.atad'], ['Cyrillic a in data.txt', 'd\u0430ta.txt'], ['NFC e-acute', 'out/caf\u00e9.txt'], ['NFD e + combining acute', 'out/cafe\u0301.txt'], ['dotless i config', 'conf\u0131g.json']]) {
  await attempt('write ' + label, () => fs.writeFile(p, 'unicode ' + label));
}
await attempt('readdir out after unicode writes', () => fs.readdir('out'));
await attempt('data.txt intact?', () => fs.readFile('data.txt', 'utf8'));
return { blocked: out };
