import type { TextEdit } from './edit';

/**
 * Applies text edits to a source. Edits are applied from the end so earlier offsets stay valid;
 * an edit that overlaps one already taken is skipped (the next run picks it up), so the result is
 * never a mix of two fixes written over each other.
 */
export function applyEdits(
  source: string,
  edits: readonly TextEdit[],
): { text: string; applied: number; skipped: number } {
  // The same edit offered by two findings (e.g. one docstring line that satisfies both) is made once.
  const unique = edits.filter(
    (e, i) =>
      edits.findIndex((o) => o.span.start === e.span.start && o.span.end === e.span.end && o.newText === e.newText) ===
      i,
  );
  const sorted = [...unique].sort((a, b) => b.span.start - a.span.start || b.span.end - a.span.end);
  let text = source;
  let applied = 0;
  let skipped = 0;
  let floor = Number.POSITIVE_INFINITY;
  for (const edit of sorted) {
    if (
      edit.span.end > floor ||
      edit.span.start < 0 ||
      edit.span.end > source.length ||
      edit.span.start > edit.span.end
    ) {
      skipped++;
      continue;
    }
    text = text.slice(0, edit.span.start) + edit.newText + text.slice(edit.span.end);
    floor = edit.span.start;
    applied++;
  }
  return { text, applied, skipped };
}
