// The sandbox's side of the channel to the supervisor: newline-delimited JSON. Requests arrive on
// stdin; everything the sandbox reports is written to fd 3 with a synchronous write(2), so a
// record is in the kernel's hands before the sandbox goes on (and before a capability acts): a
// sandbox killed a moment later has still reported it.
import { writeSync } from 'node:fs';
import process from 'node:process';
import type { Answer, Question, SandboxMessage, SupervisorMessage } from '../protocol.ts';
import { lineReader } from '../protocol.ts';

/** The file descriptor the supervisor reads reports from. */
export const REPORT_FD = 3;

export function send(message: SandboxMessage): void {
  const line = `${JSON.stringify(message)}\n`;
  let offset = 0;
  const bytes = Buffer.from(line);
  while (offset < bytes.length) {
    try {
      offset += writeSync(REPORT_FD, bytes, offset);
    } catch (error) {
      // A full pipe on a non-blocking descriptor: wait for the supervisor to read, then go on.
      if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1);
    }
  }
}

/** Call `onMessage` with each request line from the supervisor; `onEnd` when it goes away. */
export function receive(onMessage: (message: SupervisorMessage) => void, onEnd: () => void): void {
  process.stdin.setEncoding('utf8');
  process.stdin.on(
    'data',
    lineReader((line) => onMessage(JSON.parse(line) as SupervisorMessage)),
  );
  process.stdin.on('end', onEnd);
}

// Questions to the supervisor that a run waits on, by id.
const waiting = new Map<number, (answer: Answer) => void>();
let lastQuestion = 0;

/** Ask the supervisor on behalf of a run; `post` sends (and redacts) the question. */
export function askSupervisor(
  runId: string,
  question: Question,
  post: (message: SandboxMessage) => void,
): Promise<Answer> {
  const id = ++lastQuestion;
  return new Promise((resolve) => {
    waiting.set(id, resolve);
    post({ type: 'ask', runId, id, question });
  });
}

/** The supervisor answered a question; an answer nobody waits for is dropped. */
export function answerArrived(message: Extract<SupervisorMessage, { type: 'answer' }>): void {
  const resolve = waiting.get(message.id);
  if (resolve === undefined) return;
  waiting.delete(message.id);
  resolve(
    message.ok
      ? { ok: true, value: message.value }
      : {
          ok: false,
          error: {
            code: String(message.error?.code ?? 'E_INTERNAL'),
            message: String(message.error?.message),
          },
        },
  );
}
