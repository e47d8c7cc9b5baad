/**
 * What every command gets: its output, the Redis location from the global flags, a logger, and
 * helpers that open an Inspector (or a streamer) and always close it, so the process exits by
 * itself. The Redis client is loaded only when a command needs it, so `--help` and usage errors
 * answer at once.
 */
import type { Command } from 'commander';
import type { RedisInstance } from '../connection/redis-instance.js';
import type { ChannelInfo, Inspector } from '../inspect/inspector.js';
import { defaultLogger, silentLogger, type Logger } from '../logger.js';
import { ConfigError } from '../errors.js';
import { CommandFailure, UsageError } from './errors.js';
import { printable } from './terminal.js';
import type { GlobalFlags } from './flags.js';
import { Output, type Io } from './output.js';

/** The command's context. */
export class Context {
  /** Results go here. */
  readonly out: Output;
  /** The global flags. */
  readonly flags: GlobalFlags;

  /**
   * @param io the process's streams (or a test's).
   * @param env the environment (REDIS_URL).
   * @param command the commander command being run (its options merged with the program's).
   */
  constructor(
    readonly io: Io,
    readonly env: NodeJS.ProcessEnv,
    command: Command,
  ) {
    this.flags = command.optsWithGlobals<GlobalFlags>();
    this.out = new Output(io, this.flags.json === true);
  }

  /** The library's log: silent unless `--verbose`. */
  get logger(): Logger {
    return this.flags.verbose === true ? defaultLogger : silentLogger;
  }

  /**
   * Where Redis is. Whatever the flags (or REDIS_URL) fail with before connecting is a usage error
   * (exit 2): a malformed URL is a wrong command line, not an unreachable Redis.
   */
  async redis(): Promise<RedisInstance> {
    const { redisOf } = await import('./connection.js');
    try {
      return redisOf(this.flags, this.env);
    } catch (err) {
      if (err instanceof UsageError || err instanceof ConfigError) throw err;
      // Not the library's error (a URIError from a bad %-escape, say). Its message is not shown: only
      // the library's messages are known to mask a password the URL may hold.
      const reason =
        err instanceof URIError ? 'a %-escape is malformed (write a literal % as %25)' : 'it cannot be read';
      throw new UsageError(`the Redis URL (--url or REDIS_URL) is not valid: ${reason}`);
    }
  }

  /** A new Inspector (the caller closes it). */
  async inspector(staleGroupMs?: number): Promise<Inspector> {
    const redis = await this.redis();
    const { Inspector } = await import('../inspect/inspector.js');
    return new Inspector(redis, { logger: this.logger, ...(staleGroupMs === undefined ? {} : { staleGroupMs }) });
  }

  /**
   * Whether anything of `channel` is on the server: an entry, a consumer group or a dead letter.
   * `info` is the channel's, when the caller has it already.
   */
  async channelThere(inspector: Inspector, channel: string, info?: ChannelInfo): Promise<boolean> {
    const { length, groups, deadLetters } = info ?? (await inspector.channel(channel));
    return length > 0 || groups.length > 0 || deadLetters > 0;
  }

  /** `there is no channel <channel> on <server>` (the server as the masked URL). */
  async noChannel(channel: string): Promise<string> {
    return `there is no channel ${printable(channel)} on ${String(await this.redis())}`;
  }

  /**
   * Fails (exit 1) when nothing of `channel` is on the server ({@link channelThere}): a mistyped
   * channel would otherwise read as an empty one ("no consumer groups", "replayed 0").
   */
  async requireChannel(inspector: Inspector, channel: string, info?: ChannelInfo): Promise<void> {
    if (await this.channelThere(inspector, channel, info)) return;
    throw new CommandFailure(
      `${await this.noChannel(channel)}: no entries, consumer groups or dead letters (redis-streamer channels lists them)`,
    );
  }

  /** Runs `use` with an Inspector and closes it afterwards, whatever happens. */
  async withInspector<T>(use: (inspector: Inspector) => Promise<T>, staleGroupMs?: number): Promise<T> {
    const inspector = await this.inspector(staleGroupMs);
    try {
      return await use(inspector);
    } finally {
      await inspector.close();
    }
  }
}
