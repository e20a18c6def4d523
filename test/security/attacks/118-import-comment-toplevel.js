// attack: a top-level dynamic import with a block comment and a line break between the keyword and the parenthesis, written the way a filter that looks for the keyword immediately followed by a parenthesis misses it
// source: Endo SES rejectImportExpressions (handles comments between the keyword and the parenthesis); CVE-2021-23449 (vm2 dynamic import); OWASP 'blacklist input validation' bypasses
// needs: none
// category: escape
// expect: blocked - rejected before evaluation (E_SYNTAX, SES_IMPORT_REJECTED); nothing runs
const ID = '118-import-comment-toplevel';
const nfs = await import /* nothing to see here */
  ('node:fs');
nfs.mkdirSync('/tmp/sesame-canary', { recursive: true });
nfs.writeFileSync('/tmp/sesame-canary/' + ID, 'escaped by ' + ID);
return { escaped: 'import with a comment gap', secret: nfs.readFileSync('/tmp/sesame-secret/secret.txt', 'utf8') };
