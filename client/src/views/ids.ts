/** The Schema Warden view container's views (package.json `contributes.views.schemaWarden`). */
export const VIEW_IDS = {
  revisions: 'schemaWarden.revisions',
  database: 'schemaWarden.database',
  results: 'schemaWarden.results',
} as const;
