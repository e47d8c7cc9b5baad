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

/** ioredis when it is installed, else `undefined` (telling a template client apart needs no install). */
export function ioredisIfInstalled(): IoredisLibrary | undefined {
  if (loaded === undefined) {
    try {
      loaded = createRequire(import.meta.url)('ioredis') as IoredisLibrary;
    } catch {
      loaded = null;
    }
  }
  return loaded ?? undefined;
}

/** ioredis; a {@link ConfigError} saying how to install it when it is missing. */
export function ioredis(): IoredisLibrary {
  const lib = ioredisIfInstalled();
  if (lib !== undefined) return lib;
  throw new ConfigError(
    "the ioredis client was chosen (client: 'ioredis') but cannot be loaded: install it with `npm install ioredis`",
  );
}
