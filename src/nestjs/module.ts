/**
 * `RedisStreamerModule.forRoot(...)` / `forRootAsync(...)`: registers a {@link RedisStreamerClient}
 * under an injection token, as Nest's `ClientsModule` does for its transports. The client is
 * closed at application shutdown (after the microservice's handlers have finished).
 */
import { Module, type DynamicModule, type InjectionToken, type ModuleMetadata } from '@nestjs/common';
import { ConfigError } from '../index.js';
import { RedisStreamerClient } from './client.js';
import type { RedisStreamerClientOptions } from './options.js';

/** The default injection token of the client: `@Inject(REDIS_STREAMER_CLIENT) client: RedisStreamerClient`. */
export const REDIS_STREAMER_CLIENT = 'REDIS_STREAMER_CLIENT';

/** How the module registers its client. */
export interface RedisStreamerModuleRegistration {
  /**
   * The injection token of the client (several clients need several tokens).
   * @default REDIS_STREAMER_CLIENT
   */
  readonly name?: string | symbol;
  /**
   * Makes the client injectable in every module without importing this one there.
   * @default false
   */
  readonly isGlobal?: boolean;
}

/** Options of `RedisStreamerModule.forRoot()`: the client's and the registration's. */
export interface RedisStreamerModuleOptions extends RedisStreamerClientOptions, RedisStreamerModuleRegistration {}

/** Options of `RedisStreamerModule.forRootAsync()`: the client's options come from a factory. */
export interface RedisStreamerModuleAsyncOptions extends RedisStreamerModuleRegistration {
  /**
   * Modules whose providers the factory needs (a ConfigModule...).
   * @default []
   */
  readonly imports?: ModuleMetadata['imports'];
  /**
   * Providers given to the factory, in order.
   * @default []
   */
  readonly inject?: readonly InjectionToken[];
  /** Makes the client's options (from configuration, a secret store...). */
  readonly useFactory: (...args: never[]) => RedisStreamerClientOptions | Promise<RedisStreamerClientOptions>;
}

/**
 * Registers a {@link RedisStreamerClient}:
 *
 * ```ts
 * @Module({ imports: [RedisStreamerModule.forRoot({ redis: 'redis://localhost:6379', channel: 'orders' })] })
 * class AppModule {}
 * // in a provider: constructor(@Inject(REDIS_STREAMER_CLIENT) private readonly events: RedisStreamerClient) {}
 * ```
 */
export class RedisStreamerModule {
  /** A client made from these options now (a ConfigError for invalid ones). */
  static forRoot(options: RedisStreamerModuleOptions): DynamicModule {
    const { name, isGlobal, ...clientOptions } = checkRegistration(options, 'forRoot');
    const token = name ?? REDIS_STREAMER_CLIENT;
    const provider = { provide: token, useValue: new RedisStreamerClient(clientOptions) };
    return { module: RedisStreamerModule, global: isGlobal === true, providers: [provider], exports: [token] };
  }

  /** A client made when the application starts, from the options the factory returns. */
  static forRootAsync(options: RedisStreamerModuleAsyncOptions): DynamicModule {
    const { name, isGlobal, imports, inject, useFactory } = checkRegistration(options, 'forRootAsync');
    if (typeof useFactory !== 'function') {
      throw new ConfigError(
        'RedisStreamerModule.forRootAsync(): option `useFactory` must be a function returning the client options',
      );
    }
    const token = name ?? REDIS_STREAMER_CLIENT;
    const provider = {
      provide: token,
      useFactory: async (...args: never[]) => new RedisStreamerClient(await useFactory(...args)),
      inject: [...(inject ?? [])],
    };
    return {
      module: RedisStreamerModule,
      global: isGlobal === true,
      imports: imports ?? [],
      providers: [provider],
      exports: [token],
    };
  }
}

Module({})(RedisStreamerModule);

function checkRegistration<T extends RedisStreamerModuleRegistration>(options: T, call: string): T {
  if (typeof options !== 'object' || options === null) {
    throw new ConfigError(`RedisStreamerModule.${call}(): the options must be an object`);
  }
  const { name } = options;
  if (name !== undefined && typeof name !== 'symbol' && (typeof name !== 'string' || name === '')) {
    throw new ConfigError(
      `RedisStreamerModule.${call}(): option \`name\` (the injection token) must be a non-empty string or a symbol`,
    );
  }
  return options;
}
