// attack: catastrophic backtracking beyond /^(a+)+$/: alternation overlap (a|a)*, (a|aa)+, nested \w+\s?, the OWASP email-like pattern, backreferences, lookahead captures, unicode property classes with /u and /v, named groups, split and replace with evil patterns; small inputs first, then a size that never finishes
// source: OWASP 'Regular expression Denial of Service - ReDoS'; CVE-2022-25883 (semver), CVE-2021-27290 (ssri), CVE-2020-7662 (websocket-extensions) ReDoS; CWE-1333
// needs: none
// category: exhaustion
// expect: killed (E_TIMEOUT) - the host stays responsive
const ID = '151-regex-backtracking-variants';
const evil = [
  [/^(a|a)*$/, (n) => 'a'.repeat(n) + '!'],
  [/^(a|aa)+$/, (n) => 'a'.repeat(n) + '!'],
  [/^(\w+\s?)*$/, (n) => 'a'.repeat(n) + '!'],
  [/^(([a-z])+.)+[A-Z]([a-z])+$/, (n) => 'a'.repeat(n) + '!'],
  [/^(?=(a+))\1*b$/, (n) => 'a'.repeat(n)],
  [/^([\p{L}]+)+$/u, (n) => '\u00e9'.repeat(n) + '1'],
  [/^(?<x>[a\q{aa}]+)+$/v, (n) => 'a'.repeat(n) + '!'],
  [/(x+x+)+y/, (n) => 'x'.repeat(n)],
];
const notes = [];
for (const [re, make] of evil) {
  try { notes.push(String(re) + ' n=14: ' + re.test(make(14))); } catch (e) { notes.push(String(re) + ': ' + e.message); }
}
try { notes.push('split: ' + 'a'.repeat(14).concat('!').split(/(a+)+b/).length); } catch (e) {}
console.log(JSON.stringify(notes));
return { matched: /^(\w+\s?)*$/.test('a'.repeat(40) + '!') };
