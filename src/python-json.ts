/**
 * Reading JSON as Python's `json.dumps` writes it: standard JSON plus the bare tokens `NaN`,
 * `Infinity` and `-Infinity`, which `JSON.parse` rejects.
 */
import { DecodeError } from './errors.js';

/** Parses a body as JSON, accepting Python's `NaN`, `Infinity` and `-Infinity` tokens. */
export function parseBody(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    // The placeholder carries a random part, so no string of the body can be mistaken for one.
    const sentinel = `\u0000rs-${Math.random().toString(36).slice(2)}:`;
    const rewritten = rewritePythonTokens(text, sentinel);
    if (rewritten !== undefined) {
      try {
        return JSON.parse(rewritten, (_key, value: unknown) => revivePythonToken(value, sentinel));
      } catch {
        // fall through to the original error, which points at the real problem
      }
    }
    throw new DecodeError('invalid-json', `body is not valid JSON: ${(err as Error).message}`, { cause: err });
  }
}

const TOKENS: ReadonlyArray<readonly [string, number]> = [
  ['-Infinity', -Infinity],
  ['Infinity', Infinity],
  ['NaN', NaN],
];

/**
 * Replaces the bare tokens NaN, Infinity and -Infinity that stand outside JSON strings with
 * `sentinel` strings. Returns undefined when there is none, so the caller keeps the first error.
 */
function rewritePythonTokens(text: string, sentinel: string): string | undefined {
  let out = '';
  let from = 0;
  let inString = false;
  let found = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (inString) {
      if (ch === 0x5c /* \ */) i++;
      else if (ch === 0x22 /* " */) inString = false;
      continue;
    }
    if (ch === 0x22) {
      inString = true;
      continue;
    }
    if (ch !== 0x2d /* - */ && ch !== 0x49 /* I */ && ch !== 0x4e /* N */) continue;
    for (const [token] of TOKENS) {
      if (text.startsWith(token, i)) {
        out += `${text.slice(from, i)}"${JSON.stringify(sentinel + token).slice(1, -1)}"`;
        i += token.length - 1;
        from = i + 1;
        found = true;
        break;
      }
    }
  }
  return found ? out + text.slice(from) : undefined;
}

function revivePythonToken(value: unknown, sentinel: string): unknown {
  if (typeof value !== 'string' || !value.startsWith(sentinel)) return value;
  const token = value.slice(sentinel.length);
  for (const [name, number] of TOKENS) if (name === token) return number;
  return value;
}
