/**
 * Loads the Lua scripts of this folder on first use (nothing is read at import). A script's file is
 * `<name>-<N>.lua`, N being how many of its arguments are keys (as BullMQ names its scripts); the
 * loader takes N from the name, so it is declared once, beside the script's KEYS comment. A name
 * ending in `-<N>+.lua` takes N keys or more (the others all in the slot of the first).
 * `_prelude.lua` holds shared helpers and is prepended to every script.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import type { LuaScript } from '../connection/port.js';
import { InternalError } from '../errors.js';

const DIR = new URL('./', import.meta.url);
let files: Map<string, { file: string; numKeys: number; variadic: boolean }> | undefined;
let prelude: string | undefined;

function catalogue(): Map<string, { file: string; numKeys: number; variadic: boolean }> {
  if (files !== undefined) return files;
  files = new Map();
  for (const file of readdirSync(DIR)) {
    const match = /^([a-z][a-z-]*)-(\d+)(\+?)\.lua$/.exec(file);
    if (match !== null) files.set(match[1] as string, { file, numKeys: Number(match[2]), variadic: match[3] === '+' });
  }
  return files;
}

/** A script, read and hashed when first used. */
export class LoadedScript implements LuaScript {
  private source: { lua: string; sha: string; numKeys: number; variadic: boolean } | undefined;

  /**
   * @param name the file's name without `-<N>.lua`
   * @param readOnly it writes nothing (run with EVALSHA_RO; Redis refuses a write from it)
   */
  constructor(
    readonly name: string,
    readonly readOnly = false,
  ) {}

  private load(): { lua: string; sha: string; numKeys: number; variadic: boolean } {
    if (this.source !== undefined) return this.source;
    const found = catalogue().get(this.name);
    if (found === undefined) throw new InternalError(`no Lua script named ${this.name}-<keys>.lua`);
    prelude ??= readFileSync(new URL('_prelude.lua', DIR), 'utf8');
    const lua = `${prelude}\n${readFileSync(new URL(found.file, DIR), 'utf8')}`;
    this.source = {
      lua,
      numKeys: found.numKeys,
      variadic: found.variadic,
      sha: createHash('sha1').update(lua).digest('hex'),
    };
    return this.source;
  }

  get lua(): string {
    return this.load().lua;
  }

  get sha(): string {
    return this.load().sha;
  }

  get numKeys(): number {
    return this.load().numKeys;
  }

  /** Whether it takes more keys than {@link numKeys} (then that many at least). */
  get variadic(): boolean {
    return this.load().variadic;
  }
}
