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

/** Display width: code points (wide characters count as one; good enough for ids and names). */
function width(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

/** Cuts text to `max` characters, ending with `…` when cut. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, Math.max(0, max - 1)).join('')}…`;
}
