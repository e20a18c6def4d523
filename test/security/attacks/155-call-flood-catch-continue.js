// attack: capability floods that catch the limit error and go on: sequential writes of new files in a loop that swallows every error, cheap clock.now()/random.random() calls, 500 parallel writes fired at once, all under a policy of 50 calls
// source: CWE-770 (allocation of resources without limits); sesame DESIGN.md limits (maxCalls: a limit ends the run even if the script catches the error)
// needs: fs,clock,random
// category: exhaustion
// expect: killed (E_CALL_LIMIT) - at most maxCalls files appear, the run ends even though the script catches
const ID = '155-call-flood-catch-continue';
let ok = 0;
let refused = 0;
Promise.allSettled(Array.from({ length: 500 }, (_, i) => fs.writeFile('out/parallel-' + i, 'x')));
for (let i = 0; i < 100000; i++) {
  try { await fs.writeFile('out/seq-' + i, 'x'); ok++; } catch (e) { refused++; }
  try { if (typeof clock === 'object') clock.now(); } catch (e) { refused++; }
  try { if (typeof random === 'object') random.random(); } catch (e) { refused++; }
}
return { ok, refused };
