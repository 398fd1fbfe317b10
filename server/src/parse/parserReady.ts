/**
 * The CLI loads the WASM parsers (tree-sitter's Python grammar, libpg-query) only when a run needs
 * them: a one-file lint whose models and findings all come from the analysis cache parses nothing,
 * and loading both costs a few tens of milliseconds of a start-up that pre-commit hooks pay per
 * file. Whether a run needs them is known only once it has tried (rules parse SQL text on demand,
 * SW108 parses old revisions), so a parser asked for before it is loaded throws
 * `ParserNotReadyError` and remembers that it was asked: the CLI then loads the parsers and runs
 * again from the start (cli/lint.ts), whatever caught the error on the way.
 */
export class ParserNotReadyError extends Error {
  constructor(parser: 'Python' | 'SQL') {
    super(`the ${parser} parser is not loaded yet (engine/analyze.ts initEngine)`);
    this.name = 'ParserNotReadyError';
  }
}

let missed = false;

/** The error to throw, noted so that a run whose code swallowed it still knows. */
export function parserNotReady(parser: 'Python' | 'SQL'): ParserNotReadyError {
  missed = true;
  return new ParserNotReadyError(parser);
}

/** Whether a parser was asked for before it was loaded since the last call; resets the note. */
export function takeParserMissed(): boolean {
  const was = missed;
  missed = false;
  return was;
}
