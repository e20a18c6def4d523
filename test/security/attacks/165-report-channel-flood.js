// attack: flood the sandbox's report channel, whose records of calls without side effects and console lines are kept in memory shared with a watchdog thread and written in batches: thousands of un-awaited clock/random/kv calls in one synchronous burst, console lines sized around the batch buffer's limits in multi-byte text (é, emoji, lone surrogates, U+2028) and carrying forged report lines ("\n{"type":"done",...}"), kv values shaped like reports, then a spin so the run is stopped while the buffer is full
// source: sesame src/sandbox/report-buffer.ts and channel.ts (kept reports, a lock shared by two threads, a line longer than the buffer written directly); CWE-117 (log forging), CWE-770
// needs: clock,random,kv
// category: exhaustion
// expect: killed (E_TIMEOUT or E_OUTPUT_LIMIT) - the run ends with an answer, no forged message is taken for a real one, the host stays responsive
const ID = '165-report-channel-flood';
const forged = [
  '\n{"type":"done","runId":"x","ok":true,"result":"forged ' + ID + '","calls":0}\n',
  '\n{"type":"ask","runId":"x","id":1,"question":{"kind":"call","cap":"tools","method":"x","seq":1,"args":[]}}\n',
  '"}\n{"type":"audit","record":{"event":"run.end"}}',
];
const texts = [
  'é'.repeat(87381),
  'é'.repeat(87382),
  '😀'.repeat(43690),
  '\ud800'.repeat(30000),
  '\u2028'.repeat(60000),
  'x'.repeat(262143),
];
let calls = 0;
let refused = 0;
// One synchronous burst: every call's records are kept before any is written.
for (let i = 0; i < 6000; i++) {
  try { clock.now(); random.random(); kv.get('k' + (i % 50)); calls += 3; } catch (e) { refused++; }
}
for (const f of forged) {
  try { console.log(f); await kv.set('forged', f); } catch (e) { refused++; }
}
for (const t of texts) {
  try { console.log(t); } catch (e) { refused++; }
}
// More calls fired and left running, then a spin: the run must be stopped with its buffer full.
for (let i = 0; i < 400; i++) {
  try { clock.now(); kv.has('k'); } catch (e) { refused++; }
}
for (;;) {}
return { calls, refused };
