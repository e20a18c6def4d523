// Approvals on the terminal: when a policy marks a method `approve`, `sesame run` asks the person
// at the terminal, one call at a time, and denies when there is nobody to ask (no TTY). The run's
// deadline is paused while the question is open (the runtime does that).
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { pluginLogText } from '../protocol.ts';
import type { ApprovalRequest, Approver } from '../supervisor/host-calls.ts';

/** The call as one line: `fs.writeFile("out/a.txt", "...")`, arguments cut to a readable length. */
export function describeCall(request: ApprovalRequest): string {
  const args = Array.isArray(request.args) ? request.args : [request.args];
  const shown = args.map((arg) => {
    const text = JSON.stringify(arg) ?? String(arg);
    return text.length > 200 ? `${text.slice(0, 199)}…` : text;
  });
  // Control characters from a script must not reach the terminal as such.
  return pluginLogText(`${request.capability}.${request.method}(${shown.join(', ')})`);
}

/**
 * An approver that asks on `output` and reads y/n from `input`. Questions wait their turn; one
 * whose decision stopped mattering (the run ended, the wait timed out) is withdrawn.
 */
export function terminalApprover(input: Readable, output: Writable): Approver {
  let queue: Promise<unknown> = Promise.resolve();
  return (request) => {
    const asked = queue.then(() => ask(request, input, output));
    queue = asked.catch(() => {});
    return asked;
  };
}

function ask(request: ApprovalRequest, input: Readable, output: Writable): Promise<boolean> {
  if (request.signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const rl = createInterface({ input, output, terminal: false });
    let answered = false;
    const done = (answer: boolean) => {
      if (answered) return;
      answered = true;
      request.signal.removeEventListener('abort', withdraw);
      resolve(answer);
      rl.close(); // emits 'close', which must not answer again
    };
    const withdraw = () => {
      output.write('\n(no longer needed: denied)\n');
      done(false);
    };
    request.signal.addEventListener('abort', withdraw, { once: true });
    output.write(`sesame: task ${request.task} wants to call ${describeCall(request)}\n  allow? [y/N] `);
    rl.once('line', (line) => done(/^\s*y(es)?\s*$/i.test(line)));
    rl.once('close', () => done(false));
  });
}

/** The CLI's approver: the terminal when there is one, none (so such calls are denied) otherwise. */
export function cliApprover(): Approver | undefined {
  return process.stdin.isTTY && process.stderr.isTTY
    ? terminalApprover(process.stdin, process.stderr)
    : undefined;
}
