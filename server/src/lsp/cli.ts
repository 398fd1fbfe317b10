import type { CliIo } from '../cli/io';
import { startServer } from './server';
import { createStdioConnection } from './transport';

export const SERVER_USAGE = `Usage: schema-warden server --stdio

Runs the Schema Warden language server over stdin/stdout, for any LSP editor
(Neovim, Helix, Zed, Emacs…). See docs/editor.md for configuration snippets.`;

/** `schema-warden server --stdio`: resolves when the client ends the session. */
export async function runServer(argv: string[], io: CliIo): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.stdout(SERVER_USAGE + '\n');
    return 0;
  }
  if (!argv.includes('--stdio')) {
    io.stderr(`schema-warden server: only --stdio is supported\n\n${SERVER_USAGE}\n`);
    return 2;
  }
  const connection = createStdioConnection(process.stdin, process.stdout);
  const closed = new Promise<number>((resolve) => connection.onExit(() => resolve(0)));
  startServer(connection);
  return closed;
}
