// Host tools: functions the host application registers with createRuntime({ tools }). They run in
// the host process, with the host's authority; a policy grants them to a task by name
// (`plugin: tools, allow: [...]`). The script never holds them: its capability's methods only ask
// the supervisor, which validates the argument with the tool's zod schema, asks for approval where
// the policy says so, records the intent, calls the handler and checks what it returns.
import { z } from 'zod';
import { TOOL_NAME, UNUSABLE_METHOD_NAMES } from '../policy/providers.ts';

/** What a handler learns of the call it serves. */
export interface ToolContext {
  /** Aborted when the run ends first (timeout, abort, memory, a crash): stop working then. */
  readonly signal: AbortSignal;
  readonly runId: string;
  /** The task named by the run's policy. */
  readonly task: string;
  /** The capability (guest global) the script called the tool through. */
  readonly capability: string;
}

/** A function the host offers to scripts. */
export interface HostTool<A extends z.ZodType = z.ZodType, R extends z.ZodType = z.ZodType> {
  /** One paragraph for the model (`sesame describe`) and for reviewers. */
  description: string;
  /** The schema of the tool's one argument, usually z.object({...}); the handler gets the parsed value. */
  args: A;
  /** Optional: the schema of the result; a result that does not match fails the call (E_TOOL). */
  returns?: R;
  /**
   * Does the work. Its result must be JSON data. Throw ToolError to give the script a code and a
   * message; any other error reaches the script only as "<capability>.<tool> failed" (E_TOOL).
   */
  handler: (args: z.output<A>, ctx: ToolContext) => unknown;
}

// biome-ignore lint/suspicious/noExplicitAny: a registry holds tools of every shape
export type HostTools = Record<string, HostTool<any, any>>;

/** Define a tool with its argument type inferred from the schema. */
export function defineTool<A extends z.ZodType, R extends z.ZodType = z.ZodType>(
  tool: HostTool<A, R>,
): HostTool<A, R> {
  return tool;
}

/** An error a tool throws on purpose: its code and message reach the script as they are. */
export class ToolError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = 'ToolError';
    this.code = code;
  }
}

/** A tool's contract, as the runtime keeps it (frozen at createRuntime). */
export interface RegisteredTool {
  readonly name: string;
  readonly description: string;
  readonly args: z.ZodType;
  readonly returns: z.ZodType | undefined;
  readonly handler: HostTool['handler'];
}

/** Check and freeze the tools given to createRuntime; throws TypeError naming what is wrong. */
export function registerTools(tools: HostTools | undefined): ReadonlyMap<string, RegisteredTool> {
  const registry = new Map<string, RegisteredTool>();
  if (tools === undefined) return registry;
  if (typeof tools !== 'object' || tools === null)
    throw new TypeError('tools must be an object of tools by name');
  for (const [name, tool] of Object.entries(tools)) {
    const where = `tools.${name}`;
    if (!TOOL_NAME.test(name) || UNUSABLE_METHOD_NAMES.includes(name)) {
      throw new TypeError(
        `${where}: a tool name must be a JavaScript identifier other than ${UNUSABLE_METHOD_NAMES.join(', ')}`,
      );
    }
    if (typeof tool?.description !== 'string' || tool.description.trim() === '') {
      throw new TypeError(`${where}: a description is required (the model reads it)`);
    }
    if (!(tool.args instanceof z.ZodType)) throw new TypeError(`${where}: args must be a zod schema`);
    if (tool.returns !== undefined && !(tool.returns instanceof z.ZodType)) {
      throw new TypeError(`${where}: returns must be a zod schema`);
    }
    if (typeof tool.handler !== 'function') throw new TypeError(`${where}: handler must be a function`);
    registry.set(
      name,
      Object.freeze({
        name,
        description: tool.description,
        args: tool.args,
        returns: tool.returns,
        handler: tool.handler,
      }),
    );
  }
  return registry;
}
