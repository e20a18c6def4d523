// The store file: one JSON document, one entry per line so that a diff shows which keys changed.
//
//   {"format":"sesame-kv","version":1,"task":"summarize","entries":{
//   "greeting":"hello",
//   "seen":{"count":3}
//   }}
//
// The file records the task that owns it: a policy of another task that names the same file is
// refused rather than silently sharing (or clobbering) the first task's data.
import { PluginError } from 'sesame/plugin';
import { Entries, entryProblem, type Limits } from './entries.ts';
import { jsonProblem, quoteKey } from './json.ts';

export const FORMAT = 'sesame-kv';
export const VERSION = 1;

/** The whole file for `entries` of `task`. */
export function encodeStore(task: string, entries: Entries): string {
  const header = `{"format":"${FORMAT}","version":${VERSION},"task":${JSON.stringify(task)},"entries":{`;
  const lines = entries.sorted().map(([key, text]) => `${JSON.stringify(key)}:${text}`);
  return `${header}${lines.length ? `\n${lines.join(',\n')}\n` : ''}}}\n`;
}

/** A file that cannot be used, said without the file's host path or any of its content. */
export const unusable = (why: string) => new PluginError('E_KV_FILE', `the store file ${why}`);

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Read a store file's text back into entries, checking it against this capability's limits: a
 * file written under looser limits, edited by hand or truncated is refused as a whole rather than
 * partly used.
 */
export function decodeStore(text: string, task: string, limits: Limits): Entries {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    // JSON.parse's message quotes the text; the file's content is not the script's to see.
    throw unusable('is not valid JSON');
  }
  if (!isRecord(doc) || doc.format !== FORMAT) throw unusable(`is not a ${FORMAT} file`);
  if (doc.version !== VERSION) throw unusable(`has version ${String(doc.version)}; expected ${VERSION}`);
  if (typeof doc.task !== 'string') throw unusable('names no task');
  if (doc.task !== task) {
    throw unusable(
      `belongs to task ${quoteKey(doc.task)}, not ${quoteKey(task)}; give each task its own file`,
    );
  }
  if (!isRecord(doc.entries)) throw unusable('has no "entries" object');

  const entries = new Entries();
  // JSON.parse defines keys as own data properties, so a "__proto__" entry is listed here, as data.
  for (const key of Object.keys(doc.entries)) {
    const value = doc.entries[key];
    const problem = jsonProblem(value);
    if (problem !== undefined) throw unusable(`holds an invalid value for ${quoteKey(key)}: ${problem}`);
    if (key === '') throw unusable('holds an empty key');
    const entryText = JSON.stringify(value);
    const refused = entryProblem(key, entryText, limits);
    if (refused !== undefined) throw unusable(`holds an entry over this policy's limits: ${refused.reason}`);
    try {
      entries.put(key, entryText, limits);
    } catch (error) {
      if (error instanceof PluginError) throw unusable(`is over this policy's limits: ${error.message}`);
      throw error;
    }
  }
  return entries;
}
