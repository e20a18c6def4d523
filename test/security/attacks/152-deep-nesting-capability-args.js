// attack: stack exhaustion inside the membrane's argument copy and around it: arrays and objects nested 100000 deep as the path, the data and the options of fs calls, a deeply nested result, console.log of it, JSON.stringify of it, and capability calls made while the guest's own stack is nearly exhausted (so the membrane's synchronous checks run out of stack)
// source: CWE-674 (uncontrolled recursion); CVE-2023-29199 (vm2: stack overflow inside host code yields an unsanitised host error); recursive structured-clone/JSON encoders
// needs: fs
// category: exhaustion
// expect: blocked (depth-limited copy, RangeError inside the guest) - the sandbox does not crash and the run answers
const ID = '152-deep-nesting-capability-args';
const notes = [];
let arr = [];
for (let i = 0; i < 100000; i++) arr = [arr];
let obj = {};
for (let i = 0; i < 100000; i++) obj = { o: obj };
const run = async (label, thunk) => { try { await thunk(); notes.push(label + ': accepted'); } catch (e) { notes.push(label + ': ' + String(e && e.message).slice(0, 80)); } };
await run('readFile(deep array)', () => fs.readFile(arr));
await run('writeFile(out, deep array)', () => fs.writeFile('out/deep.txt', arr));
await run('mkdir options deep object', () => fs.mkdir('out/d', obj));
await run('console.log(deep)', () => console.log(arr, obj));
await run('JSON.stringify(deep)', () => JSON.stringify(obj).length);
let deepest = 0;
const edge = async (n) => {
  deepest = n;
  try { return await edge(n + 1); } catch (e) {
    if (n % 500 === 0 || n > deepest - 20) { try { await fs.stat('data.txt'); } catch (e2) { notes.push('call at depth ' + n + ': ' + String(e2 && e2.message).slice(0, 60)); } }
    throw e;
  }
};
await run('capability calls near stack exhaustion', () => edge(0));
let edgeCalls = 0;
const syncEdge = (n) => { try { return syncEdge(n + 1); } catch (e) { if (edgeCalls++ < 30) { fs.readFile('data.txt').catch(() => {}); try { console.log('edge ' + n); } catch (e2) {} } throw e; } };
await run('sync capability calls at the edge', () => syncEdge(0));
notes.push('deepest async frame ' + deepest);
return { blocked: notes.slice(0, 40) };
