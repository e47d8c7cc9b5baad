/**
 * Hashes: HGET, HSET, HMGET, HDEL, HEXISTS, HKEYS, HGETALL, HLEN, HSCAN (fields in insertion order).
 * Redis keeps a small hash as a listpack (HSCAN then answers everything at once) and converts it
 * for good to a hash table once it holds more than 128 fields or a field or value longer than 64
 * bytes (the default hash-max-listpack-* settings); the store follows which hashes were converted.
 */
import { errors, ReplyError } from '../reply.js';
import { arg, arity, int, is, type Handler } from './args.js';

/** Hashes Redis would have converted to a hash table. */
const tables = new WeakSet<Map<string, string>>();
const LISTPACK_ENTRIES = 128;
const LISTPACK_VALUE = 64;

/** HGET key field */
export const hget: Handler = (store, args) => {
  arity('hget', args, 2);
  return store.keys.get(arg(args, 0), 'hash')?.get(arg(args, 1)) ?? null;
};

/** HSET key field value [field value ...]: the number of new fields */
export const hset: Handler = (store, args) => {
  if (args.length < 3 || args.length % 2 === 0) throw errors.arity('hset');
  const hash = store.keys.getOrCreate(arg(args, 0), 'hash');
  let added = 0;
  for (let i = 1; i < args.length; i++) {
    if (Buffer.byteLength(arg(args, i)) > LISTPACK_VALUE) tables.add(hash);
  }
  for (let i = 1; i < args.length; i += 2) {
    const field = arg(args, i);
    if (!hash.has(field)) added++;
    hash.set(field, arg(args, i + 1));
  }
  if (hash.size > LISTPACK_ENTRIES) tables.add(hash);
  return added;
};

/** HMGET key field [field ...] */
export const hmget: Handler = (store, args) => {
  if (args.length < 2) throw errors.arity('hmget');
  const hash = store.keys.get(arg(args, 0), 'hash');
  return args.slice(1).map((field) => hash?.get(field) ?? null);
};

/** HDEL key field [field ...]: the number removed; the key goes with its last field */
export const hdel: Handler = (store, args) => {
  if (args.length < 2) throw errors.arity('hdel');
  const key = arg(args, 0);
  const hash = store.keys.get(key, 'hash');
  if (hash === undefined) return 0;
  let removed = 0;
  for (const field of args.slice(1)) if (hash.delete(field)) removed++;
  if (hash.size === 0) store.keys.delete(key);
  return removed;
};

/** HEXISTS key field */
export const hexists: Handler = (store, args) => {
  arity('hexists', args, 2);
  return store.keys.get(arg(args, 0), 'hash')?.has(arg(args, 1)) === true ? 1 : 0;
};

/** HKEYS key */
export const hkeys: Handler = (store, args) => {
  arity('hkeys', args, 1);
  return [...(store.keys.get(arg(args, 0), 'hash')?.keys() ?? [])];
};

/** HGETALL key */
export const hgetall: Handler = (store, args) => {
  arity('hgetall', args, 1);
  return [...(store.keys.get(arg(args, 0), 'hash')?.entries() ?? [])].flat();
};

/** HLEN key */
export const hlen: Handler = (store, args) => {
  arity('hlen', args, 1);
  return store.keys.get(arg(args, 0), 'hash')?.size ?? 0;
};

/**
 * HSCAN key cursor [COUNT n]: a listpack hash answers everything with cursor 0; a converted one
 * answers pages of COUNT in insertion order, the cursor being an offset (Redis' cursors and page
 * sizes differ there; a caller that scans until cursor 0 sees every field once either way).
 */
export const hscan: Handler = (store, args) => {
  if (args.length < 2) throw errors.arity('hscan');
  const cursorText = arg(args, 1);
  if (!/^\d+$/.test(cursorText)) throw new ReplyError('ERR invalid cursor');
  let count = 10;
  for (let i = 2; i < args.length; i += 2) {
    if (is(args[i], 'COUNT') && i + 1 < args.length) {
      count = int(args, i + 1);
      if (count < 1) throw errors.syntax();
    } else if (is(args[i], 'MATCH')) throw errors.unmodelled('HSCAN MATCH');
    else throw errors.syntax();
  }
  const hash = store.keys.get(arg(args, 0), 'hash');
  if (hash === undefined) return ['0', []];
  const all = [...hash.entries()];
  if (!tables.has(hash)) return ['0', all.flat()];
  const from = Number(cursorText);
  const next = from + count;
  return [next >= all.length ? '0' : String(next), all.slice(from, next).flat()];
};
