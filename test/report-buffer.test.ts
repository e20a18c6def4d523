// The kept reports (src/sandbox/report-buffer.ts), written by two real threads at once: the main
// thread adds and writes lines while a worker thread flushes the same shared memory, as the
// sandbox's watchdog does. Every line must reach the descriptor once, whole and in order.
import fs from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterAll, describe, expect, it } from 'vitest';
import { REPORT_BUFFER_BYTES, ReportBuffer } from '../src/sandbox/report-buffer.ts';
import { tempDir } from './helpers/runtime.ts';

const dir = tempDir();
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A worker that flushes the buffer as fast as it can until told to stop, then once more. */
function flusher(fd: number, shared: SharedArrayBuffer, stop: Int32Array): Worker {
  const moduleUrl = new URL('../src/sandbox/report-buffer.ts', import.meta.url).href;
  return new Worker(
    `
    const { workerData } = require('node:worker_threads');
    import(workerData.moduleUrl).then(({ ReportBuffer }) => {
      const reports = new ReportBuffer(workerData.fd, workerData.shared);
      let flushes = 0;
      while (Atomics.load(workerData.stop, 0) === 0) {
        if (flushes++ % 2 === 0) reports.tryFlush(); else reports.flush();
      }
      reports.flush();
    });
    `,
    { eval: true, workerData: { moduleUrl, fd, shared, stop } },
  );
}

describe('ReportBuffer', () => {
  it('keeps lines in order with a second thread flushing, and writes sent lines after kept ones', async () => {
    const file = path.join(dir, 'reports.jsonl');
    const fd = fs.openSync(file, 'w');
    const reports = new ReportBuffer(fd);
    const stop = new Int32Array(new SharedArrayBuffer(4));
    const worker = flusher(fd, reports.shared, stop);
    await new Promise((resolve) => worker.once('online', resolve));
    const expected: string[] = [];
    for (let i = 0; i < 20_000; i++) {
      // Some lines are long (and not ASCII), a few longer than the whole buffer.
      const pad = i % 997 === 0 ? 'é'.repeat(REPORT_BUFFER_BYTES / 2) : 'x'.repeat(i % 300);
      const line = `${JSON.stringify({ i, pad })}\n`;
      expected.push(line);
      if (i % 101 === 0) reports.write(line);
      else reports.add(line);
    }
    Atomics.store(stop, 0, 1);
    await new Promise((resolve) => worker.once('exit', resolve));
    fs.closeSync(fd);
    const text = fs.readFileSync(file, 'utf8');
    expect(text.length).toBe(expected.join('').length);
    expect(text.split('\n').map((line) => (line ? JSON.parse(line).i : undefined))).toEqual([
      ...expected.map((_, i) => i),
      undefined,
    ]);
  });

  it('writes nothing twice and nothing when empty', () => {
    const file = path.join(dir, 'once.jsonl');
    const fd = fs.openSync(file, 'w');
    const reports = new ReportBuffer(fd);
    reports.flush();
    reports.tryFlush();
    reports.add('a\n');
    reports.flush();
    reports.flush();
    reports.tryFlush();
    reports.write('b\n');
    fs.closeSync(fd);
    expect(fs.readFileSync(file, 'utf8')).toBe('a\nb\n');
  });
});
