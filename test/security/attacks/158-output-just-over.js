// attack: output just over maxOutputBytes: console output one line short of the budget, then a result one unit over the limit, built of ASCII so the count is exact
// source: CWE-770; sesame README (maxOutputBytes, E_OUTPUT_LIMIT)
// needs: none
// category: exhaustion
// expect: killed/blocked (E_OUTPUT_LIMIT) - the result is not passed on
const ID = '158-output-just-over';
for (let i = 0; i < 60; i++) console.log('z'.repeat(1000));
return 'o'.repeat(65536 - 1);
