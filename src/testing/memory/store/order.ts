/**
 * Redis orders names (groups, consumers, sorted-set members) by their bytes (memcmp of UTF-8).
 * UTF-8 byte order is code point order, which JavaScript's string order matches except where a
 * surrogate pair meets a character of U+E000..U+FFFF: those fall back to a byte comparison.
 */

/** -1, 0 or 1 as `a` sorts below, equal to or above `b` by bytes. */
export function compareBytes(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    if (x < 0xd800 && y < 0xd800) return x < y ? -1 : 1;
    return Buffer.compare(Buffer.from(a.slice(i)), Buffer.from(b.slice(i)));
  }
  return a.length < b.length ? -1 : 1;
}

/** The keys of a map in byte order (as Redis lists groups and consumers). */
export function sortedNames<V>(map: ReadonlyMap<string, V>): string[] {
  return [...map.keys()].sort(compareBytes);
}
