/**
 * Waiting on node-redis sockets: node-redis destroys a socket without waiting for it to close, and
 * a process using the library must be free of them once a connection's close() resolves.
 */

/** Waits for `promise`, at most `ms`. */
export async function within(ms: number, promise: Promise<unknown>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const giveUp = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)));
  await Promise.race([promise.then(noop, noop), giveUp]);
  clearTimeout(timer);
}

function noop(): void {}

/**
 * Resolves once the sockets destroyed so far are released: node-redis destroys a socket without
 * waiting for it to close, and Node closes the handle at the end of the event loop's turn.
 */
export function socketsReleased(): Promise<void> {
  return new Promise((resolve) => setImmediate(() => setImmediate(resolve)));
}
