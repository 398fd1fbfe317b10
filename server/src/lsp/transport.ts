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
import { format } from 'node:util';
import {
  AbstractMessageWriter,
  createConnection,
  LogMessageNotification,
  MessageType,
  ProposedFeatures,
  StreamMessageReader,
  type Connection,
  type DataCallback,
  type Disposable,
  type Message,
  type MessageWriter,
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
  const writer = new BatchedMessageWriter(output);
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
 * Writes the messages of one turn of the event loop to stdout together, each framed as
 * vscode-jsonrpc frames it (`Content-Length: N` and the UTF-8 JSON body). vscode-jsonrpc's own
 * stream writer writes a message's header and body apart and each message in a turn of its own:
 * a keystroke's publication then cost two system calls and a turn (0.35–0.5 ms), and the 1,000
 * publications of a workspace's first index 1,000 turns and 2,000 calls after the index was built.
 * Messages keep their order (they are framed when sent); each one's promise settles when its write does.
 */
class BatchedMessageWriter extends AbstractMessageWriter implements MessageWriter {
  private pending: Buffer[] = [];
  private settles: Array<(error?: Error | null) => void> = [];
  private scheduled = false;
  private errors = 0;

  constructor(private readonly output: NodeJS.WritableStream) {
    super();
    output.on('error', (error: Error) => this.fireError(error));
    output.on('close', () => this.fireClose());
  }

  write(message: Message): Promise<void> {
    let body: Buffer;
    try {
      body = Buffer.from(JSON.stringify(message), 'utf8');
    } catch (error) {
      this.fireError(error, message, ++this.errors);
      return Promise.reject(error as Error);
    }
    this.pending.push(Buffer.from(`Content-Length: ${body.length}\r\n\r\n`, 'ascii'), body);
    const written = new Promise<void>((resolve, reject) =>
      this.settles.push((error) => (error ? reject(error) : resolve())),
    );
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
    return written;
  }

  private flush(): void {
    this.scheduled = false;
    const data = Buffer.concat(this.pending);
    const settles = this.settles;
    this.pending = [];
    this.settles = [];
    this.output.write(data, (error?: Error | null) => {
      if (error) this.fireError(error, undefined, ++this.errors);
      for (const settle of settles) settle(error);
    });
  }

  end(): void {
    // stdout stays open: the process ends it as it exits
  }
}

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
