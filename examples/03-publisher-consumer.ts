/**
 * Example 3: a publisher and a consumer running side by side (dtpyfw's "Publisher-Consumer
 * Pattern").
 *
 * The publisher sends five tasks, one every 100 ms; the `worker` service handles each as it comes
 * (its handler takes 50 ms). Both run concurrently in this process, as two services would on two
 * machines. `TASKS=20` sends more.
 *
 *   REDIS_URL=redis://127.0.0.1:6379 npx tsx examples/03-publisher-consumer.ts
 */
import { createClient } from 'redis';
import { Message, RedisStreamer } from 'redis-streamer';

const url = process.env['REDIS_URL'] || 'redis://127.0.0.1:6379';
const tasks = `example.tasks.${process.pid}`; // a channel of this run only
const TASKS = Number(process.env['TASKS'] ?? 5);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface Task {
  readonly taskId: string;
  readonly priority: number;
  readonly createdAt: string;
}

async function publisher(): Promise<void> {
  const streamer = new RedisStreamer(url, 'publisher');
  for (let i = 0; i < TASKS; i++) {
    const task: Task = {
      taskId: `TASK-${String(i).padStart(3, '0')}`,
      priority: i % 3,
      createdAt: new Date().toISOString(),
    };
    await streamer.sendMessage(tasks, new Message('task.created', task)); // resolves to the entry id
    console.log(`Published ${task.taskId}`);
    await sleep(100);
  }
  await streamer.close();
}

async function consumer(ready: () => void): Promise<number> {
  const streamer = new RedisStreamer(url, 'worker');
  let processed = 0;
  let allProcessed = (): void => {};
  const done = new Promise<void>((resolve) => (allProcessed = resolve));
  await streamer.subscribe(tasks);
  streamer.registerHandler<Task>(
    tasks,
    async (_name, task) => {
      console.log(`Processing ${task.taskId} (priority: ${task.priority})`);
      await sleep(50); // the work
      if (++processed === TASKS) allProcessed();
    },
    { name: 'task.created' },
  );
  const consuming = streamer.persistConsume({ blockMs: 1000 });
  ready(); // subscribed: what is published from now on reaches the worker
  await done;
  await streamer.close();
  await consuming;
  return processed;
}

let subscribed = (): void => {};
const workerReady = new Promise<void>((resolve) => (subscribed = resolve));
const [processed] = await Promise.all([consumer(subscribed), workerReady.then(publisher)]);
console.log(`worker processed ${processed} of ${TASKS} tasks`);
await removeChannels(url, tasks);

/** Deletes the channels and the keys the library keeps beside them (`{channel}:...`): Redis is left as it was. */
async function removeChannels(redisUrl: string, ...channels: string[]): Promise<void> {
  const redis = await createClient({ url: redisUrl }).connect();
  for (const channel of channels) await redis.del([channel, ...(await redis.keys(`{${channel}}:*`))]);
  await redis.close();
}
