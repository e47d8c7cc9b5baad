/**
 * ioredis, loaded on first use: it is an optional peer dependency (node-redis is the default
 * client), so importing the library never needs it, and a user of the node-redis adapter never
 * installs it. Only its types are imported statically; they are erased from the built code.
 */
import { createRequire } from 'node:module';
import type * as IoredisModule from 'ioredis';
import { ConfigError } from '../errors.js';

/** The exports of `ioredis` the adapter uses. */
export type IoredisLibrary = Pick<typeof IoredisModule, 'Redis' | 'Cluster' | 'Command' | 'ReplyError'>;

let loaded: IoredisLibrary | null | undefined;
/** Why ioredis is installed but could not be loaded (a broken or incompatible install). */
let loadFailure: string | undefined;

/** ioredis when it is installed, else `undefined` (telling a template client apart needs no install). */
export function ioredisIfInstalled(): IoredisLibrary | undefined {
  if (loaded === undefined) {
    try {
      loaded = createRequire(import.meta.url)('ioredis') as IoredisLibrary;
    } catch (err) {
      loaded = null;
      if (!isMissing(err)) loadFailure = err instanceof Error ? err.message.split('\n')[0] : String(err);
    }
  }
  return loaded ?? undefined;
}

/** ioredis; a {@link ConfigError} saying how to install it when it is missing, or why it failed to load. */
export function ioredis(): IoredisLibrary {
  const lib = ioredisIfInstalled();
  if (lib !== undefined) return lib;
  throw new ConfigError(
    loadFailure === undefined
      ? "the ioredis client was chosen (client: 'ioredis') but cannot be loaded: install it with `npm install ioredis`"
      : `the ioredis client was chosen (client: 'ioredis') but failed to load: ${loadFailure}`,
  );
}

/** Whether `err` says that ioredis itself is not installed (not that something it requires failed). */
function isMissing(err: unknown): boolean {
  return (
    err instanceof Error &&
    (err as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND' &&
    err.message.startsWith("Cannot find module 'ioredis'")
  );
}
