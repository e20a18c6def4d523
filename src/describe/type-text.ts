// TypeScript text that comes from a plugin (MethodSpec.returnsType, .signatures, a schema's
// `tsType`) is pasted into the declarations a model is shown. A third-party plugin's text reaches
// the host as data from a sandbox, so it is checked before use: one type expression (or one
// `(params): Result` signature) that cannot close the declaration it sits in, open a comment that
// swallows the declarations after it, or add declarations of its own. Text that fails the check
// is not used; the type derived from the JSON Schema is shown instead.

/** The longest type text accepted: a type a model should read, not a program. */
const MAX_TYPE_TEXT = 4000;

const OPENERS: Readonly<Record<string, string>> = Object.freeze({ '(': ')', '[': ']', '{': '}' });
const CLOSERS = new Set([')', ']', '}']);

/**
 * Scan `text` as TypeScript tokens: brackets must balance, string literals must close, and no
 * comment, template literal or top-level `;` may appear. Returns false when the text is not safe
 * to paste. (Text that passes may still be a wrong type: that is the plugin's bug, not a way out.)
 */
function scan(text: string): boolean {
  if (typeof text !== 'string' || text.length === 0 || text.length > MAX_TYPE_TEXT) return false;
  // Line breaks only as \n; no control or format characters (bidi overrides hide text from readers).
  if (/(?!\n)[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u.test(text)) return false;
  const stack: string[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (c === '"' || c === "'") {
      // A string literal type: to its closing quote, escapes skipped, on one line.
      let j = i + 1;
      for (; j < text.length && text[j] !== c; j++) {
        if (text[j] === '\\') j++;
        if (text[j] === '\n' || text[j] === '\r') return false;
      }
      if (j >= text.length) return false;
      i = j;
      continue;
    }
    if (c === '`') return false;
    if (c === '/' && (text[i + 1] === '/' || text[i + 1] === '*')) return false;
    if (c === '*' && text[i + 1] === '/') return false;
    if (c in OPENERS) {
      stack.push(OPENERS[c] as string);
      continue;
    }
    if (CLOSERS.has(c)) {
      if (stack.pop() !== c) return false;
      continue;
    }
    if (c === ';' && stack.length === 0) return false;
  }
  return stack.length === 0;
}

/** `text` with its line breaks and runs of blanks made single spaces. */
const squeeze = (text: string): string => text.replace(/\s+/g, ' ').trim();

/**
 * `text` with its lines' trailing blanks gone and the lines after the first moved left together, so
 * that a multi-line type can be indented again where it is pasted.
 */
function dedent(text: string): string {
  const lines = text
    .trim()
    .split(/\r\n|\r|\n/)
    .map((line) => line.replace(/\s+$/, '').replace(/\t/g, '  '));
  const rest = lines.slice(1).filter((line) => line.trim() !== '');
  const margin = Math.min(...rest.map((line) => /^ */.exec(line)?.[0].length ?? 0));
  return [lines[0], ...lines.slice(1).map((line) => line.slice(Number.isFinite(margin) ? margin : 0))].join(
    '\n',
  );
}

/**
 * A type expression safe to paste, or undefined. Lines after the first are unindented: indent
 * them (`indentLines`) where the type is pasted.
 */
export function safeType(text: unknown): string | undefined {
  if (typeof text !== 'string') return undefined;
  const type = dedent(text);
  return scan(type) ? type : undefined;
}

/** Indent every line of `text` but the first by `indent`. */
export const indentLines = (text: string, indent: string): string => text.replace(/\n(?=.)/g, `\n${indent}`);

/** A signature `(params): Result`, split into its parameter list and result type. */
export interface Signature {
  /** The text between the parentheses. */
  params: string;
  result: string;
}

/** Parse a signature safe to paste, or undefined. */
export function parseSignature(text: unknown): Signature | undefined {
  if (typeof text !== 'string') return undefined;
  const signature = squeeze(text);
  if (!signature.startsWith('(') || !scan(signature)) return undefined;
  let depth = 0;
  let close = -1;
  for (let i = 0; i < signature.length && close < 0; i++) {
    const c = signature[i] as string;
    if (c === '"' || c === "'") {
      for (i++; i < signature.length && signature[i] !== c; i++) if (signature[i] === '\\') i++;
    } else if (c in OPENERS) depth++;
    else if (CLOSERS.has(c) && --depth === 0) close = i;
  }
  const params = signature.slice(1, close);
  const rest = signature.slice(close + 1).trimStart();
  if (close < 0 || !rest.startsWith(':') || !scan(params)) return undefined;
  const result = safeType(rest.slice(1));
  return result === undefined ? undefined : { params: params.trim(), result };
}

/** Whether `name` can be written as it is as a TypeScript identifier (property, parameter). */
export const isIdentifier = (name: string): boolean => /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(name);

/** A property or method name as TypeScript writes it: bare when it can be, else quoted. */
export const propertyName = (name: string): string => (isIdentifier(name) ? name : JSON.stringify(name));

/**
 * Text for a doc comment's body: one line per line of text, control and format characters made
 * spaces, and nothing that could end the comment.
 */
export function commentLines(text: string): string[] {
  return String(text)
    .split(/\r\n|\r|\n|\u2028|\u2029/)
    .map((line) =>
      line
        .replace(/[\p{Cc}\p{Cf}]+/gu, ' ')
        .replace(/\*\//g, '*\\/')
        .trimEnd(),
    );
}

/** A doc comment, indented, or '' when there is nothing to say. */
export function docComment(lines: readonly string[], indent: string): string {
  const body = lines.flatMap(commentLines);
  while (body.length > 0 && body[body.length - 1] === '') body.pop();
  while (body.length > 0 && body[0] === '') body.shift();
  if (body.length === 0) return '';
  if (body.length === 1) return `${indent}/** ${body[0]} */\n`;
  return `${indent}/**\n${body.map((line) => (line ? `${indent} * ${line}` : `${indent} *`)).join('\n')}\n${indent} */\n`;
}
