// attack: console floods with nested objects: a thousand 10 KB arguments per call, 50x50x50 structures of 10 KB strings, functions whose `name` getter re-enters console.log (resetting any per-line budget) placed before every big string, and finally an endless loop of such calls
// source: classic output flooding (CWE-400/CWE-779 excessive logging); CVE-2023-37903-style host formatter abuse; sesame console.ts (line bounded while built)
// needs: none
// category: exhaustion
// expect: killed (E_OUTPUT_LIMIT, or E_MEMORY if a line grows first) - logs stay near maxOutputBytes and the host answers
const ID = '153-console-nested-flood';
const big = 'x'.repeat(10000);
const level = (n, leaf) => Array.from({ length: n }, () => leaf);
console.log(...level(1000, big));
console.log(level(50, level(50, level(50, big))));
class Reset { static get name() { console.log(''); return 'Reset'; } }
const pair = level(25, [Reset, big]).flat();
console.log(level(50, level(50, pair)));
for (;;) console.log(level(50, level(50, level(50, big))), level(50, pair));
