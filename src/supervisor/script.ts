// Turning a script file's text into the source the sandbox evaluates: size bound, TypeScript
// types stripped (positions preserved), wrapped as the body of an async function. Syntax errors
// are located here, on the host, in the script's own line and column numbering.
import module from 'node:module';
import { parse } from 'acorn';
import type { RunError } from '../protocol.ts';
import { SCRIPT_LINE_OFFSET, wrapScript } from '../protocol.ts';

export type ScriptLanguage = 'js' | 'ts';

/** Scripts larger than this are refused before any work is done (1 MiB by default). */
export const DEFAULT_MAX_SCRIPT_BYTES = 1 << 20;

type Strip = (code: string, options: { mode: 'strip' }) => string;

export function languageOf(filename: string | undefined): ScriptLanguage {
  return filename && /\.(c|m)?ts$/i.test(filename) ? 'ts' : 'js';
}

/** Prepare a script body for evaluation, or say why it cannot run. */
export function prepareScript(
  body: string,
  language: ScriptLanguage,
  maxBytes: number,
): { source: string } | { error: RunError } {
  const bytes = Buffer.byteLength(body);
  if (bytes > maxBytes) {
    return {
      error: { code: 'E_INPUT_LIMIT', message: `the script is ${bytes} bytes; the limit is ${maxBytes}` },
    };
  }
  const wrapped = wrapScript(body);
  if (language === 'js') return { source: wrapped };
  const strip = (module as unknown as { stripTypeScriptTypes?: Strip }).stripTypeScriptTypes;
  if (!strip) {
    return {
      error: {
        code: 'E_SYNTAX',
        message: 'TypeScript scripts need Node.js >= 22.13 (module.stripTypeScriptTypes)',
      },
    };
  }
  try {
    return { source: strip(wrapped, { mode: 'strip' }) };
  } catch (error) {
    return { error: typeScriptError(error) };
  }
}

function typeScriptError(error: unknown): RunError {
  const message = error instanceof Error ? error.message : String(error);
  const stack = error instanceof Error ? (error.stack ?? '') : '';
  // Node's stack starts with "<file>:<line>", the offending line, and a caret line under it.
  const lines = stack.split('\n');
  const where = /:(\d+)$/.exec(lines[0] ?? '');
  const caret = lines[2]?.indexOf('^') ?? -1;
  const out: RunError = { code: 'E_SYNTAX', message: `SyntaxError: ${message}` };
  if (where) {
    const line = Number(where[1]) - SCRIPT_LINE_OFFSET;
    if (line >= 1) {
      out.line = line;
      if (caret >= 0) out.column = caret + 1;
    }
  }
  return out;
}

/**
 * Locate a syntax error the sandbox reported. V8 gives no position for code compiled at run
 * time, so the (already stripped) source is parsed again here, only on this failure path.
 */
export function locateSyntaxError(source: string, error: RunError): RunError {
  if (error.line !== undefined) return error;
  try {
    parse(source, { ecmaVersion: 'latest', sourceType: 'script', locations: true });
  } catch (parseError) {
    const loc = (parseError as { loc?: { line: number; column: number } }).loc;
    if (loc) {
      return { ...error, line: Math.max(1, loc.line - SCRIPT_LINE_OFFSET), column: loc.column + 1 };
    }
  }
  return error;
}
