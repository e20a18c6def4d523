// attack: a top-level dynamic import whose keyword is written with a unicode escape (\u0069mport), which a source regex for the keyword followed by a parenthesis does not match
// source: Endo SES rejectImportExpressions (regex over the source); ECMA-262 12.7 (reserved words may not contain escapes: V8 'Keyword must not contain escaped characters'); CVE-2021-23449 (vm2 dynamic import)
// needs: none
// category: escape
// expect: blocked - the source does not parse (E_SYNTAX); nothing runs
const ID = '117-import-unicode-escape-toplevel';
const nfs = await \u0069mport('node:fs');
nfs.mkdirSync('/tmp/sesame-canary', { recursive: true });
nfs.writeFileSync('/tmp/sesame-canary/' + ID, 'escaped by ' + ID);
return { escaped: 'unicode-escaped import', secret: nfs.readFileSync('/tmp/sesame-secret/secret.txt', 'utf8') };
