// attack: infinite loops inside getters placed wherever the runtime might read: accessor arguments and options, array elements, a result object, console.log of objects with accessors, and finally a function whose `name` getter loops (the console formatter reads function names) and an uncaught error whose `message` getter loops
// source: classic availability attack on a membrane that reads guest accessors (vm2 ATTACKS.md Category 3); SES docs 'Limitations: availability'; CWE-835 (infinite loop)
// needs: fs
// category: exhaustion
// expect: killed (E_TIMEOUT at timeoutMs) or refused without reading; the host stays responsive and answers
const ID = '115-getter-infinite-loop';
const spin = () => { for (;;) {} };
const acc = (key) => Object.defineProperty({}, key, { enumerable: true, get: spin });
const tried = [];
for (const [label, call] of [
  ['path accessor', () => fs.readFile(acc('toString'))],
  ['options accessor', () => fs.readFile('data.txt', acc('encoding'))],
  ['array element accessor', () => fs.readdir(Object.defineProperty([], 0, { get: spin }))],
  ['bytes with spinning byteLength', () => fs.writeFile('out/spin.bin', Object.defineProperty(new Uint8Array(1), 'byteLength', { get: spin }))],
]) { try { await call(); tried.push(label + ': accepted'); } catch (e) { tried.push(label + ': ' + String(e.message).slice(0, 80)); } }
try { console.log('object with accessor', acc('x'), [Object.defineProperty([], 0, { get: spin })]); tried.push('console skipped accessors'); } catch (e) { tried.push('console: ' + e.message); }
console.log('so far', JSON.stringify(tried));
// a class whose static `name` getter loops: the formatter reads function names
class Spinner { static get name() { for (;;) {} } }
console.log('function with a looping name getter', Spinner);
// and an uncaught error whose message getter loops: the reporter reads message
throw Object.defineProperty(new Error('x'), 'message', { get: spin });
