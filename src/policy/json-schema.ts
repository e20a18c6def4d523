// The policy's JSON Schema, derived from the zod schema (never written by hand), for YAML editors:
// a policy starting with `# yaml-language-server: $schema=./schema.json` gets completion and
// errors as you type. Draft-07 because that is what yaml-language-server understands best.
import type { AnyPlugin } from '../plugin/index.ts';
import { z } from '../plugin/index.ts';
import { capabilityNameSchema, makePolicySchema, RESERVED_NAMES } from './schema.ts';

const SCHEMA_ID = 'urn:sesame:policy:v1';

/** The JSON Schema (draft-07) of a policy file for the given plugins. */
export function policyJsonSchema(plugins: readonly AnyPlugin[]): Record<string, unknown> {
  const reserved = RESERVED_NAMES.flatMap((group) => group.names);
  const { $schema, ...body } = z.toJSONSchema(makePolicySchema(plugins), {
    target: 'draft-07',
    io: 'input', // what an author writes: defaulted keys are optional
    override: (ctx) => {
      // The reserved-name refinement has no JSON Schema form of its own; say it as `not enum`
      // so editors flag `Object:` or `input:` as a capability name too.
      if (ctx.zodSchema === capabilityNameSchema) ctx.jsonSchema.not = { enum: reserved };
    },
  });
  return {
    $schema,
    $id: SCHEMA_ID,
    title: 'sesame policy (version 1)',
    ...body,
    description:
      'What one task may do: its limits and the capabilities its script gets as globals. Generated from the zod schema in src/policy/schema.ts by `npm run schema`; do not edit.',
  };
}

/** policies/schema.json exactly as it is written: pretty JSON and a trailing newline. */
export function renderPolicyJsonSchema(plugins: readonly AnyPlugin[]): string {
  return `${JSON.stringify(policyJsonSchema(plugins), null, 2)}\n`;
}
