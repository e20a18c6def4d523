// attack: return a result at once while leaving work behind: an async loop that awaits forever, a self-re-arming promise reaction chain and a thenable ping-pong, so the sandbox never becomes idle after `return`
// source: classic microtask starvation after completion (CWE-400); vm2 docs (timeout does not cover async code); sesame evaluate.ts (reports only when idle)
// needs: none
// category: exhaustion
// expect: killed (E_TIMEOUT) - a run is not reported done while the script still runs; the host answers
const ID = '159-leftover-microtasks-after-return';
(async () => { for (;;) await null; })();
const rearm = () => { Promise.resolve().then(rearm); };
rearm();
const ping = { then(r) { r(pong); } };
const pong = { then(r) { r(ping); } };
Promise.resolve(ping);
return { returned: 'early', note: 'work left behind' };
