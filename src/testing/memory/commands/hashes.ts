/** Hashes: HGET, HSET, HMGET, HDEL, HEXISTS, HKEYS, HGETALL, HLEN (fields in insertion order). */
import { errors } from '../reply.js';
import { arg, arity, type Handler } from './args.js';

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
  for (let i = 1; i < args.length; i += 2) {
    const field = arg(args, i);
    if (!hash.has(field)) added++;
    hash.set(field, arg(args, i + 1));
  }
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
