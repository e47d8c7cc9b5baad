/// <reference types="node" preserve="true" />
/**
 * redis-streamer/nestjs: a NestJS microservices transport (server and client) over Redis Streams,
 * with the library's delivery guarantees. Public exports only. Requires `@nestjs/common`,
 * `@nestjs/core`, `@nestjs/microservices`, `rxjs` and `reflect-metadata` (optional peer
 * dependencies of redis-streamer); the core (`redis-streamer`) never imports this subpath.
 *
 * @module redis-streamer/nestjs
 */
export { RedisStreamerTransport } from './transport.js';
export { RedisStreamerClient } from './client.js';
export { RedisStreamerContext, type RedisStreamerContextArgs } from './context.js';
export { RedisStreamerRecord } from './record.js';
export { RedisStreamerExceptionFilter } from './exception-filter.js';
export {
  RedisStreamerModule,
  REDIS_STREAMER_CLIENT,
  type RedisStreamerModuleOptions,
  type RedisStreamerModuleAsyncOptions,
  type RedisStreamerModuleRegistration,
} from './module.js';
export {
  streamEvent,
  REDIS_STREAMER_TRANSPORT,
  PATTERN_CONTRACT,
  type StreamEventPattern,
  type UntypedPattern,
  type ContractEventPattern,
  type ContractChannelPattern,
} from './patterns.js';
export { OnStreamEvent, type StreamEventDecorator } from './decorators.js';
export type {
  RedisStreamerTransportOptions,
  RedisStreamerClientOptions,
  ClientStreamerOptions,
  ChannelSubscription,
  UnhandledEvents,
} from './options.js';
export type { RedisStreamerStatus, RedisStreamerStatusEvents, RedisStreamerEvents } from './status.js';
export type { RedisStreamerHealth } from './health.js';
export { nestLogger } from './logger.js';
