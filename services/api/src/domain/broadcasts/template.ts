/** `{{ name }}` placeholders (letters, digits, `_`, `.`, `-`). */
const PLACEHOLDER = /\{\{\s*([A-Za-z0-9_.-]+)\s*\}\}/g;

/** Names used by a template, once each. */
export function templateVariables(template: string | null): string[] {
  if (!template) return [];
  return [...new Set([...template.matchAll(PLACEHOLDER)].map((m) => m[1]!))];
}

/**
 * Fills the placeholders with `variables`; a placeholder without a (non-blank) value makes
 * the row refused: `{missing: name}`.
 */
export function renderTemplate(
  template: string,
  names: string[],
  variables: Record<string, string>,
): { text: string } | { missing: string } {
  if (names.length === 0) return { text: template };
  for (const name of names) {
    const value = variables[name];
    if (value === undefined || value.trim() === "") return { missing: name };
  }
  return { text: template.replace(PLACEHOLDER, (_, name: string) => variables[name]!) };
}
