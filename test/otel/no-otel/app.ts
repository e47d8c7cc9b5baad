/**
 * A user's application with the BUILT package and OpenTelemetry not installed (see register.ts):
 * it publishes and consumes one message through the core, then tries the otel subpath, and prints
 * what happened as one JSON line. argv: <dist directory> <redis url> <channel>.
 */
import type * as Core from '../../../src/index.js';

const [dist, url, channel] = process.argv.slice(2) as [string, string, string];
const { RedisStreamer, silentLogger } = (await import(`${dist}/index.js`)) as typeof Core;
const streamer = new RedisStreamer(url, 'no-otel', { logger: silentLogger });
await streamer.subscribe(channel);
let handled: (got: { name: string; payload: unknown }) => void = () => {};
const got = new Promise<{ name: string; payload: unknown }>((resolve) => (handled = resolve));
streamer.registerHandler(channel, (name, payload) => handled({ name, payload }));
const run = streamer.persistConsume({ blockMs: 200 });
await streamer.sendMessage(channel, { name: 'works', body: { without: 'otel' } });
const message = await got;
await streamer.cleanup();
await run;
let subpath: string;
try {
  await import(`${dist}/otel/index.js`);
  subpath = 'loaded';
} catch (err) {
  subpath = String((err as { code?: unknown }).code);
}
process.stdout.write(`${JSON.stringify({ message, subpath })}\n`);
