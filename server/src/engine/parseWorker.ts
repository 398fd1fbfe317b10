/**
 * A worker thread of the parallel analysis (engine/parallelAnalyze.ts): reads and parses revision
 * files with tree-sitter and sends back each file's text, its tree encoded as numbers (transferred,
 * not copied) and its syntax errors. The models are built on the main thread: they hold functions
 * and the project rules need them all in one heap.
 *
 * Bundled on its own (dist/parseWorker.js) so that a worker loads tree-sitter and nothing else.
 */
import * as fs from 'node:fs';
import { parentPort } from 'node:worker_threads';
import { initPythonParser, parsePython } from '../parse/python';
import { encodeTree, languageTables } from '../parse/pyTree';
import { syntaxErrorsOf } from '../parse/syntaxErrors';
import type { ParsedFile, ToMain, ToWorker } from './parseProtocol';

const port = parentPort;
if (!port) throw new Error('parseWorker.js runs as a worker thread');

const ready = initPythonParser();
let tablesSent = false;

port.on('message', (message: ToWorker) => {
  void ready.then(
    () => {
      const files: ParsedFile[] = [];
      const transfer: ArrayBuffer[] = [];
      for (const { index, file } of message.files) {
        try {
          // As loadProject's readText: undecodable bytes become U+FFFD.
          const source = fs.readFileSync(file).toString('utf8');
          const tree = parsePython(source);
          try {
            const encoded = encodeTree(tree);
            // A subarray of a larger buffer: slice so that only this tree's numbers are transferred.
            const own =
              encoded.byteOffset === 0 && encoded.byteLength === encoded.buffer.byteLength ? encoded : encoded.slice();
            files.push({ index, file, source, encoded: own, syntaxErrors: syntaxErrorsOf(tree.rootNode, source) });
            transfer.push(own.buffer as ArrayBuffer);
            if (!tablesSent) {
              post({ kind: 'tables', tables: languageTables(tree) });
              tablesSent = true;
            }
          } finally {
            tree.delete();
          }
        } catch (err) {
          // The main thread analyses this file itself and meets the same error where it always did.
          files.push({ index, file, failed: (err as Error).message });
        }
      }
      post({ kind: 'parsed', files }, transfer);
    },
    (err: Error) => post({ kind: 'fatal', message: err.message }),
  );
});

function post(message: ToMain, transfer: ArrayBuffer[] = []): void {
  (port as NonNullable<typeof port>).postMessage(message, transfer);
}
