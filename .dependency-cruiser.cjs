// The layers of docs/architecture.md, checked: `npm run check:layers` (and `npm test`) fails on an
// import cycle, an import up the layers, or the client reaching into the server.
//
// Each layer may import itself and the layers listed before it, never one listed after it. Layers on
// one line are peers: they may import each other, but a cycle between two modules is still an error.
// Type-only imports count: a type that must be imported upwards is declared in the wrong layer.
const LAYERS = [
  ['shared'], //                 client/server contract: messages, settings, severities
  ['parse', 'config'], //        syntax (Python, SQL) and the team configuration file
  ['model'], //                  MigrationModel, ProjectModel, the replayed schema
  ['analysis'], //               facts derived from the model: object effects, schema history, type changes …
  ['fixes'], //                  the code that writes edits (rules offer fixes built here)
  ['rules', 'decisions'], //     one module per rule; decision records and waivers (SW9xx)
  ['engine'], //                 runs the rules over files and projects
  ['lsp', 'cli'], //             the two faces of the engine
];

const server = (folder) => `^server/src/${folder}/`;
const anyOf = (folders) => `^server/src/(${folders.join('|')})/`;

const upwardImports = LAYERS.flatMap((peers, level) => {
  const above = LAYERS.slice(level + 1).flat();
  if (above.length === 0) return [];
  return [
    {
      name: `no-upward-import-from-${peers.join('-')}`,
      comment: `${peers.join(', ')} may not import ${above.join(', ')}: those sit above it (docs/architecture.md).`,
      severity: 'error',
      from: { path: anyOf(peers) },
      to: { path: anyOf(above) },
    },
  ];
});

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'An import cycle (type-only imports included) ties modules that should depend one way.',
      severity: 'error',
      from: { path: '^(server|client)/src/' },
      to: { circular: true },
    },
    ...upwardImports,
    {
      name: 'runner-beside',
      comment:
        'The runner sits beside the engine: it reads Alembic projects through Python and PostgreSQL, ' +
        'not through the parser, the model or the rules, and nothing below the rules reads its results.',
      severity: 'error',
      from: { path: server('runner') },
      to: { path: anyOf(['parse', 'model', 'analysis', 'fixes', 'rules', 'decisions', 'engine', 'lsp', 'cli']) },
    },
    {
      name: 'nothing-low-imports-the-runner',
      comment: 'Only the rules that report its results (SW510), the CLI and the client read the runner.',
      severity: 'error',
      from: { path: anyOf(['shared', 'parse', 'config', 'model', 'analysis', 'fixes', 'engine', 'lsp']) },
      to: { path: server('runner') },
    },
    {
      name: 'client-only-through-the-protocol',
      comment:
        'The client talks to the language server through the protocol (server/src/shared/); it may run the ' +
        'vscode-free runner in the extension host (server/src/runner/), nothing else of the server.',
      severity: 'error',
      from: { path: '^client/src/' },
      to: { path: '^server/src/', pathNot: '^server/src/(shared|runner)/' },
    },
    {
      name: 'server-never-imports-the-client',
      severity: 'error',
      from: { path: '^server/src/' },
      to: { path: '^client/src/' },
    },
    {
      name: 'shared-imports-nothing',
      comment: 'server/src/shared/ is imported unchanged by client and server: it depends on no module of either.',
      severity: 'error',
      from: { path: server('shared') },
      to: { path: '^(server|client)/src/', pathNot: server('shared') },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    includeOnly: '^(server|client)/src/',
    tsPreCompilationDeps: true, // type-only imports are dependencies too
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.json'] },
    reporterOptions: {
      text: { highlightFocused: true },
    },
  },
};
