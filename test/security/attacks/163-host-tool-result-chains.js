// attack: climb from what host tools hand back (results built from host Dates, Buffers, Maps, Errors, functions, getters, URLs; errors thrown by the host carrying `process`) to a host Function constructor or to `process`
// source: vm2 CVE-2023-30547 / CVE-2022-36067 (host objects and host errors crossing into the sandbox); isolated-vm Reference/ExternalCopy misuse reports
// needs: tools
// category: escape
// expect: blocked - results arrive as frozen plain data of the sandbox's own intrinsics; host errors arrive as fresh errors with a message only
const ID = '163-host-tool-result-chains';
const pwnFs = (nfs) => {
  nfs.mkdirSync('/tmp/sesame-canary', { recursive: true });
  nfs.writeFileSync('/tmp/sesame-canary/' + ID, 'escaped by ' + ID);
  return nfs.readFileSync('/tmp/sesame-secret/secret.txt', 'utf8');
};
const pwn = (proc) => pwnFs(typeof proc.getBuiltinModule === 'function' ? proc.getBuiltinModule('fs') : proc.mainModule.require('fs'));
const msg = (e) => { try { return String((e && e.message) || e).slice(0, 100); } catch (_) { return 'unprintable'; } };
const tried = [];
const values = [];
const take = (label, v) => { values.push([label, v]); };
let result;
try { result = await tools.leaky({ id: ID }); take('result', result); tried.push('leaky: ' + JSON.stringify(result).slice(0, 200)); } catch (e) { tried.push('leaky: ' + msg(e)); }
if (result && typeof result === 'object') {
  for (const [k, v] of Object.entries(result)) take('result.' + k, v);
  try { take('getter', result.getter); } catch (e) { tried.push('getter: ' + msg(e)); }
  try { result.date = 1; tried.push('result mutable!'); } catch (e) { tried.push('frozen: ' + msg(e)); }
}
try { await tools.thrower({ id: ID }); } catch (e) {
  take('thrown', e);
  tried.push('thrown: ' + msg(e) + ' keys=' + Object.getOwnPropertyNames(e).join(','));
  try { take('thrown.process', e.process); } catch (x) {}
  try { take('thrown.cause', e.cause); } catch (x) {}
}
take('tools', tools);
take('tools.leaky', tools.leaky);
for (const [label, v] of values) {
  let o = v;
  for (let i = 0; i < 5 && o !== null && o !== undefined && (typeof o === 'object' || typeof o === 'function'); i++) {
    for (const F of [o.constructor, o.constructor && o.constructor.constructor]) {
      if (typeof F !== 'function') continue;
      try { const p = F('return process')(); if (p) return { escaped: label, secret: pwn(p) }; tried.push(label + ': nothing'); }
      catch (e) { tried.push(label + ' ctor: ' + msg(e)); }
    }
    try { o = Object.getPrototypeOf(o); } catch (e) { break; }
  }
  if (v && typeof v === 'object' && typeof v.getBuiltinModule === 'function') return { escaped: label, secret: pwn(v) };
}
return { blocked: tried.slice(0, 60) };
