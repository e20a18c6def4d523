// attack: microtask and memory storms built from thenables and async fan-out: a thenable whose then resolves with a fresh thenable forever, async functions that each start two more after an await, Promise.all over a million resolved thenables, a HandledPromise chain, all at once
// source: classic promise/microtask starvation (CWE-400); ECMA-262 NewPromiseResolveThenableJob (each thenable costs a job); Endo SES docs 'Limitations: availability'
// needs: none
// category: exhaustion
// expect: killed (E_TIMEOUT or E_MEMORY) - the host survives and answers
const ID = '154-promise-thenable-storm';
const forever = () => ({ then(r) { r(forever()); } });
Promise.resolve(forever());
const fan = async (d) => { await null; fan(d + 1); fan(d + 1); };
fan(0);
const many = [];
for (let i = 0; i < 1e6; i++) many.push({ then(r) { r(i); } });
Promise.all(many);
if (typeof HandledPromise === 'function') { let p = HandledPromise.resolve(0); for (let i = 0; i < 1e5; i++) p = p.then((x) => x + 1); }
await new Promise(() => {});
return { unreachable: true };
