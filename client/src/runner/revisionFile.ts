// Where the code lenses go in a revision file: the `revision = "…"` id and the lines of
// `def upgrade` / `def downgrade`. A plain line scan (no vscode import, tested with mocha): the
// lenses must appear even while the file does not parse.

export interface RevisionFunctions {
  revision?: string;
  /** 0-based lines of the module-level definitions. */
  upgradeLine?: number;
  downgradeLine?: number;
}

const REVISION_ID = /^revision\s*(?::\s*[\w.[\], ]+)?=\s*(['"])([^'"]+)\1/;
const FUNCTION = /^(?:async\s+)?def\s+(upgrade|downgrade)\s*\(/;

export function findRevisionFunctions(text: string): RevisionFunctions {
  const found: RevisionFunctions = {};
  const lines = text.split(/\r?\n/);
  lines.forEach((line, index) => {
    const id = REVISION_ID.exec(line);
    if (id && found.revision === undefined) found.revision = id[2];
    const fn = FUNCTION.exec(line);
    if (fn?.[1] === 'upgrade' && found.upgradeLine === undefined) found.upgradeLine = index;
    if (fn?.[1] === 'downgrade' && found.downgradeLine === undefined) found.downgradeLine = index;
  });
  return found;
}
