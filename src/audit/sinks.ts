// Where audit records go. Sinks are synchronous on purpose: a record is in the kernel (file) or
// the host's hands (callback) before the worker is told anything more, so a crash or a kill of
// the run loses nothing that was already reported.
import fs from 'node:fs';
import path from 'node:path';
import type { AuditRecord } from '../protocol.ts';

export interface AuditSink {
  write(record: AuditRecord): void;
  /** Release resources (close the file). */
  close?(): void;
}

/** Appends one JSON object per line; each line is written with one write(2) call. */
export function jsonlSink(file: string): AuditSink {
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  let fd: number | undefined = fs.openSync(file, 'a', 0o600);
  return {
    write(record) {
      if (fd === undefined) throw new Error('audit sink is closed');
      fs.writeSync(fd, `${JSON.stringify(record)}\n`);
    },
    close() {
      if (fd !== undefined) fs.closeSync(fd);
      fd = undefined;
    },
  };
}

/** Keeps records in memory (tests, short-lived hosts). */
export function memorySink(): AuditSink & { readonly records: AuditRecord[] } {
  const records: AuditRecord[] = [];
  return { records, write: (record) => void records.push(record) };
}

/** Hands each record to a function of the host's. */
export function callbackSink(fn: (record: AuditRecord) => void): AuditSink {
  return { write: fn };
}
