// The words of policy errors, in one place, because two processes write them: the host for the
// policy schema and built-in plugins' configs, and a sandbox for third-party plugins' configs
// (whose schemas are plugin code, never run on the host). Both must read alike. Pure functions
// over zod issues and JSON Schema: nothing here touches the file system or either side's state.
import { z } from '../plugin/index.ts';
import { expected } from './schema.ts';

/** One problem in a policy before it is placed: where it points, and the whole message. */
export interface PolicyProblem {
  /** From the policy's root, e.g. ['capabilities', 'fs', 'write', 0]. */
  path: (string | number)[];
  /** Point at the key (unknown or invalid keys) or at the value. */
  target: 'key' | 'value';
  /** Starts with the path in dotted form. */
  message: string;
}

/** The problems one zod issue stands for, its path prefixed with `base`. */
export function zodIssueProblems(
  issue: z.core.$ZodIssue,
  base: readonly (string | number)[],
): PolicyProblem[] {
  const at = [
    ...base,
    ...issue.path.filter((segment): segment is string | number => typeof segment !== 'symbol'),
  ];
  if (issue.code === 'unrecognized_keys') {
    // describeIssue made the message the list of allowed keys.
    return issue.keys.map((key) => ({
      path: [...at, key],
      target: 'key' as const,
      message: `${prefix(at)}unknown key ${JSON.stringify(key)} (${issue.message})`,
    }));
  }
  return [
    {
      path: at,
      target: issue.code === 'invalid_key' ? 'key' : 'value',
      message: `${prefix(at)}${issue.message}`,
    },
  ];
}

/** The policy's message for each zod issue (runs inside zod; schema-level messages win over it). */
export function describeIssue(issue: z.core.$ZodRawIssue): string | undefined {
  switch (issue.code) {
    case 'unrecognized_keys':
      return `expected one of: ${allowedKeys(issue.schema).join(', ')}`;
    case 'invalid_key':
    case 'invalid_element':
      return issue.issues.map((inner) => inner.message).join('; ');
    case 'invalid_union': {
      if (issue.discriminator === undefined) return expected(describeSchema(issue.schema), issue.input);
      const value = isRecord(issue.input) ? issue.input[issue.discriminator] : undefined;
      const options = (Array.isArray(issue.options) ? issue.options : [])
        .map((o) => JSON.stringify(o))
        .join(', ');
      if (typeof value !== 'string') return expected(`one of ${options}`, value);
      return `unknown ${issue.discriminator} ${JSON.stringify(value)} (expected one of ${options})`;
    }
    case 'custom':
      return undefined; // a refinement's own message
    default: {
      const what = describeSchema(issue.schema);
      // `capabilities:` with nothing after it is YAML null, a common slip for an empty mapping.
      const hint = what === 'a mapping' && issue.input === null ? '; write {} for an empty mapping' : '';
      return expected(what, issue.input) + hint;
    }
  }
}

export type JsonSchema = z.core.JSONSchema.BaseSchema;

function jsonSchemaOf(schema: z.core.$ZodType | undefined): JsonSchema | undefined {
  if (schema === undefined) return undefined;
  try {
    // JSON Schema is zod's public description of a schema; reading it avoids zod's internals.
    return z.toJSONSchema(schema, { target: 'draft-07', io: 'input', unrepresentable: 'any' });
  } catch {
    return undefined;
  }
}

function allowedKeys(schema: z.core.$ZodType | undefined): string[] {
  const keys = Object.keys(jsonSchemaOf(schema)?.properties ?? {});
  // The discriminator first: it is what a reader of a capability's config looks for.
  return keys.includes('plugin') ? ['plugin', ...keys.filter((key) => key !== 'plugin')] : keys;
}

function describeSchema(schema: z.core.$ZodType | undefined): string {
  const json = jsonSchemaOf(schema);
  return json === undefined ? 'a valid value' : describeJson(json);
}

/** An English noun phrase for what a JSON Schema accepts: "an integer from 1 to 600000". */
export function describeJson(json: JsonSchema): string {
  if (json.const !== undefined) return JSON.stringify(json.const);
  if (json.enum) return `one of ${json.enum.map((value) => JSON.stringify(value)).join(', ')}`;
  const alternatives = json.anyOf ?? json.oneOf;
  if (alternatives) return alternatives.map(describeJson).join(' or ');
  switch (json.type) {
    case 'integer':
    case 'number':
      return describeNumber(json);
    case 'string':
      return describeString(json);
    case 'boolean':
      return 'true or false';
    case 'null':
      return 'null';
    case 'array': {
      const count = json.minItems
        ? ` of at least ${json.minItems} item${json.minItems === 1 ? '' : 's'}`
        : '';
      const items =
        typeof json.items === 'object' && !Array.isArray(json.items)
          ? ` (each ${describeJson(json.items)})`
          : '';
      return `a list${count}${items}`;
    }
    case 'object':
      return 'a mapping';
    default:
      return 'a valid value';
  }
}

function describeNumber(json: JsonSchema): string {
  const noun = json.type === 'integer' ? 'an integer' : 'a number';
  // z.int() states the safe-integer range; saying so would only be noise.
  const min =
    typeof json.minimum === 'number' && json.minimum > Number.MIN_SAFE_INTEGER ? json.minimum : undefined;
  const max =
    typeof json.maximum === 'number' && json.maximum < Number.MAX_SAFE_INTEGER ? json.maximum : undefined;
  const parts: string[] = [];
  if (min !== undefined && max !== undefined) parts.push(`from ${min} to ${max}`);
  else if (min !== undefined) parts.push(`of at least ${min}`);
  else if (max !== undefined) parts.push(`of at most ${max}`);
  if (typeof json.exclusiveMinimum === 'number') parts.push(`greater than ${json.exclusiveMinimum}`);
  if (typeof json.exclusiveMaximum === 'number') parts.push(`less than ${json.exclusiveMaximum}`);
  if (json.multipleOf !== undefined) parts.push(`a multiple of ${json.multipleOf}`);
  return [noun, ...parts].join(' ');
}

function describeString(json: JsonSchema): string {
  if (json.format === 'date-time') return 'an ISO 8601 date-time string such as 2025-01-31T12:00:00Z';
  if (json.format) return `a string in ${json.format} format`;
  if (json.pattern) return `a string matching /${json.pattern}/`;
  const { minLength: min, maxLength: max } = json;
  if (min === 1 && max === undefined) return 'a non-empty string';
  if (min !== undefined && max !== undefined) return `a string of ${min} to ${max} characters`;
  if (min !== undefined) return `a string of at least ${min} characters`;
  if (max !== undefined) return `a string of at most ${max} characters`;
  return 'a string';
}

/** `capabilities.fs.write[0]`, quoting keys that are not identifiers. */
export function formatPath(at: readonly (string | number)[]): string {
  return at
    .map((segment, index) => {
      if (typeof segment === 'number') return `[${segment}]`;
      if (!/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(segment)) return `[${JSON.stringify(segment)}]`;
      return index === 0 ? segment : `.${segment}`;
    })
    .join('');
}

export const prefix = (at: readonly (string | number)[]): string =>
  at.length === 0 ? '' : `${formatPath(at)}: `;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
