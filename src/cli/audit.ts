// `sesame audit verify <file>` and `sesame audit show <file>`: for a reviewer of what runs did.
import { readFile } from 'node:fs/promises';
import { Command } from 'commander';
import { verifyChain } from '../audit/chain.ts';

interface Row {
  event?: string;
  ts?: string;
  runId?: string;
  task?: string;
  cap?: string;
  method?: string;
  decision?: string;
  rule?: string;
  outcome?: string;
  ok?: boolean;
  error?: { code?: string; message?: string };
  durationMs?: number;
  calls?: number;
}

async function read(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    process.stderr.write(`${file}: cannot read (${(error as NodeJS.ErrnoException).code ?? 'error'})\n`);
    process.exitCode = 2;
    return undefined;
  }
}

const ms = (v: unknown) => (typeof v === 'number' ? `${v.toFixed(1)} ms` : '');

/** One audit file as a table a person can read: time, run, capability, decision, outcome. */
export function renderAudit(text: string, runId?: string): string {
  const rows: string[][] = [['time', 'run', 'task', 'call', 'decision', 'outcome', 'duration']];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    let r: Row;
    try {
      r = JSON.parse(line) as Row;
    } catch {
      rows.push(['?', '', '', '(unreadable line)', '', '', '']);
      continue;
    }
    if (runId !== undefined && r.runId !== runId) continue;
    const run = (r.runId ?? '').slice(0, 8);
    const time = (r.ts ?? '').replace('T', ' ').replace('Z', '');
    if (r.event === 'run.start') rows.push([time, run, r.task ?? '', '-- run start --', '', '', '']);
    else if (r.event === 'run.end') {
      const outcome = r.ok
        ? `ok, ${r.calls ?? 0} calls`
        : `${r.error?.code ?? 'error'}: ${r.error?.message ?? ''}`;
      rows.push([time, run, r.task ?? '', '-- run end --', '', outcome, ms(r.durationMs)]);
    } else if (r.event === 'call') {
      const decision = `${r.decision ?? ''}${r.rule ? ` (${r.rule})` : ''}`;
      const outcome = r.outcome === 'ok' ? 'ok' : `${r.error?.code ?? 'error'}`;
      rows.push([time, run, r.task ?? '', `${r.cap}.${r.method}`, decision, outcome, ms(r.durationMs)]);
    }
    // call.intent lines are the write-ahead half of a call; the table shows the finished call.
  }
  const widths =
    rows[0]?.map((_, i) => Math.min(60, Math.max(...rows.map((row) => (row[i] ?? '').length)))) ?? [];
  return rows
    .map((row) =>
      row
        .map((cell, i) =>
          cell.length > (widths[i] ?? 0)
            ? `${cell.slice(0, (widths[i] ?? 1) - 1)}…`
            : cell.padEnd(widths[i] ?? 0),
        )
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

export function auditCommand(): Command {
  const audit = new Command('audit').description('Verify and read audit files (JSON lines).');
  audit
    .command('verify')
    .description(
      'Check that no record was removed, reordered or edited (exit 0, or 1 naming the first bad line).',
    )
    .argument('<file>', 'an audit file written by --audit or jsonlSink()')
    .action(async (file: string) => {
      const text = await read(file);
      if (text === undefined) return;
      const result = verifyChain(text);
      if (result.ok) {
        process.stdout.write(`${file}: ok, ${result.records} records, ${result.runs} runs, chain intact\n`);
      } else {
        process.stdout.write(
          `${file}:${result.line}: ${result.reason} (${result.records} records before it verified)\n`,
        );
        process.exitCode = 1;
      }
    });
  audit
    .command('show')
    .description(
      'Print the records of an audit file as a table: time, run, call, decision, outcome, duration.',
    )
    .argument('<file>', 'an audit file written by --audit or jsonlSink()')
    .option('--run <id>', 'only this run (its full id)')
    .action(async (file: string, flags: { run?: string }) => {
      const text = await read(file);
      if (text !== undefined) process.stdout.write(`${renderAudit(text, flags.run)}\n`);
    });
  return audit;
}
