// The scripts every engine runs: bodies of an async function, the way sesame takes them. Each
// engine wraps them as it must and exposes the globals they use (fs, tools, clock, gate).

export const TRIVIAL = 'return 1;';

/** Scenario 3: read two files, call a host tool, return JSON. */
export const REALISTIC = `const config = JSON.parse(await fs.readFile('data/config.json', 'utf8'));
const text = await fs.readFile('data/notes.txt', 'utf8');
const words = text.split(' ');
const counts = {};
for (const w of words) counts[w] = (counts[w] ?? 0) + 1;
const top = Object.entries(counts).sort((a, b) => b[1] - a[1]).slice(0, 3);
const hit = await tools.lookup({ word: top[0][0] });
return { name: config.name, owners: config.owners.length, words: words.length, top, n: hit.n };`;

/** A loop of `calls` awaited calls; `call` is the expression called each time. */
export const callLoop = (calls, call) =>
  `const f = () => 1;\nlet i = 0;\nfor (; i < ${calls}; i++) await ${call};\nreturn i;`;

/** Scenario 6: a sieve and JSON round trips. */
export const CPU = `const n = 400000;
const sieve = new Uint8Array(n + 1);
let primes = 0;
for (let i = 2; i <= n; i++) {
  if (sieve[i] === 0) {
    primes++;
    for (let j = i * i; j <= n; j += i) sieve[j] = 1;
  }
}
const doc = { items: [] };
for (let i = 0; i < 200; i++) doc.items.push({ id: i, name: 'item ' + i, tags: ['a', 'b', 'c'], at: { x: i / 3, y: -i } });
let total = 0;
for (let r = 0; r < 60; r++) total += JSON.parse(JSON.stringify(doc)).items.length;
return { primes, total };`;

export const RUNAWAY = 'while (true) {}';

/** A script of about `bytes` bytes of straight-line code (scenario 9). */
export function scriptOfSize(bytes) {
  const lines = ['let x = 1;'];
  let size = lines[0].length + 1;
  for (let i = 0; size < bytes - 12; i++) {
    const line = `x = (x * 31 + ${i}) % 1000003;`;
    lines.push(line);
    size += line.length + 1;
  }
  lines.push('return x;');
  return lines.join('\n');
}
