/** Where a rule's documentation page lives (generated into docs/rules/ from the rule's metadata). */
export const DOCS_BASE_URL = 'https://github.com/schema-warden/schema-warden/blob/main/docs/rules/';

export function ruleDocFileName(id: string, name: string): string {
  return `${id}-${name}.md`;
}

export function ruleDocUrl(id: string, name: string): string {
  return DOCS_BASE_URL + ruleDocFileName(id, name);
}
