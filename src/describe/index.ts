// `sesame describe`: the TypeScript declarations (and the same as JSON) of everything a script
// under a policy may use, made from the plugins' own schemas, for a host to put in a model's prompt.
import type { AnyPlugin } from '../plugin/index.ts';
import type { LoadedPolicy } from '../policy/load.ts';
import { type DescribeOptions, policySurface, type SurfaceSources } from './policy.ts';
import type { PolicySurface } from './surface.ts';
import { renderTypeScript } from './typescript.ts';

export type { DescribeOptions, SurfaceSources } from './policy.ts';
export { elideHostPaths, policySurface } from './policy.ts';
export { type JsonSchema, SchemaTypes } from './schema-type.ts';
export type {
  CapabilitySurface,
  GlobalSurface,
  MethodSurface,
  ParameterSurface,
  PolicySurface,
  ToolDescription,
} from './surface.ts';
export { toolMethod } from './surface.ts';
export { renderTypeScript } from './typescript.ts';
export { methodSurface, zodJsonSchema } from './zod.ts';

/** A policy described: the declarations, and the same surface as plain JSON data. */
export interface PolicyDescription {
  /** TypeScript declarations of the script's globals, with doc comments. */
  typescript: string;
  /** The surface the declarations were made from: JSON Schema for each parameter and result. */
  json: PolicySurface;
}

/** Describe a policy's surface, with the plugins (and third-party descriptors) given. */
export function describeWith(
  policy: LoadedPolicy,
  sources: SurfaceSources | readonly AnyPlugin[],
  options: DescribeOptions = {},
): PolicyDescription {
  const surface = policySurface(policy, 'plugins' in sources ? sources : { plugins: sources }, options);
  return { typescript: renderTypeScript(surface), json: surface };
}
