/**
 * A Nest microservice on the redis-streamer transport, in its own process, for the shutdown test:
 * at-least-once, each event takes 150 ms. It prints `ready` once listening, `started <i>` and
 * `handled <i>` around each handler, and on a `close` line on stdin calls `app.close()`, prints
 * `closed` and the resources still active, and must then exit by itself (no process.exit()).
 * Arguments: Redis URL, channel, service.
 */
import 'reflect-metadata';
import { Controller, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Payload } from '@nestjs/microservices';
import { silentLogger } from '../../src/index.js';
import { OnStreamEvent, RedisStreamerTransport } from '../../src/nestjs/index.js';

const [url = '', channel = '', service = ''] = process.argv.slice(2);

@Controller()
class SlowController {
  @OnStreamEvent<{ i: number }>('job')
  async job(@Payload() job: { i: number }): Promise<void> {
    process.stdout.write(`started ${job.i}\n`);
    await new Promise((r) => setTimeout(r, 150));
    process.stdout.write(`handled ${job.i}\n`);
  }
}

@Module({ controllers: [SlowController] })
class AppModule {}

const transport = new RedisStreamerTransport({
  redis: url,
  service,
  channels: [channel],
  delivery: 'at-least-once',
  claimIdleMs: 600,
  claimIntervalMs: 100,
  logger: silentLogger,
  consume: { blockMs: 200 },
});
const app = await NestFactory.createMicroservice(AppModule, { strategy: transport, logger: false });
await app.listen();
process.stdout.write('ready\n');

process.stdin.setEncoding('utf8');
process.stdin.on('data', (line: string) => {
  if (!line.includes('close')) return;
  process.stdin.destroy(); // stdin must not keep the process alive
  void app.close().then(() => {
    const left = process.getActiveResourcesInfo().filter((r) => r !== 'TTYWrap');
    process.stdout.write(`closed ${JSON.stringify(left)}\n`);
  });
});
