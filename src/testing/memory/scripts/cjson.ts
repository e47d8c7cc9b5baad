/**
 * Lua cjson as Redis 7.0 bundles it (deps/lua/src/lua_cjson.c), for the one use the scripts make:
 * encoding a list of strings, and decoding it back. Its string escapes differ from JSON.stringify:
 * `/` is written `\/` and DEL (0x7f) `\u007f`; bytes above 0x7f are copied as they are.
 */

const ESCAPES: Readonly<Record<number, string>> = { 8: '\\b', 9: '\\t', 10: '\\n', 12: '\\f', 13: '\\r' };

function escapeChar(code: number): string {
  const named = ESCAPES[code];
  if (named !== undefined) return named;
  if (code === 0x22) return '\\"';
  if (code === 0x2f) return '\\/';
  if (code === 0x5c) return '\\\\';
  return `\\u${code.toString(16).padStart(4, '0')}`;
}

function encodeString(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const code = s.charCodeAt(i);
    const escaped = code < 0x20 || code === 0x22 || code === 0x2f || code === 0x5c || code === 0x7f;
    out += escaped ? escapeChar(code) : s[i];
  }
  return `${out}"`;
}

/** cjson.encode of an array of strings (an empty table encodes as `{}`, as cjson does). */
export function cjsonEncode(values: readonly string[]): string {
  if (values.length === 0) return '{}';
  return `[${values.map(encodeString).join(',')}]`;
}

/** cjson.decode of what {@link cjsonEncode} wrote (a JSON array of strings). */
export function cjsonDecode(text: string): string[] {
  const value: unknown = JSON.parse(text);
  if (!Array.isArray(value)) return [];
  return value.map((v) => String(v));
}
