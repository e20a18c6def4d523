// Tamper evidence for audit files: each JSON line carries `prev`, the sha256 of the line before
// it (the first line of a file carries GENESIS). Removing, reordering or editing any line breaks
// the chain at the next one, which `sesame audit verify` reports.
import { createHash } from 'node:crypto';

/** The `prev` of the first record in a file. */
export const GENESIS = '0'.repeat(64);

export function lineHash(line: string): string {
  return createHash('sha256').update(line).digest('hex');
}

export type VerifyResult =
  | { ok: true; records: number; runs: number }
  | { ok: false; line: number; reason: string; records: number };

/** Check a whole audit file's text: every line parses, and every `prev` matches. */
export function verifyChain(text: string): VerifyResult {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  let prev = GENESIS;
  const runs = new Set<string>();
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    let record: { prev?: unknown; runId?: unknown; event?: unknown };
    try {
      record = JSON.parse(line);
    } catch {
      return { ok: false, line: i + 1, reason: 'not a JSON record (a torn or edited line)', records: i };
    }
    if (record === null || typeof record !== 'object' || typeof record.prev !== 'string') {
      return { ok: false, line: i + 1, reason: 'the record has no prev hash', records: i };
    }
    if (record.prev !== prev) {
      const reason =
        i === 0
          ? 'the first record does not start a chain (records before it were removed)'
          : `the record does not follow line ${i}: a record was removed, reordered or edited here or just before`;
      return { ok: false, line: i + 1, reason, records: i };
    }
    if (typeof record.runId === 'string' && record.event === 'run.start') runs.add(record.runId);
    prev = lineHash(line);
  }
  return { ok: true, records: lines.length, runs: runs.size };
}
