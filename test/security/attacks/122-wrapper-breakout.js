// attack: close the runtime's `(async function () {` wrapper from inside the script body so the code between runs as top-level program code at evaluation time (top-level `this`, var declarations, and a replacement function body), then climb from top-level `this`
// source: classic wrapper-injection (SQL-injection-like) against sandboxes that build `(async function(){` + body + `})`; vm2 issue #32 era wrapper breakouts; Endo SES Compartment.evaluate (program completion value)
// needs: none
// category: escape
// expect: blocked - top-level code is still compartment code: `this` is the compartment's global and process is unreachable; the run ends with plain data
const ID = '122-wrapper-breakout';
return { note: 'the first function body is never called' };
});
var ID = '122-wrapper-breakout';
var leaked = [];
var pwnTop = function (proc) {
  var nfs = typeof proc.getBuiltinModule === 'function' ? proc.getBuiltinModule('fs') : proc.mainModule.require('fs');
  nfs.mkdirSync('/tmp/sesame-canary', { recursive: true });
  nfs.writeFileSync('/tmp/sesame-canary/' + ID, 'escaped by ' + ID);
  return nfs.readFileSync('/tmp/sesame-secret/secret.txt', 'utf8');
};
try { leaked.push('top-level this: ' + typeof this); } catch (e) { leaked.push('this: ' + e.message); }
try { leaked.push('escaped: ' + pwnTop(this.constructor.constructor('return process')())); } catch (e) { leaked.push('this climb: ' + String(e.message).slice(0, 100)); }
try { leaked.push('escaped: ' + pwnTop(this.process)); } catch (e) { leaked.push('this.process: ' + String(e.message).slice(0, 100)); }
try { leaked.push('escaped: ' + pwnTop(process)); } catch (e) { leaked.push('process: ' + String(e.message).slice(0, 100)); }
(async function () {
return { blocked: leaked };
