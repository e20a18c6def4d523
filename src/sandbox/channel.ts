// The sandbox's side of the channel to the supervisor: newline-delimited JSON. Requests arrive on
// stdin; everything the sandbox reports goes out on fd 3, in order, in one of two ways:
//   - send(): written at once with a synchronous write(2), after every report kept before it, so it
//     is in the kernel's hands before the sandbox goes on. The intent record of a call that acts
//     outside the sandbox goes this way, before the act: a sandbox killed a moment later has still
//     reported it (and everything before it).
//   - keep(): kept in memory shared with the watchdog thread (report-buffer.ts) and written with
//     the next send(), when the main thread is next idle, by the watchdog within a few
//     milliseconds while guest code runs, and by the watchdog before the supervisor stops the
//     sandbox. Outcome records, the records of calls that act only inside the sandbox, and logs go
//     this way: a call costs no system call and the host is not woken for every record.
// Only an end of the whole process nobody saw coming (V8 aborting, a SIGKILL from outside) can
// lose kept reports, and only those of the last few milliseconds, none of which can precede an act
// outside the sandbox.
import process from 'node:process';
import type { Answer, Question, SandboxMessage, SupervisorMessage } from '../protocol.ts';
import { lineReader } from '../protocol.ts';
import { ReportBuffer } from './report-buffer.ts';

/** The file descriptor the supervisor reads reports from. */
export const REPORT_FD = 3;
/** The file descriptor on which the supervisor tells the watchdog to stop the sandbox. */
export const CONTROL_FD = 4;

const reports = new ReportBuffer(REPORT_FD);
/** The kept reports' memory, for the watchdog thread. */
export const reportMemory = reports.shared;

// A sandbox that ends on its own (its supervisor gone, an error that escaped) writes out what it kept.
process.on('exit', () => {
  try {
    reports.flush();
  } catch {
    // Nobody is reading any more.
  }
});

/** Report `message` now, after every report kept before it. */
export function send(message: SandboxMessage): void {
  reports.write(`${JSON.stringify(message)}\n`);
}

let flushing = false;
const flushKept = () => {
  flushing = false;
  reports.flush();
};

/** Report `message` soon, in order: before the next send(), or once the sandbox is idle. */
export function keep(message: SandboxMessage): void {
  reports.add(`${JSON.stringify(message)}\n`);
  if (!flushing) {
    flushing = true;
    setImmediate(flushKept);
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
