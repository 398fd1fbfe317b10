/**
 * The fields whose value is not undefined, for options objects where an absent key means "the
 * default": `{ ...definedOnly({ url, log }) }` instead of `...(url ? { url } : {})` for each key.
 * (Write `x || undefined` to leave out an empty string too.)
 */
export function definedOnly<T extends Record<string, unknown>>(
  fields: T,
): { [K in keyof T]?: Exclude<T[K], undefined> } {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) if (value !== undefined) out[key] = value;
  return out as { [K in keyof T]?: Exclude<T[K], undefined> };
}
