// Secret references in plugin config text ("Bearer ${GITHUB_TOKEN}"): parsed once, filled in by
// the runtime or a plugin with the values it was given. The http plugin's header templates and the
// MCP provider's env and header values use them.

/** A secret's name, as the policy's `secrets:` map spells it. */
export const SECRET_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

export type TemplatePart = { text: string } | { secret: string };

/** Split a header template into text and `${NAME}` references; a malformed reference is a problem. */
export function parseTemplate(
  template: string,
): { ok: true; parts: TemplatePart[] } | { ok: false; problem: string } {
  const parts: TemplatePart[] = [];
  let rest = template;
  while (rest !== '') {
    const at = rest.indexOf('${');
    if (at === -1) {
      parts.push({ text: rest });
      break;
    }
    if (at > 0) parts.push({ text: rest.slice(0, at) });
    const end = rest.indexOf('}', at);
    const name = end === -1 ? '' : rest.slice(at + 2, end);
    if (end === -1 || !SECRET_NAME.test(name)) {
      return { ok: false, problem: `has "\${" without a secret name and "}" after it (expected \${NAME})` };
    }
    parts.push({ secret: name });
    rest = rest.slice(end + 1);
  }
  return { ok: true, parts };
}

/** The secret names a template refers to. */
export function templateSecrets(template: string): string[] {
  const parsed = parseTemplate(template);
  return parsed.ok ? parsed.parts.flatMap((p) => ('secret' in p ? [p.secret] : [])) : [];
}

/** Fill in a template. Throws (naming the secret, never a value) if a secret is missing. */
export function expandTemplate(
  parts: readonly TemplatePart[],
  secrets: Readonly<Record<string, string>>,
): string {
  return parts
    .map((p) => {
      if ('text' in p) return p.text;
      const value = Object.hasOwn(secrets, p.secret) ? secrets[p.secret] : undefined;
      if (value === undefined)
        throw new TypeError(`the secret ${p.secret} was not provided to this capability`);
      return value;
    })
    .join('');
}
