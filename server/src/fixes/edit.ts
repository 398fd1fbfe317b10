import type { Span } from '../model/source';

/**
 * What a fix is made of, declared here, below the rules: the rules offer fixes built from these,
 * and `applyEdits` and the CLI's `--fix` apply them.
 */
export interface TextEdit {
  span: Span;
  newText: string;
}

export interface Fix {
  title: string;
  edits: TextEdit[];
  /** Safe fixes are applied by `--fix` and `source.fixAll`. */
  safe: boolean;
}
