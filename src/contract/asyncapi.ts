/**
 * An AsyncAPI 3.0 document from channel contracts: one channel per stream, one message per event
 * name (its payload the event schema's JSON Schema, through Standard JSON Schema), and a `send` or
 * `receive` operation per service. The wire format is stated in it, so a service in another
 * language (a Python dtpyfw service) can read and write the same entries: the stream fields `name`
 * (the event name) and `body` (the payload as JSON text), plus optional metadata fields.
 */
import type { StandardSchemaV1 } from '@standard-schema/spec';
import { ConfigError } from '../errors.js';
import { defaultLogger } from '../logger.js';
import { groupName, checkServiceName } from '../naming.js';
import { isChannelContract, type AnyChannelContract } from './channel.js';

/** What one service does with the channels, for the document's operations. */
export interface AsyncApiService {
  /**
   * The channels whose events this service publishes.
   * @default []
   */
  readonly sends?: readonly AnyChannelContract[];
  /**
   * The channels this service consumes, through its own consumer group (every service gets every
   * event; the instances of one service share them).
   * @default []
   */
  readonly receives?: readonly AnyChannelContract[];
}

/** Options of {@link toAsyncApi}. */
export interface AsyncApiOptions {
  /** The document's title (`info.title`). */
  readonly title: string;
  /** The version of the API described (`info.version`), not of AsyncAPI. */
  readonly version: string;
  /**
   * `info.description`.
   * @default a description of the wire format
   */
  readonly description?: string;
  /**
   * The channels to describe (those named by `services` are added).
   * @default []
   */
  readonly channels?: readonly AnyChannelContract[];
  /**
   * Services by name (the name given to `new RedisStreamer(redis, service)`), with what each sends
   * and receives: one operation per service and channel.
   * @default {}
   */
  readonly services?: Readonly<Record<string, AsyncApiService>>;
  /**
   * The Redis server, for the document's `servers` (`host` as `host:port`).
   * @default undefined (no servers section)
   */
  readonly server?: {
    /** Where the server is: `host:port`. */
    readonly host: string;
    /**
     * `rediss` with TLS.
     * @default 'redis'
     */
    readonly protocol?: 'redis' | 'rediss';
  };
  /**
   * Told of each event whose schema cannot give a JSON Schema (its payload is then described as
   * unknown, never guessed).
   * @default a warning through the default logger
   */
  readonly onWarning?: (message: string) => void;
}

/** An AsyncAPI 3.0 document, as plain JSON data (`JSON.stringify` it, or write it as YAML). */
export interface AsyncApiDocument {
  /** The AsyncAPI version of the document. */
  readonly asyncapi: '3.0.0';
  /** The document's `info` section. */
  readonly info: {
    /** The title given in the options. */
    readonly title: string;
    /** The version given in the options. */
    readonly version: string;
    /** The description given, else how events travel over Redis Streams (the wire format). */
    readonly description: string;
  };
  /** The other sections: `servers`, `channels`, `operations`, `components`. */
  readonly [section: string]: unknown;
}

type Json = Record<string, unknown>;

const WIRE =
  'Each event is one Redis stream entry (XADD <channel> * name <event name> body <JSON>), as the Python framework dtpyfw writes it: the field `name` holds the event name and the field `body` the payload as JSON text (NaN, Infinity and -Infinity as bare tokens). Other fields are optional metadata (an idempotency key, a W3C trace context) that readers may ignore. Every consuming service reads through its own consumer group `<channel>:<service>:cg`.';

/** Builds the AsyncAPI 3.0 document of a set of channel contracts. */
export function toAsyncApi(options: AsyncApiOptions): AsyncApiDocument {
  const o = checkAsyncApiOptions(options);
  const warn = o.onWarning ?? ((message: string) => defaultLogger.warn({}, message));
  const contracts = allContracts(o);
  const ids = channelIds(contracts);
  const channels: Json = {};
  const messages: Json = {};
  for (const contract of contracts) {
    const id = ids.get(contract) as string;
    const refs: Json = {};
    for (const [event, schema] of Object.entries(contract.events)) {
      const messageId = `${id}.${safeId(event)}`;
      messages[messageId] = messageOf(contract, event, schema, warn);
      refs[safeId(event)] = { $ref: `#/components/messages/${messageId}` };
    }
    channels[id] = {
      address: contract.name,
      title: contract.name,
      ...(contract.description === undefined ? {} : { description: contract.description }),
      messages: refs,
    };
  }
  return {
    asyncapi: '3.0.0',
    info: { title: o.title, version: o.version, description: o.description ?? WIRE },
    defaultContentType: 'application/json',
    ...(o.server === undefined
      ? {}
      : { servers: { redis: { host: o.server.host, protocol: o.server.protocol ?? 'redis' } } }),
    channels,
    operations: operationsOf(o.services ?? {}, ids),
    components: { messages },
  };
}

function messageOf(
  contract: AnyChannelContract,
  event: string,
  schema: StandardSchemaV1,
  warn: (message: string) => void,
): Json {
  return {
    name: event,
    title: event,
    contentType: 'application/json',
    payload: payloadOf(contract, event, schema, warn),
    headers: {
      type: 'object',
      description: 'The stream fields other than `body`.',
      properties: {
        name: { type: 'string', const: event, description: 'The event name.' },
        'rs-idempotency-key': { type: 'string', description: 'The key the message was published with, if any.' },
        traceparent: { type: 'string', description: 'W3C trace context, when the publisher traces.' },
        tracestate: { type: 'string', description: 'W3C trace state, when the publisher traces.' },
      },
      required: ['name'],
      additionalProperties: { type: 'string' },
    },
    'x-redis-streamer-wire': { stream: contract.name, fields: { name: event, body: 'the payload as JSON text' } },
  };
}

function payloadOf(
  contract: AnyChannelContract,
  event: string,
  schema: StandardSchemaV1,
  warn: (message: string) => void,
): Json {
  const props = schema['~standard'] as StandardSchemaV1.Props & {
    jsonSchema?: { input?: (options: { target: string }) => Record<string, unknown> };
  };
  let reason = `its ${props.vendor} schema does not implement Standard JSON Schema (~standard.jsonSchema)`;
  if (typeof props.jsonSchema?.input === 'function') {
    try {
      const { $schema: _draft, ...payload } = props.jsonSchema.input({ target: 'draft-07' });
      return payload;
    } catch (err) {
      reason = `its ${props.vendor} schema could not be converted to JSON Schema: ${String((err as Error)?.message ?? err)}`;
    }
  }
  warn(`AsyncAPI: the payload of "${event}" on channel "${contract.name}" is left undescribed: ${reason}`);
  return { description: `Not described: ${reason}.`, 'x-redis-streamer-undescribed': true };
}

function operationsOf(services: Readonly<Record<string, AsyncApiService>>, ids: Map<AnyChannelContract, string>): Json {
  const operations: Json = {};
  for (const [service, does] of Object.entries(services)) {
    const listener = checkServiceName(service).sanitized;
    for (const [action, list] of [
      ['send', does.sends ?? []],
      ['receive', does.receives ?? []],
    ] as const) {
      for (const contract of list) {
        const id = ids.get(contract) as string;
        const group = action === 'receive' ? groupName(contract.name, listener) : undefined;
        operations[`${safeId(service)}.${action}.${id}`] = {
          action,
          channel: { $ref: `#/channels/${id}` },
          summary: `${service} ${action === 'send' ? 'publishes to' : 'consumes'} ${contract.name}`,
          ...(group === undefined ? {} : { description: `Through the consumer group \`${group}\`.` }),
          messages: Object.keys(contract.events).map((e) => ({ $ref: `#/channels/${id}/messages/${safeId(e)}` })),
        };
      }
    }
  }
  return operations;
}

/** The contracts of the document: those listed, then those the services name, each once. */
function allContracts(o: AsyncApiOptions): AnyChannelContract[] {
  const all = new Set<AnyChannelContract>(o.channels ?? []);
  for (const s of Object.values(o.services ?? {}))
    for (const c of [...(s.sends ?? []), ...(s.receives ?? [])]) all.add(c);
  const byName = new Map<string, AnyChannelContract>();
  for (const c of all) {
    const other = byName.get(c.name);
    if (other !== undefined && other !== c) {
      throw new ConfigError(`toAsyncApi(): two different contracts for channel "${c.name}"`);
    }
    byName.set(c.name, c);
  }
  return [...all];
}

/** A component id for each channel: its name made safe for AsyncAPI keys, unique. */
function channelIds(contracts: readonly AnyChannelContract[]): Map<AnyChannelContract, string> {
  const ids = new Map<AnyChannelContract, string>();
  const used = new Set<string>();
  for (const c of contracts) {
    let id = safeId(c.name);
    for (let n = 2; used.has(id); n++) id = `${safeId(c.name)}_${n}`;
    used.add(id);
    ids.set(c, id);
  }
  return ids;
}

/** AsyncAPI component keys match `^[A-Za-z0-9.\-_]+$`. */
function safeId(name: string): string {
  const id = name.replace(/[^A-Za-z0-9._-]/g, '_');
  return id === '' ? '_' : id;
}

function checkAsyncApiOptions(options: AsyncApiOptions): AsyncApiOptions {
  if (typeof options !== 'object' || options === null) {
    throw new ConfigError('toAsyncApi(options): an object { title, version, channels, services }');
  }
  const known = ['title', 'version', 'description', 'channels', 'services', 'server', 'onWarning'];
  for (const key of Object.keys(options)) {
    if (!known.includes(key))
      throw new ConfigError(`toAsyncApi(): unknown option "${key}" (known: ${known.join(', ')})`);
  }
  for (const key of ['title', 'version'] as const) {
    if (typeof options[key] !== 'string' || options[key] === '') {
      throw new ConfigError(`toAsyncApi(): ${key} must be a non-empty string`);
    }
  }
  const lists = [
    options.channels ?? [],
    ...Object.values(options.services ?? {}).flatMap((s) => [s.sends ?? [], s.receives ?? []]),
  ];
  for (const list of lists) {
    if (!Array.isArray(list) || !list.every(isChannelContract)) {
      throw new ConfigError(
        'toAsyncApi(): channels, sends and receives must be arrays of contracts made by defineChannel()',
      );
    }
  }
  return options;
}
