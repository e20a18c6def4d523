// The sandbox's watch on its watchdog thread (src/sandbox/watch-thread.ts), with real worker
// threads: ready once the thread runs, and told when it stops after that.
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { watchThread } from '../src/sandbox/watch-thread.ts';

const thread = (code: string) => new Worker(code, { eval: true });

describe('watchThread', () => {
  it('resolves once the thread runs, and reports it lost when it stops later', async () => {
    const lost: string[] = [];
    const worker = thread('setTimeout(() => process.exit(3), 50);');
    await watchThread(worker, 'watchdog', (why) => lost.push(why));
    expect(lost).toEqual([]);
    await new Promise((resolve) => worker.once('exit', resolve));
    expect(lost).toEqual(['the watchdog thread stopped (exit 3)']);
  });

  it('reports an uncaught error in the thread as lost', async () => {
    const lost: string[] = [];
    const worker = thread('setTimeout(() => { throw new Error("boom"); }, 50);');
    await watchThread(worker, 'watchdog', (why) => lost.push(why));
    await new Promise((resolve) => worker.once('exit', resolve));
    expect(lost).toEqual(['the watchdog thread stopped (exit 1)']);
  });

  it('says nothing while the thread runs', async () => {
    const lost: string[] = [];
    const worker = thread('setInterval(() => {}, 10);');
    await watchThread(worker, 'watchdog', (why) => lost.push(why));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(lost).toEqual([]);
    await worker.terminate();
  });
});
