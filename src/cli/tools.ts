// `--tools <module>`: the operator's host tools for the CLI (run, describe, mcp). The module is
// the operator's own code, imported into the CLI process like any host code; it exports the tools
// object given to createRuntime({ tools }) as its default export or as `tools`.
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Option } from 'commander';
import type { HostTools } from '../supervisor/tools.ts';

export function toolsOption(): Option {
  return new Option(
    '--tools <module>',
    'a JavaScript/TypeScript module of host tools (export default { name: { description, args, handler } })',
  );
}

/** The tools module cannot be used; the message says why. */
export class ToolsModuleError extends Error {
  override name = 'ToolsModuleError';
}

/** Import the tools module; throws ToolsModuleError saying what is wrong. */
export async function loadTools(module: string | undefined): Promise<HostTools | undefined> {
  if (module === undefined) return undefined;
  let loaded: { default?: unknown; tools?: unknown };
  try {
    loaded = (await import(pathToFileURL(path.resolve(module)).href)) as typeof loaded;
  } catch (error) {
    throw new ToolsModuleError(`cannot load the tools module ${module}: ${(error as Error).message}`);
  }
  const tools = loaded.tools ?? loaded.default;
  if (typeof tools !== 'object' || tools === null) {
    throw new Error(
      `the tools module ${module} exports no tools (expected export default { name: tool, ... })`,
    );
  }
  return tools as HostTools;
}
