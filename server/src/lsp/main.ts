// The language server's entry (bundled to dist/server.js). The transport comes from the command
// line, as vscode-languageclient passes it: `--node-ipc` for the VS Code extension, `--stdio` for
// other editors (or `schema-warden server --stdio`), `--socket=PORT`.
import { createConnection, ProposedFeatures } from 'vscode-languageserver/node';
import { startServer } from './server';
import { createStdioConnection } from './transport';

startServer(
  process.argv.includes('--stdio')
    ? createStdioConnection(process.stdin, process.stdout)
    : createConnection(ProposedFeatures.all),
);
