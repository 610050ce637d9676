// How arrays of id'd elements are paired, shared by the diff and the merge so that both pair
// the same elements: one rule for what "the same document" is.

type Json = unknown;

// Arrays and Dates have no `id`: no need to rule them out first (this runs for every element).
function hasId(item: Json): item is Record<string, Json> & { id: string | number } {
  if (typeof item !== 'object' || item === null) return false;
  const id = (item as { id?: unknown }).id;
  return typeof id === 'string' || typeof id === 'number';
}

/** Arrays whose elements all carry an `id` (documents, officers…) are matched by id. */
export function keyedById(a: readonly Json[], b: readonly Json[]): boolean {
  if (a.length === 0 && b.length === 0) return false;
  return a.every(hasId) && b.every(hasId);
}

/**
 * The keys the elements of id'd arrays are matched by, for arrays compared together: their
 * ids as they are (a number and a string stay apart) while every id is unique; when one
 * repeats, the id and which occurrence it is, so the second of two elements with one id is
 * matched with the second, and removing it is reported.
 */
export function elementKeys(...lists: readonly (readonly Json[])[]): unknown[][] {
  const ids = lists.map((items) => items.map((item) => (item as { id: unknown }).id));
  if (ids.every((list) => list.length < 2 || new Set(list).size === list.length)) return ids;
  return ids.map((list) => {
    const seen = new Map<unknown, number>();
    return list.map((id) => {
      const occurrence = seen.get(id) ?? 0;
      seen.set(id, occurrence + 1);
      return `${typeof id}:${String(id)}#${occurrence}`;
    });
  });
}
