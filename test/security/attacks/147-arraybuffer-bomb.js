// attack: memory that V8's heap limit does not count: a 4 GiB ArrayBuffer reserved untouched, a resizable ArrayBuffer grown in steps, SharedArrayBuffer if present, then 64 MiB ArrayBuffers and Float64Arrays filled page by page up to 4 GiB
// source: Node.js docs (process.memoryUsage().arrayBuffers: backing stores live outside the V8 heap, so --max-old-space-size does not bound them); Endo SES docs 'Limitations: memory exhaustion'; CWE-789
// needs: none
// category: exhaustion
// expect: killed (E_MEMORY from the resident-memory watchdog near memoryMb) - peak memory stays near the limit and the host survives
const ID = '147-arraybuffer-bomb';
const notes = [];
const keep = [];
try { keep.push(new ArrayBuffer(2 ** 32)); notes.push('4 GiB reserved untouched'); } catch (e) { notes.push('4 GiB: ' + e.message); }
notes.push('SharedArrayBuffer: ' + typeof SharedArrayBuffer);
if (typeof SharedArrayBuffer === 'function') { try { const s = new SharedArrayBuffer(256 << 20); new Uint8Array(s).fill(1); keep.push(s); } catch (e) { notes.push('SAB: ' + e.message); } }
try {
  const r = new ArrayBuffer(0, { maxByteLength: 2 ** 32 });
  keep.push(r);
  for (let n = 64 << 20; n <= 512 << 20; n += 64 << 20) { r.resize(n); new Uint8Array(r, n - (64 << 20)).fill(7); }
  notes.push('resizable grew to 512 MiB');
} catch (e) { notes.push('resizable: ' + e.message); }
for (let i = 0; i < 64; i++) {
  const b = i % 2 && typeof Float64Array === 'function' ? new Float64Array(8 << 20) : new Uint32Array(16 << 20);
  b.fill(i + 1);
  keep.push(b);
}
return { survived: true, notes, buffers: keep.length };
