/**
 * Real Nest microservice applications for the tests: a module made of the given controllers and
 * providers, the redis-streamer transport as its strategy, started with `app.listen()` and closed
 * with `app.close()` after the file. Nest's own log lines go to a recording logger.
 *
 * The tests run through tsx (esbuild), which emits no decorator metadata (`design:paramtypes`):
 * constructor parameters are injected by token (`@Inject(TOKEN)`), and a validation pipe is told
 * its type (`expectedType`), as they would be in an application built without metadata.
 */
import 'reflect-metadata';
import {
  Module,
  type ExceptionFilter,
  type INestMicroservice,
  type LoggerService,
  type PipeTransform,
  type Provider,
  type Type,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { after } from 'node:test';
import { silentLogger } from '../../src/index.js';
import { RedisStreamerTransport, type RedisStreamerTransportOptions } from '../../src/nestjs/index.js';

/** A logger for Nest that keeps every line, so tests can look for warnings. */
export class RecordingLogger implements LoggerService {
  readonly lines: string[] = [];
  log(message: unknown): void {
    this.lines.push(`log ${String(message)}`);
  }
  error(message: unknown): void {
    this.lines.push(`error ${message instanceof Error ? message.message : String(message)}`);
  }
  warn(message: unknown): void {
    this.lines.push(`warn ${String(message)}`);
  }
  debug(message: unknown): void {
    this.lines.push(`debug ${String(message)}`);
  }
  verbose(): void {}
}

/** What a test's service is made of. */
export interface ServiceSpec {
  readonly url: string;
  readonly service: string;
  readonly channels: RedisStreamerTransportOptions['channels'];
  readonly controllers: Type[];
  readonly providers?: Provider[];
  readonly imports?: Type[];
  /** More transport options (delivery, retries...). */
  readonly options?: Partial<RedisStreamerTransportOptions>;
  /** Global exception filters of the microservice. */
  readonly filters?: ExceptionFilter[];
  /** Global pipes of the microservice. */
  readonly pipes?: PipeTransform[];
  /** Nest's logger (one for the whole process: Nest's Logger is static). */
  readonly logger?: LoggerService;
}

/** A started service. */
export interface Service {
  readonly app: INestMicroservice;
  readonly transport: RedisStreamerTransport;
}

const started: INestMicroservice[] = [];
after(async () => {
  await Promise.all(started.map((app) => app.close().catch(() => undefined))); // some tests close theirs
});

/** Builds and starts a Nest microservice on the redis-streamer transport; closed after the file. */
export async function startService(spec: ServiceSpec): Promise<Service> {
  const transport = new RedisStreamerTransport({
    redis: spec.url,
    service: spec.service,
    channels: spec.channels,
    logger: silentLogger,
    consume: { blockMs: 200 },
    ...spec.options,
  });
  class TestModule {}
  Module({ controllers: spec.controllers, providers: spec.providers ?? [], imports: spec.imports ?? [] })(TestModule);
  const app = await NestFactory.createMicroservice(TestModule, { strategy: transport, logger: spec.logger ?? false });
  if (spec.filters !== undefined) app.useGlobalFilters(...spec.filters);
  if (spec.pipes !== undefined) app.useGlobalPipes(...spec.pipes);
  await app.listen();
  started.push(app);
  return { app, transport };
}
