// attack: string giants through every builder: repeat/padStart/padEnd past V8's maximum length, Array.join and replaceAll amplification, normalize and toUpperCase on large inputs, split into millions of pieces, template-literal doubling, and finally a flat 256 MiB string
// source: classic string-doubling memory bombs; V8 String::kMaxLength (2^29-24) and 'Invalid string length'; CWE-400
// needs: none
// category: exhaustion
// expect: throws RangeError inside the guest or is killed (E_MEMORY); the host survives and answers
const ID = '150-string-giants';
const notes = [];
const run = (label, thunk) => { try { const v = thunk(); notes.push(label + ': ' + (typeof v === 'string' ? v.length : v)); } catch (e) { notes.push(label + ': ' + String(e && e.message).slice(0, 80)); } };
run('repeat 2^31', () => 'x'.repeat(2 ** 31));
run('padStart 2^30', () => ''.padStart(2 ** 30, 'ab'));
run('padEnd 2^29', () => 'x'.padEnd(2 ** 29, 'y'));
run('Array(2^20).join(1 KiB)', () => new Array(2 ** 20).join('a'.repeat(1024)));
run('replaceAll amplification', () => 'a'.repeat(1e3).replaceAll('a', 'b'.repeat(1e4)).length);
run('normalize 4 MiB', () => '\u00e9'.repeat(1 << 22).normalize('NFD').length);
run('toUpperCase 2 MiB of sharp s', () => '\u00df'.repeat(1 << 21).toUpperCase().length);
run('split into 1M pieces', () => 'x'.repeat(1 << 20).split('').length);
run('template doubling', () => { let s = 'x'; for (let i = 0; i < 31; i++) s = `${s}${s}`; return s.length; });
console.log(JSON.stringify(notes));
const s = 'y'.repeat(1 << 28);
return { length: s.length, i: s.indexOf('z') };
