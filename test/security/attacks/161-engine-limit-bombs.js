// attack: engine-level limits: BigInt growth (2n ** 2n ** 30n, huge toString), RegExp compile bombs (huge quantifiers, 100k groups), Function with 100k parameters, apply/spread with 10M arguments, sort with a lying comparator, Symbol.for registry flooding (it outlives the Compartment), and finally an 800 MB dense array
// source: V8 limits (BigInt::kMaxLengthBits, 'Maximum call stack size exceeded' on spread); CWE-400; Symbol registry is per-realm (ECMA-262 GlobalSymbolRegistry)
// needs: none
// category: exhaustion
// expect: throws RangeError/SyntaxError inside the guest or is killed (E_MEMORY/E_TIMEOUT); the sandbox survives or is replaced, the host answers
const ID = '161-engine-limit-bombs';
const notes = [];
const run = (label, thunk) => { try { const v = thunk(); notes.push(label + ': ' + String(v).slice(0, 40)); } catch (e) { notes.push(label + ': ' + String(e && e.message).slice(0, 80)); } };
run('2n ** 2n ** 30n', () => 2n ** (2n ** 30n));
run('10n ** 200000n toString length', () => (10n ** 200000n).toString().length);
run('RegExp a{0,2^31}', () => new RegExp('a{0,2147483648}').test('a'));
run('RegExp 100k groups', () => new RegExp('(a)'.repeat(100000)).test('a'));
run('Function with 100k params', () => Function(Array.from({ length: 100000 }, (_, i) => 'p' + i).join(','), 'return 1')());
run('apply with 10M args', () => Math.max.apply(null, new Array(1e7).fill(1)));
run('spread 10M', () => String.fromCharCode(...new Array(1e7).fill(65)).length);
run('lying comparator sort', () => Array.from({ length: 1e5 }, (_, i) => i).sort(() => (Math.sin(1) > 0 ? -1 : 1)).length);
run('Symbol.for flood', () => { for (let i = 0; i < 2e5; i++) Symbol.for(ID + ':' + i + ':' + 'x'.repeat(64)); return 'registered'; });
console.log(JSON.stringify(notes));
const dense = new Array(1e8).fill(1.5);
return { length: dense.length };
