// attack: billion-laughs in JSON form: a DAG where each level references the previous one twice (2^40 leaves, a few hundred bytes of real objects), logged, stringified by the guest with a pruning replacer, parse bombs (long strings and numbers, deep nesting with a reviver), and finally passed to capabilities as an object DAG and an array DAG (the membrane copies and audits arguments)
// source: Billion laughs attack (CWE-776, XML entity expansion) applied to JSON/structured copies; CVE-2003-1564 (libxml2 billion laughs); sesame passable.ts (copy charges bytes)
// needs: fs
// category: exhaustion
// expect: blocked/killed - copies charge every visit (E_INVALID_ARGUMENT/E_OUTPUT_LIMIT) or the run is killed (E_TIMEOUT/E_MEMORY); the host answers
const ID = '149-json-dag-bombs';
const notes = [];
let dag = 'lol';
for (let i = 0; i < 40; i++) dag = [dag, dag];
let odag = { k: 'lol' };
for (let i = 0; i < 40; i++) odag = { a: odag, b: odag };
const run = async (label, thunk) => { try { await thunk(); notes.push(label + ': accepted'); } catch (e) { notes.push(label + ': ' + String(e && e.message).slice(0, 90)); } };
await run('console.log(dag)', () => console.log(dag, odag));
await run('JSON.parse long string', () => JSON.parse('"' + 'x'.repeat(1 << 24) + '"').length);
await run('JSON.parse reviver recursion', () => JSON.parse('[' .repeat(5000) + ']'.repeat(5000), function (k, v) { return v; }));
await run('JSON.parse huge number', () => JSON.parse('1' + '0'.repeat(1 << 20)));
await run('JSON.stringify(dag) with a replacer that stops early', () => JSON.stringify(odag, (k, v) => (k === 'b' ? undefined : v)).length);
console.log(JSON.stringify(notes));
// the finale: the membrane copies (and audits) the argument; every visit of the DAG is charged
await fs.writeFile('out/dag.txt', odag);
return await fs.readFile(dag);
