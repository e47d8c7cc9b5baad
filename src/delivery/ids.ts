/** Stream id arithmetic, exact for 64-bit parts (ids are compared as decimal strings). */

function split(id: string): [string, string] {
  const dash = id.indexOf('-');
  return dash < 0 ? [id, '0'] : [id.slice(0, dash), id.slice(dash + 1)];
}

function compareDecimal(a: string, b: string): number {
  if (a.length !== b.length) return a.length < b.length ? -1 : 1;
  return a === b ? 0 : a < b ? -1 : 1;
}

/** -1, 0 or 1 as stream id `a` is below, equal to or above `b`. */
export function compareIds(a: string, b: string): number {
  const [am, as] = split(a);
  const [bm, bs] = split(b);
  return compareDecimal(am, bm) || compareDecimal(as, bs);
}

/** The ms timestamp part of a stream id. */
export function idTimeMs(id: string): number {
  return Number(split(id)[0]);
}
