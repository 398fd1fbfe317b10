// The stdio transport of the language server (`dist/server.js --stdio`, `schema-warden server --stdio`).
//
// vscode-languageserver's own stdio connection drops the errors of its message reader silently: a
// body that is not JSON and a header without a usable Content-Length both vanish, and after the
// latter the reader has lost the message boundaries, so it discards every later message while the
// process lives on, deaf. Here the reader's errors are looked at:
//  - a body that is not JSON (its Content-Length was right, so the next message starts where it
//    ends): logged once, and the server keeps serving;
//  - a header that cannot be read (no Content-Length, a value that is not a number, a line without
//    ':'): the stream cannot be resynchronised, so the server logs why (window/logMessage and
//    stderr) and exits with code 1, which an editor sees as a crash and may answer with a restart.
import { Writable } from 'node:stream';
import { format } from 'node:util';
import {
  createConnection,
  LogMessageNotification,
  MessageType,
  ProposedFeatures,
  StreamMessageReader,
  StreamMessageWriter,
  type Connection,
  type DataCallback,
  type Disposable,
  type Message,
} from 'vscode-languageserver/node';

/** The reader's errors after which the byte stream cannot be split into messages any more. */
const FRAMING_ERROR = /Content-Length|Message header/;

/** The stdin reader; remembers whether `shutdown` came, for the exit code when stdin closes. */
class StdinReader extends StreamMessageReader {
  shutdownReceived = false;

  override listen(callback: DataCallback): Disposable {
    return super.listen((message: Message) => {
      if ((message as { method?: unknown }).method === 'shutdown') this.shutdownReceived = true;
      callback(message);
    });
  }
}

export interface StdioOptions {
  /** How the process ends (tests of the module may pass their own). */
  exit?: (code: number) => void;
}

/** A connection over `input`/`output` (stdin/stdout) that logs malformed traffic and exits on a corrupt stream. */
export function createStdioConnection(
  input: NodeJS.ReadableStream,
  output: NodeJS.WritableStream,
  options: StdioOptions = {},
): Connection {
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const reader = new StdinReader(input);
  const writer = new StreamMessageWriter(new OneWritePerMessage(output));
  const connection = createConnection(ProposedFeatures.all, reader, writer);
  let corrupt = false;
  let notJson = 0;
  let partial = false;

  reader.onError((error) => {
    if (corrupt) return;
    const what = oneLine(error instanceof Error ? error.message : String(error));
    if (FRAMING_ERROR.test(what)) {
      corrupt = true;
      const message =
        `The LSP stream from the editor is corrupt (${what}): the message boundaries are lost, so ` +
        `no later message can be read. The server exits with code 1; the editor may restart it.`;
      process.stderr.write(`schema-warden: ${message}\n`);
      const quit = (): void => exit(1);
      setTimeout(quit, 1000).unref(); // the client may not read any more
      connection.sendNotification(LogMessageNotification.type, { type: MessageType.Error, message }).then(quit, quit);
      return;
    }
    if (notJson++ === 0)
      connection.console.error(
        `Ignored a message whose body is not JSON (${what}). Its Content-Length held, so the next message is read normally; further ones are not logged.`,
      );
  });
  reader.onPartialMessage(() => {
    if (partial) return;
    partial = true;
    connection.console.warn(
      'A message has been incomplete for 10 seconds: if its Content-Length is larger than its body, the next message will be read as the rest of it.',
    );
  });
  // vscode-languageserver ends a stream connection when stdin ends; with a reader of our own, this does.
  const ended = (): void => exit(reader.shutdownReceived ? 0 : 1);
  input.on('end', ended);
  input.on('close', ended);
  routeConsole(connection);
  return connection;
}

/**
 * Hands each message to stdout in one write. vscode-jsonrpc writes a message's header and its body
 * apart, and waits for the first write to finish before the second: on a pipe (stdout to an
 * editor) that is two system calls and a turn of the event loop per message, measured as
 * 0.35–0.5 ms of every keystroke's publication. The header is held until its body comes.
 */
class OneWritePerMessage extends Writable {
  private header: Buffer | undefined;

  constructor(private readonly output: NodeJS.WritableStream) {
    super();
    output.on('error', (error: Error) => this.destroy(error));
    output.on('close', () => this.destroy());
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    if (this.header === undefined && chunk.subarray(0, HEADER.length).equals(HEADER)) {
      this.header = chunk;
      done();
      return;
    }
    const data = this.header ? Buffer.concat([this.header, chunk]) : chunk;
    this.header = undefined;
    this.output.write(data, (error?: Error | null) => done(error));
  }
}

const HEADER = Buffer.from('Content-Length:', 'ascii');

/** stdout carries the protocol: console output (ours or a dependency's) goes to the client's log instead. */
function routeConsole(connection: Connection): void {
  console.log = (...args: unknown[]) => connection.console.log(format(...args));
  console.debug = (...args: unknown[]) => connection.console.log(format(...args));
  console.info = (...args: unknown[]) => connection.console.info(format(...args));
  console.warn = (...args: unknown[]) => connection.console.warn(format(...args));
  console.error = (...args: unknown[]) => connection.console.error(format(...args));
  console.dir = (item: unknown) => connection.console.log(format('%O', item));
  console.trace = (...args: unknown[]) =>
    connection.console.log(`Trace: ${format(...args)}\n${new Error().stack?.split('\n').slice(2).join('\n') ?? ''}`);
}

/** The error on one line, not too long for a log line. */
function oneLine(text: string): string {
  const line = text.replace(/\s*\n\s*/g, ' ').trim();
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
}
