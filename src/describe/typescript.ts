// The surface as TypeScript declarations a model reads in its prompt (and a compiler can check a
// script against): a header comment with the script format and limits, `input`, `console`, the
// standard globals plugins turn on, and one `declare const` per capability whose methods carry
// their descriptions, parameter docs and what the policy allows.
import { type JsonSchema, SchemaTypes, schemaDocLines } from './schema-type.ts';
import type { CapabilitySurface, MethodSurface, PolicySurface } from './surface.ts';
import { docComment, indentLines, parseSignature, propertyName, safeType } from './type-text.ts';

const CONSOLE_METHODS = ['log', 'info', 'warn', 'error', 'debug'] as const;

const pascal = (text: string): string =>
  text
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((word) => word[0]?.toUpperCase() + word.slice(1))
    .join('');

/** Whether a schema is `{}`, true or only annotations: anything goes. */
function isAnything(schema: JsonSchema): boolean {
  if (schema === true) return true;
  if (schema === false) return false;
  return Object.keys(schema).every((key) => ['description', 'title', '$comment', 'examples'].includes(key));
}

/** One capability method's declaration, with its doc comment, as member lines at `indent`. */
interface MethodText {
  doc: string[];
  /** `(params): Promise<Result>` for each signature. */
  signatures: string[];
}

class Declarations {
  readonly types: SchemaTypes;

  constructor(taken: Iterable<string>) {
    this.types = new SchemaTypes(taken);
  }

  /** The result type of a method, without Promise<>. */
  result(method: MethodSurface, indent: string, prefix: string): string {
    const written = safeType(method.returnsType);
    if (written !== undefined) return indentLines(written, indent);
    if (method.returns === null) return 'void';
    return this.types.type(method.returns, { indent, prefix });
  }

  /**
   * A method's doc and signatures. With `hoist` (a callable capability's call, shown twice), long
   * parameter and result types are declared once as named types instead.
   */
  method(method: MethodSurface, indent: string, prefix: string, hoist?: Map<string, string>): MethodText {
    const doc: string[] = method.description ? [method.description] : [];
    for (const param of method.params) {
      const lines = schemaDocLines(param.schema);
      if (lines.length > 0) doc.push(`@param ${param.name} ${lines.join(' ')}`);
    }
    if (method.returns !== null && method.returns !== undefined) {
      const lines = schemaDocLines(method.returns);
      if (lines.length > 0 && method.returnsType === undefined) doc.push(`@returns ${lines.join(' ')}`);
    }
    const written = (method.signatures ?? []).map(parseSignature);
    if (written.length > 0 && written.every((s) => s !== undefined)) {
      return {
        doc,
        signatures: written.map((s) => `(${s?.params}): Promise<${indentLines(s?.result ?? '', indent)}>`),
      };
    }
    const named = (key: string, make: () => string): string => {
      const known = hoist?.get(key);
      if (known !== undefined) return known;
      const text = make();
      if (hoist === undefined || !text.includes('\n')) return text;
      const name = this.types.declare(pascal(`${prefix} ${key}`), text);
      hoist.set(key, name);
      return name;
    };
    const params = method.params.map((param, i) => {
      const name = /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(param.name) ? param.name : `arg${i}`;
      if (param.rest) return `...${name}: ${this.types.atom(param.schema, { indent, prefix })}[]`;
      const type = named(name, () => this.types.type(param.schema, { indent: hoist ? '' : indent, prefix }));
      return `${name}${param.optional ? '?' : ''}: ${type}`;
    });
    const result = named('result', () => this.result(method, hoist ? '' : indent, prefix));
    return { doc, signatures: [`(${params.join(', ')}): Promise<${result}>`] };
  }

  capability(capability: CapabilitySurface): string {
    const inner = '  ';
    const members: string[] = [];
    const prefix = (method: string) => (method === capability.name ? method : `${capability.name} ${method}`);
    // A callable capability shows its call first, and its method of the same name again: long
    // types of the two get names, so that each is shown once.
    const hoisted = new Map<string, string>();
    const call = capability.callable === undefined ? undefined : capability.methods[capability.callable];
    if (call !== undefined && capability.callable !== undefined) {
      const declared = this.method(call, inner, prefix(capability.callable), hoisted);
      for (const signature of declared.signatures) {
        members.push(`${docComment(declared.doc, inner)}${inner}${signature};`);
      }
    }
    for (const [name, method] of Object.entries(capability.methods)) {
      const declared =
        name === capability.callable
          ? {
              ...this.method(method, inner, prefix(name), hoisted),
              doc: [`The same as calling ${capability.name}(...) itself.`],
            }
          : this.method(method, inner, prefix(name));
      declared.signatures.forEach((signature, i) => {
        members.push(
          `${i === 0 ? docComment(declared.doc, inner) : ''}${inner}${propertyName(name)}${signature};`,
        );
      });
    }
    const doc = [capability.description];
    if (capability.notes.length > 0) {
      doc.push('', `Granted${capability.source ? ` (${capability.source})` : ''}:`);
      for (const note of capability.notes) doc.push(`- ${note}`);
    }
    const body = members.length === 0 ? '{}' : `{\n${members.join('\n')}\n}`;
    return `${docComment(doc, '')}declare const ${capability.name}: ${body};`;
  }
}

function header(surface: PolicySurface): string {
  const lines = [
    `Tool script API for the task "${surface.task}"${surface.description ? `: ${surface.description}` : '.'}`,
    '',
    ...surface.rules,
  ];
  if (surface.globals.length > 0) {
    lines.push('', 'Also available:');
    for (const global of surface.globals) {
      lines.push(`- ${global.note}${global.capability ? ` (${global.capability})` : ''}`);
    }
  }
  if (surface.unavailable.length > 0) {
    lines.push('', 'Not available here:');
    for (const line of surface.unavailable) lines.push(`- ${line}`);
  }
  return docComment(lines, '');
}

/** The surface as TypeScript declarations. */
export function renderTypeScript(surface: PolicySurface): string {
  const globals = surface.globals.filter((g) => g.type !== undefined && /^[A-Za-z_$][\w$]*$/.test(g.name));
  const decl = new Declarations([
    'input',
    'console',
    ...globals.map((g) => g.name),
    ...surface.capabilities.map((c) => c.name),
  ]);
  const blocks: string[] = [];

  const inputDoc = isAnything(surface.input)
    ? ['The task input: JSON data whose shape is not declared; check it before use.']
    : ['The task input (JSON data).', ...schemaDocLines(surface.input)];
  blocks.push(
    `${docComment(inputDoc, '')}declare const input: ${decl.types.type(surface.input, { prefix: 'Input' })};`,
  );
  const consoleMembers = CONSOLE_METHODS.map((m) => `  ${m}(...data: unknown[]): void;`).join('\n');
  blocks.push(
    `${docComment(["Lines for the run's logs (the host reads them; they count toward the output limit)."], '')}declare const console: {\n${consoleMembers}\n};`,
  );
  for (const global of globals) {
    const type = safeType(global.type);
    if (type !== undefined)
      blocks.push(`${docComment([global.note], '')}declare const ${global.name}: ${type};`);
  }
  const capabilities = surface.capabilities.map((capability) => decl.capability(capability));
  blocks.push(...decl.types.aliases, ...capabilities);
  return `${header(surface)}\n${blocks.join('\n\n')}\n`;
}
