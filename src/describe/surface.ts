// What a script under a policy may use, as neutral data: the capabilities (each method's
// parameters and result as JSON Schema), the standard globals that plugins turn on, the limits and
// the input. Plugins (zod, ./zod.ts), third-party plugins (their descriptors, made in a sandbox)
// and host tools or MCP tools (JSON Schema only, toolMethod) all become this model, and the
// TypeScript and JSON renderings are made from it alone, so each kind is described alike.
import type { Limits } from '../protocol.ts';
import type { JsonSchema } from './schema-type.ts';

export type { JsonSchema };

/** One parameter of a method. */
export interface ParameterSurface {
  /** The name shown: the schema's `title` when it is an identifier, else `arg0`, `arg1`, ... */
  name: string;
  schema: JsonSchema;
  /** May be left out (only trailing parameters are). */
  optional: boolean;
  /** A rest parameter (`...name`): `schema` is each element's. Only the last may be. */
  rest?: boolean;
}

/** One method of a capability. */
export interface MethodSurface {
  description: string;
  params: ParameterSurface[];
  /**
   * What the call resolves to: a JSON Schema (`{}` or true: anything), or null when it resolves
   * to nothing (`Promise<void>`).
   */
  returns: JsonSchema | null;
  /**
   * TypeScript text of the result the script gets, instead of the one `returns` gives (a result
   * that the runtime reshapes, such as fs `stat`'s `isFile()`). Without `Promise<>`.
   */
  returnsType?: string;
  /**
   * TypeScript signatures `(params): Result` that replace the derived one, for a result whose
   * type depends on the arguments. Results are written without `Promise<>`.
   */
  signatures?: string[];
}

/** One capability: a global of the script. */
export interface CapabilitySurface {
  /** The global's name, an identifier. */
  name: string;
  /** What provides it, shown beside the name: `plugin fs`, `host tools`, `MCP server github`. */
  source?: string;
  description: string;
  /** When the capability itself can be called (`fetch(url)`): the method that call runs. */
  callable?: string;
  /** What the policy allows it, one line each (the plugin's explain lines). */
  notes: string[];
  methods: Record<string, MethodSurface>;
}

/** A standard global that a capability turns on (clock makes `Date.now()` work). */
export interface GlobalSurface {
  /** The global, as scripts write it. */
  name: string;
  /** The capability that turns it on; absent for globals every script has. */
  capability?: string;
  /** One line: what works. */
  note: string;
  /** A TypeScript type, when the standard library's declarations (ES2022) do not have it. */
  type?: string;
}

/** Everything a script under one policy may use. */
export interface PolicySurface {
  task: string;
  description?: string;
  limits: Limits;
  /** The script format and its rules, one sentence each. */
  rules: string[];
  /** The JSON Schema of `input` (`{}`: any JSON data). */
  input: JsonSchema;
  /** Standard globals capabilities turn on. */
  globals: GlobalSurface[];
  /** Standard things that do not work under this policy (they throw), one line each. */
  unavailable: string[];
  capabilities: CapabilitySurface[];
}

/** A tool as MCP and most agent frameworks describe one: one object argument, JSON Schema only. */
export interface ToolDescription {
  description?: string;
  /** The schema of the tool's one argument (an object schema, usually). */
  inputSchema: JsonSchema;
  /** The schema of the result; absent when unknown. */
  outputSchema?: JsonSchema;
  /** Name of the argument in the declaration (default: its schema's title, else `args`). */
  argName?: string;
}

/**
 * A method that takes one object argument, described by JSON Schema only: how host tools and MCP
 * tools become capability methods, e.g.
 * `{ name: 'github', description, notes: [], methods: { create_issue: toolMethod(tool) } }`.
 */
export function toolMethod(tool: ToolDescription): MethodSurface {
  const title =
    typeof tool.inputSchema === 'object' && typeof tool.inputSchema.title === 'string'
      ? tool.inputSchema.title
      : undefined;
  const name =
    tool.argName ?? (title !== undefined && /^[a-z_$][A-Za-z0-9_$]*$/.test(title) ? title : 'args');
  return {
    description: tool.description ?? '',
    params: [{ name, schema: tool.inputSchema, optional: false }],
    returns: tool.outputSchema ?? {},
  };
}
