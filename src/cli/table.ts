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
  return (
    (code >= 0x1100 && code <= 0x115f) ||
    (code >= 0x2e80 && code <= 0xa4cf && code !== 0x303f) ||
    (code >= 0xac00 && code <= 0xd7a3) ||
    (code >= 0xf900 && code <= 0xfaff) ||
    (code >= 0xfe30 && code <= 0xfe4f) ||
    (code >= 0xff00 && code <= 0xff60) ||
    (code >= 0xffe0 && code <= 0xffe6) ||
    (code >= 0x1f300 && code <= 0x1faff) ||
    (code >= 0x20000 && code <= 0x3fffd)
  );
}

/** Display width in a terminal's columns: wide characters (CJK, emoji) count two, combining marks none. */
export function width(text: string): number {
  let n = 0;
  for (const char of text) {
    const code = char.codePointAt(0) as number;
    if (!isZeroWidth(char, code)) n += isWide(code) ? 2 : 1;
  }
  return n;
}

/** Cuts text to `max` characters, ending with `…` when cut. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, Math.max(0, max - 1)).join('')}…`;
}
