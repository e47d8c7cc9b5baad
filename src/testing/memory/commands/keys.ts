/** Strings and keys: GET, SET, DEL, UNLINK, EXISTS, RENAME, PEXPIRE, PTTL, TYPE, TIME, CONFIG GET, PING. */
import { errors, ReplyError, type Reply } from '../reply.js';
import { arg, arity, int, is, type Handler } from './args.js';

/** GET key */
export const get: Handler = (store, args) => {
  arity('get', args, 1);
  return store.keys.get(arg(args, 0), 'string') ?? null;
};

interface SetOptions {
  nx: boolean;
  xx: boolean;
  get: boolean;
  keepTtl: boolean;
  expireAt: number | undefined;
}

function setOptions(args: readonly string[], now: number): SetOptions {
  const o: SetOptions = { nx: false, xx: false, get: false, keepTtl: false, expireAt: undefined };
  for (let i = 2; i < args.length; i++) {
    const opt = args[i]?.toUpperCase();
    if (opt === 'NX' && !o.xx) o.nx = true;
    else if (opt === 'XX' && !o.nx) o.xx = true;
    else if (opt === 'GET') o.get = true;
    else if (opt === 'KEEPTTL' && o.expireAt === undefined) o.keepTtl = true;
    else if ((opt === 'PX' || opt === 'EX') && o.expireAt === undefined && !o.keepTtl && i + 1 < args.length) {
      const n = int(args, ++i);
      if (n <= 0) throw new ReplyError("ERR invalid expire time in 'set' command");
      o.expireAt = now + (opt === 'EX' ? n * 1000 : n);
    } else throw errors.syntax();
  }
  return o;
}

/** SET key value [NX|XX] [GET] [EX s|PX ms|KEEPTTL] */
export const set: Handler = (store, args) => {
  if (args.length < 2) throw errors.arity('set');
  const key = arg(args, 0);
  const o = setOptions(args, store.now());
  const old: Reply = o.get ? (store.keys.get(key, 'string') ?? null) : null;
  const exists = store.keys.has(key);
  if ((o.nx && exists) || (o.xx && !exists)) return null;
  store.keys.put(key, { type: 'string', value: arg(args, 1) }, o.keepTtl);
  if (o.expireAt !== undefined) store.keys.expireAt(key, o.expireAt);
  return o.get ? old : 'OK';
};

function deleteKeys(name: string): Handler {
  return (store, args) => {
    if (args.length < 1) throw errors.arity(name);
    let n = 0;
    for (const key of args) if (store.keys.delete(key)) n++;
    return n;
  };
}

/** DEL key [key ...] */
export const del = deleteKeys('del');
/** UNLINK key [key ...] */
export const unlink = deleteKeys('unlink');

/** EXISTS key [key ...] (a key named twice counts twice) */
export const exists: Handler = (store, args) => {
  if (args.length < 1) throw errors.arity('exists');
  return args.filter((key) => store.keys.has(key)).length;
};

/** RENAME key newkey */
export const rename: Handler = (store, args) => {
  arity('rename', args, 2);
  store.keys.rename(arg(args, 0), arg(args, 1));
  return 'OK';
};

/** PEXPIRE key ms (no NX/XX/GT/LT) */
export const pexpire: Handler = (store, args) => {
  if (args.length > 2) throw errors.unmodelled('PEXPIRE options');
  arity('pexpire', args, 2);
  const ms = int(args, 1);
  return store.keys.expireAt(arg(args, 0), store.now() + ms) ? 1 : 0;
};

/** PTTL key */
export const pttl: Handler = (store, args) => {
  arity('pttl', args, 1);
  return store.keys.ttl(arg(args, 0));
};

/** TYPE key */
export const type: Handler = (store, args) => {
  arity('type', args, 1);
  return store.keys.lookup(arg(args, 0))?.type ?? 'none';
};

/** TIME: [seconds, microseconds] of the store's clock. */
export const time: Handler = (store, args) => {
  arity('time', args, 0);
  const now = store.clock.now();
  const seconds = Math.floor(now / 1000);
  return [String(seconds), String(Math.floor((now - seconds * 1000) * 1000))];
};

/** CONFIG GET parameter (one exact name; no patterns) */
export const config: Handler = (store, args) => {
  if (!is(args[0], 'GET') || args.length !== 2) throw errors.unmodelled('CONFIG other than GET <parameter>');
  const name = arg(args, 1).toLowerCase();
  const value = store.config.get(name);
  return value === undefined ? [] : [name, value];
};

/** PING [message] */
export const ping: Handler = (_store, args) => (args.length === 0 ? 'PONG' : arg(args, 0));

/** FLUSHALL / FLUSHDB */
export const flushall: Handler = (store) => {
  store.flush();
  return 'OK';
};
