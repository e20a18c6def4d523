// Who a message may go to. A rule is an exact address ("ops@acme.example") or a whole domain
// ("*@acme.example"). Matching is exact on the domain: "*@acme.example" does not cover
// "sub.acme.example" or "evil-acme.example", so a policy says precisely where mail may go.

/** A rule as a policy writes it, checked when the policy is loaded. */
export const RULE = /^(\*|[a-z0-9._'+-]+)@([a-z0-9-]+\.)+[a-z]{2,}$/i;

/**
 * The rule of `rules` that allows `address`, or undefined. Both are lower-case already (the
 * schemas lower-case them), so this is plain string comparison: no globbing, no regex built
 * from policy text.
 *
 * @param {readonly string[]} rules
 * @param {string} address
 * @returns {string | undefined}
 */
export function ruleFor(rules, address) {
  const domain = address.slice(address.lastIndexOf('@') + 1);
  return rules.find((rule) => rule === address || rule === `*@${domain}`);
}
