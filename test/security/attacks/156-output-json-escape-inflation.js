// attack: output just under maxOutputBytes as counted by the runtime but far over it as the host receives it: logs and a result made of control characters, quotes and lone surrogates (each one unit or byte when counted, six bytes once JSON-escaped), with a policy of maxOutputBytes = 1 MiB
// source: CWE-770/CWE-400; RFC 8259 §7 (control characters must be escaped as \u00XX); sesame README ('maxOutputBytes: size of the result as JSON and of the console output')
// needs: none
// category: exhaustion
// expect: bounded - the JSON the host prints stays near maxOutputBytes (or the run ends with E_OUTPUT_LIMIT)
const ID = '156-output-json-escape-inflation';
const LIMIT = 1048576;
const chunk = '\u0001'.repeat(9999) + '"';
const line = Array.from({ length: 6 }, () => chunk).join('');
let logged = 0;
while (logged + line.length + 1 < LIMIT - 64) { console.log(line); logged += line.length + 1; }
// lone surrogates are escaped as \udXXX too: six bytes for one counted unit
return '\u0002'.repeat(LIMIT - 8192) + '\ud800'.repeat(8000);
