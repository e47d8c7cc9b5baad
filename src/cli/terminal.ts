/**
 * What may reach the operator's terminal. Names, fields and error texts come from Redis, where
 * anyone who can write a stream can put anything: an event named `\e[2J\e[31m` would clear the
 * screen and recolour it, a NUL or a carriage return would hide what precedes it, and a
 * right-to-left override (U+202E) would show `gpj.exe` for `exe.jpg`. Every human output path
 * escapes them here, and only here (output.ts for every line written, table.ts and the commands
 * for values set inside a line); `--json` output keeps exact values in JSON escapes.
 *
 * Escaped: C0 controls (U+0000–U+001F, with `\n`, `\r`, `\t` by name), DEL, C1 controls
 * (U+0080–U+009F, which some terminals obey as 8-bit CSI), the bidirectional controls (U+061C,
 * U+200E, U+200F, U+202A–U+202E, U+2066–U+2069) and the line and paragraph separators (U+2028,
 * U+2029). Backslashes are left as they are, so names and JSON bodies read as they were written:
 * `--json` is the unambiguous form.
 */

/** DEL, C1, the bidirectional controls and the line and paragraph separators, as a class body. */
const BEYOND_C0 = String.raw`\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069`;

/** One character to escape (global: for `replace`). */
const CONTROL = new RegExp(String.raw`[\u0000-\u001f${BEYOND_C0}]`, 'g');

/** The same without the line feed, for text made of lines. */
const CONTROL_BUT_NEWLINE = new RegExp(String.raw`[\u0000-\u0009\u000b-\u001f${BEYOND_C0}]`, 'g');

/** The characters JSON.stringify leaves raw that a terminal may obey or reorder text by. */
const JSON_RAW = new RegExp(`[${BEYOND_C0}]`, 'g');

const NAMED: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function escapeOne(char: string): string {
  const named = NAMED[char];
  if (named !== undefined) return named;
  const code = char.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/**
 * A value from Redis made safe to print inside a line: every control character (line feeds too)
 * shown as an escape (`\x1b`, `\n`, `\u202e`).
 */
export function printable(value: string): string {
  return value.replace(CONTROL, escapeOne);
}

/** Text made of lines (a table, a report) made safe to print: as {@link printable}, keeping line feeds. */
export function printableLines(text: string): string {
  return text.replace(CONTROL_BUT_NEWLINE, escapeOne);
}

/**
 * JSON text with the characters JSON.stringify leaves raw (DEL, C1, bidirectional controls,
 * U+2028/U+2029) as `\u` escapes: the same JSON value, safe on a terminal. They can only occur
 * inside strings, where a `\u` escape means the same character.
 */
export function printableJson(json: string): string {
  return json.replace(JSON_RAW, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
