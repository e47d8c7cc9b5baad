/**
 * The in-memory transport of the test kit: a model of the part of Redis the library uses (Redis
 * 7.0's semantics, checked against redis-server by differential tests), the library's Lua scripts
 * as JavaScript twins over it, and a {@link RedisPort} over it, so that everything above the port
 * (codec, middleware, hooks, delivery strategies, dead letters, the consume loop) runs unchanged.
 * Everything runs on a clock the caller gives (a {@link ManualClock} in tests).
 *
 * @example
 * const clock = new ManualClock();
 * const store = new MemoryStore({ clock });
 * const port = new MemoryPort(store, { label: 'command' });
 * await port.xadd('orders', ['name', 'order.paid', 'body', '{}']);
 * call(store, 'XLEN', 'orders'); // 1
 */
export { ManualClock, systemClock, type Clock, type ClockTimers, type TimerClock } from './clock.js';
export { call, COMMANDS } from './commands/index.js';
export { MemoryPort, memoryPorts, type MemoryPortOptions } from './memory-port.js';
export { ReplyError, type Reply } from './reply.js';
export { runScript, TWINS, type Twin } from './scripts/index.js';
export { MemoryStore, type MemoryStoreOptions } from './store/store.js';
