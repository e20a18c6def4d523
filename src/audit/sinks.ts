// Where audit records go. Sinks are synchronous on purpose: a record is in the kernel (file) or
// the host's hands (callback) before the worker is told anything more, so a crash or a kill of
// the run loses nothing that was already reported.
import fs from 'node:fs';
import path from 'node:path';
import type { AuditRecord } from '../protocol.ts';
import { GENESIS, lineHash } from './chain.ts';

export interface AuditSink {
  write(record: AuditRecord): void;
  /** Release resources (close the file). */
  close?(): void;
}

/** The last line of a file (without reading all of it), or undefined for an empty file. */
function lastLine(fd: number): string | undefined {
  const size = fs.fstatSync(fd).size;
  if (size === 0) return undefined;
  let chunk = 4096;
  for (;;) {
    const start = Math.max(0, size - chunk);
    const buf = Buffer.alloc(size - start);
    fs.readSync(fd, buf, 0, buf.length, start);
    const text = buf.toString('utf8').replace(/\n$/, '');
    const nl = text.lastIndexOf('\n');
    if (nl >= 0 || start === 0) return text.slice(nl + 1);
    chunk *= 4;
  }
}

/**
 * Appends one JSON object per line, each written with one write(2) call, each carrying `prev`:
 * the sha256 of the line before it, so removing, reordering or editing a record is detectable
 * (`sesame audit verify`). One writer per file: the chain continues from the file's last line.
 */
export function jsonlSink(file: string): AuditSink {
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  let fd: number | undefined = fs.openSync(file, 'a+', 0o600);
  const last = lastLine(fd);
  let prev = last === undefined ? GENESIS : lineHash(last);
  return {
    write(record) {
      if (fd === undefined) throw new Error('audit sink is closed');
      const line = JSON.stringify({ ...record, prev });
      fs.writeSync(fd, `${line}\n`);
      prev = lineHash(line);
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
