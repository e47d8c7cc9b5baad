/// <reference types="node" preserve="true" />
/**
 * redis-streamer: event messaging between microservices over Redis Streams.
 * Public exports only.
 *
 * @module redis-streamer
 */
export { RedisStreamer } from './streamer.js';
export { RedisInstance } from './connection/redis-instance.js';
export type { RedisConnectionOptions } from './connection/connection-options.js';
export type { RedisSource, IoredisTemplate } from './connection/redis-source.js';
export type { NodeRedisTemplate } from './connection/node-redis-source.js';
export type { NodeAddress } from './connection/redis-url.js';
export type { ConnectionStatus, ConnectionState } from './connection/port.js';
/**
 * The transport: the extension point for other Redis clients and for the test kit
 * (`redis-streamer/testing`), which implements it over an in-memory Redis. A {@link Transport}
 * opens {@link RedisPort} connections and gives the {@link Clock} delivery runs on.
 */
export type { Transport } from './connection/transport.js';
export type {
  RedisPort,
  ConnectionKind,
  RawEntry,
  ReadGroup,
  ScriptCall,
  LuaScript,
  WaitBeforeRead,
  PortEvents,
} from './connection/port.js';
export { systemClock, type Clock } from './timers.js';
export { Message, type MessageLike, type DecodedEntry } from './message.js';
export {
  defineChannel,
  isChannelContract,
  type ChannelContract,
  type AnyChannelContract,
  type ChannelContractOptions,
  type ChannelRef,
  type EventSchemas,
  type EventName,
  type EventInput,
  type EventPayload,
  type ContractMessage,
  type ContractHandler,
  type ContractHandlerArgs,
  type AnyEventPayload,
  type UnknownEvents,
} from './contract/channel.js';
export { toAsyncApi, type AsyncApiOptions, type AsyncApiService, type AsyncApiDocument } from './contract/asyncapi.js';
export type { StandardSchemaV1, StandardJSONSchemaV1 } from '@standard-schema/spec';
export type { PublishOptions, BatchPublishOptions, KeyedMessage } from './publish/publish-options.js';
export { checkMessage, type CheckMessageOptions, type CheckedMessage } from './publish/check-message.js';
export type { Handler, HandlerOptions, MessageContext } from './handlers.js';
export type { Middleware, HandlingMessage } from './middleware.js';
export type { GuardKind } from './delivery/guarded-read.js';
export type {
  RedisStreamerOptions,
  SubscribeOptions,
  ChannelOptions,
  ConsumeOptions,
  DeliveryMode,
  DeadLetterListOptions,
} from './options.js';
export type { TypedEmitter, Listener } from './events.js';
export type {
  StreamerEvents,
  ErrorContext,
  DeadLetterEvent,
  ReconnectEvent,
  ReadyEvent,
  TrimmedUnreadEvent,
} from './events.js';
export type {
  StreamerHooks,
  PublishHookEvent,
  PublishCallEvent,
  HandleHookEvent,
  HandledHookEvent,
  FailedHookEvent,
} from './hooks.js';
export type { StreamerStats, ChannelStats, GroupStats, Counters } from './stats.js';
export { DeadLetterQueue, type DeadLetter, type ReplayResult } from './delivery/dead-letters.js';
export type { DeadLetterReason } from './events.js';
export type { RetentionResult, RetentionPreview, RetentionPreviewExact } from './maintenance/retention.js';
export type { ChannelCleanup } from './maintenance/maintenance.js';
export { defaultLogger, silentLogger, type Logger } from './logger.js';
export {
  RedisStreamerError,
  ConfigError,
  InvalidMessageError,
  MessageTooLargeError,
  PartialPublishError,
  PublishError,
  ReplicationError,
  ClosedError,
  UnrecoverableError,
  DecodeError,
  ConnectionError,
  AuthError,
  RedisCommandError,
  UnexpectedReplyError,
  InternalError,
  HandlerError,
  HookError,
  ConsumeError,
  DeadLetterError,
  ShutdownTimeoutError,
  type ErrorCode,
  type DecodeFailure,
  type HookName,
  type SchemaIssue,
} from './errors.js';
export { describeThrown } from './thrown.js';
export { aclRules, type AclOptions, type AclRole } from './acl.js';
export { sanitize, serviceName, groupName, instanceName, ledgerKey, deadLetterKey } from './naming.js';
export {
  Inspector,
  type InspectorOptions,
  type ChannelInfo,
  type GroupInfo,
  type ConsumerInfo,
  type TrimOptions,
  type PreviewTrimOptions,
} from './inspect/inspector.js';
export type { TailEntry, TailOptions } from './inspect/tail.js';
export type { ReplayOptions, ReplayProgress } from './inspect/replay.js';
export { startDashboard, type Dashboard } from './dashboard/server.js';
export type { DashboardOptions } from './dashboard/options.js';
export { renderPrometheus, PROMETHEUS_CONTENT_TYPE, type PrometheusOptions } from './metrics/prometheus.js';
export { processMetrics, type ProcessMetrics, type ProcessMetricsOptions } from './metrics/process-metrics.js';
