import type { EncodedTree, LanguageTables } from '../parse/pyTree';
import type { SyntaxErrorFound } from '../parse/syntaxErrors';

/** The messages between the main thread and a parse worker (engine/parseWorker.ts). */

export interface ToWorker {
  files: Array<{ index: number; file: string }>;
}

export type ParsedFile =
  | {
      index: number;
      file: string;
      source: string;
      encoded: EncodedTree;
      syntaxErrors: SyntaxErrorFound[];
      failed?: undefined;
    }
  | { index: number; file: string; failed: string };

export type ToMain =
  | { kind: 'tables'; tables: LanguageTables }
  | { kind: 'parsed'; files: ParsedFile[] }
  | { kind: 'fatal'; message: string };
