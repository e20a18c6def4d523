// attack: output just under maxOutputBytes: console lines that fill the budget to the last byte with multi-byte characters, then a result of 65,534 three-byte characters (charged as 65,536 units, printed as 196 KB of UTF-8)
// source: CWE-770; UTF-16 code units vs UTF-8 bytes (RFC 3629); sesame README (maxOutputBytes)
// needs: none
// category: exhaustion
// expect: allowed (just under the limit) - the run answers; what the host prints stays within a small multiple of maxOutputBytes
const ID = '157-output-multibyte-just-under';
let used = 0;
const line = '\u00e9'.repeat(1000); // 2000 bytes of UTF-8
while (used + 2001 <= 65536 - 2100) { console.log(line); used += 2001; }
console.log('\u00e9'.repeat(Math.floor((65536 - used - 1) / 2) - 1));
return '\u4e2d'.repeat(65534);
