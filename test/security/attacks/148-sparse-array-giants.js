// attack: huge sparse arrays wherever the runtime copies or formats arrays: as capability arguments (length 2^32-1, holes only), in options, logged to the console, a sparse array with an accessor at the last index, Array.from and fill on them, and finally a sparse array of length 2^32-1 as the run's result
// source: CWE-770/CWE-400 against array copiers that trust `length` (e.g. structured-clone and JSON encoders walking holes); ECMA-262 array exotic objects (length up to 2^32-1 without storage)
// needs: fs
// category: exhaustion
// expect: blocked/killed - copies charge the length before walking (E_INVALID_ARGUMENT quickly, E_OUTPUT_LIMIT for the result); console formats only a bounded prefix
const ID = '148-sparse-array-giants';
const notes = [];
const sparse = () => { const a = []; a[2 ** 32 - 2] = 'last'; return a; };
const run = async (label, thunk) => { try { await thunk(); notes.push(label + ': accepted'); } catch (e) { notes.push(label + ': ' + String(e && e.message).slice(0, 90)); } };
await run('readFile(sparse)', () => fs.readFile(sparse()));
await run('writeFile(out/x, sparse)', () => fs.writeFile('out/sparse.txt', sparse()));
await run('options sparse', () => fs.mkdir('out/s', { recursive: sparse() }));
await run('nested sparse', () => fs.readdir([[[sparse()]]]));
await run('accessor at the last index', () => fs.readFile(Object.defineProperty([], 2 ** 32 - 2, { get() { notes.push('getter ran'); return 'x'; } })));
await run('console.log(sparse)', () => console.log(sparse(), { a: sparse() }));
await run('Array.prototype.slice(sparse, -2)', () => sparse().slice(-2));
await run('sparse.fill(0) 2^32', () => { const a = []; a.length = 2 ** 32 - 1; a.fill(0, 2 ** 32 - 8); });
console.log(JSON.stringify(notes));
return sparse();
