/**
 * Human tables: a header row and aligned columns, numbers right-aligned, separated by two spaces.
 * Every cell is made printable (terminal.ts: control characters escaped) and cut to its column's
 * width with `…`, so one long name cannot widen every line: the full value is in `--json`.
 * Scripts should use `--json` instead: the tables may change.
 */
import { printable } from './terminal.js';

/** The widest a column is, unless it says otherwise (characters). */
export const MAX_COLUMN_WIDTH = 64;

/** One column: its header, whether its cells are right-aligned (numbers), and its widest. */
export interface Column {
  readonly header: string;
  readonly right?: boolean;
  /** Longer cells are cut, ending with `…`. @default MAX_COLUMN_WIDTH */
  readonly max?: number;
}

/** Renders rows under their columns; each line ends with a newline. Cells never hold a newline. */
export function renderTable(columns: readonly Column[], rows: ReadonlyArray<readonly string[]>): string {
  const clean = rows.map((row) => columns.map((c, i) => truncate(printable(row[i] ?? ''), c.max ?? MAX_COLUMN_WIDTH)));
  const widths = columns.map((c, i) => Math.max(width(c.header), ...clean.map((row) => width(row[i] as string))));
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, i) => {
        const pad = ' '.repeat((widths[i] as number) - width(cell));
        if (i === cells.length - 1 && columns[i]?.right !== true) return cell;
        return columns[i]?.right === true ? pad + cell : cell + pad;
      })
      .join('  ')
      .trimEnd();
  return [line(columns.map((c) => c.header)), ...clean.map((row) => line(row))].map((l) => `${l}\n`).join('');
}

/** Combining marks: no column of their own. */
const MARK = /^[\p{Mn}\p{Me}]$/u;

/**
 * Whether a code point takes no column of its own: a combining mark, a zero-width space or joiner,
 * a variation selector, an emoji skin-tone modifier.
 */
function isZeroWidth(char: string, code: number): boolean {
  return (
    (code >= 0x200b && code <= 0x200f) ||
    (code >= 0xfe00 && code <= 0xfe0f) ||
    (code >= 0x1f3fb && code <= 0x1f3ff) ||
    MARK.test(char)
  );
}

/** Whether a code point takes two columns in a terminal (East Asian wide and fullwidth, emoji). */
function isWide(code: number): boolean {
  if (code < 0x1100) return false;
  if (code < 0x2e80) return code <= 0x115f || WIDE_SYMBOLS.has(code);
  return (
    (code <= 0xa4cf && code !== 0x303f) ||
    (code >= 0xac00 && code <= 0xd7a3) ||
    (code >= 0xf900 && code <= 0xfaff) ||
    (code >= 0xfe30 && code <= 0xfe4f) ||
    (code >= 0xff00 && code <= 0xff60) ||
    (code >= 0xffe0 && code <= 0xffe6) ||
    (code >= 0x1f004 && code <= 0x1faff && !(code >= 0x1f3fb && code <= 0x1f3ff)) ||
    (code >= 0x20000 && code <= 0x3fffd)
  );
}

/** The symbols below U+2E80 that terminals draw two columns wide (emoji by default: ⌚ ✅ ⚡ ⭐ ❌...). */
const WIDE_SYMBOLS: ReadonlySet<number> = new Set([
  0x231a,
  0x231b,
  0x23e9,
  0x23ea,
  0x23eb,
  0x23ec,
  0x23f0,
  0x23f3,
  0x25fd,
  0x25fe,
  0x2614,
  0x2615,
  ...Array.from({ length: 12 }, (_, i) => 0x2648 + i),
  0x267f,
  0x2693,
  0x26a1,
  0x26aa,
  0x26ab,
  0x26bd,
  0x26be,
  0x26c4,
  0x26c5,
  0x26ce,
  0x26d4,
  0x26ea,
  0x26f2,
  0x26f3,
  0x26f5,
  0x26fa,
  0x26fd,
  0x2705,
  0x270a,
  0x270b,
  0x2728,
  0x274c,
  0x274e,
  0x2753,
  0x2754,
  0x2755,
  0x2757,
  0x2795,
  0x2796,
  0x2797,
  0x27b0,
  0x27bf,
  0x2b1b,
  0x2b1c,
  0x2b50,
  0x2b55,
]);

/** Display width in a terminal's columns: wide characters (CJK, emoji) count two, combining marks none. */
export function width(text: string): number {
  let n = 0;
  for (const char of text) {
    const code = char.codePointAt(0) as number;
    if (!isZeroWidth(char, code)) n += isWide(code) ? 2 : 1;
  }
  return n;
}

/** Cuts text to `max` columns (see {@link width}), ending with `…` when cut; a character and its marks stay together. */
export function truncate(text: string, max: number): string {
  if (width(text) <= max) return text;
  let out = '';
  let used = 0;
  for (const char of text) {
    const code = char.codePointAt(0) as number;
    const w = isZeroWidth(char, code) ? 0 : isWide(code) ? 2 : 1;
    if (used + w > max - 1) break;
    out += char;
    used += w;
  }
  return `${out}…`;
}
