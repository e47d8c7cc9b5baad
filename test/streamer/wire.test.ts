/**
 * Wire compatibility with dtpyfw: entries written byte for byte as dtpyfw writes them are read
 * correctly; entries this library writes are checked field by field; names and keys follow
 * dtpyfw's rules; and a simulated dtpyfw consumer can share a group with this library.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { Message, ledgerKey } from '../../src/index.js';
import { delay, uniqueChannel, useRedis, waitFor } from '../support/harness.js';
import { groupLag, pendingCount, waitUntilWaiting } from '../support/states.js';

const redis = useRedis();

/** Bodies exactly as Python's json.dumps(body, default=str) writes them (spaces, \u escapes, NaN...). */
const PYTHON_ENTRIES: ReadonlyArray<{ name: string; body: string; expected: unknown }> = [
  {
    name: 'order.created',
    body: '{"order_id": "ORD-123", "customer_id": 456, "total": 99.99}',
    expected: { order_id: 'ORD-123', customer_id: 456, total: 99.99 },
  },
  {
    name: 'caf\u00e9',
    body: '{"city": "Z\\u00fcrich", "emoji": "\\ud83d\\ude00"}',
    expected: { city: 'Zürich', emoji: '😀' },
  },
  { name: 'metrics', body: '{"ratio": NaN, "max": Infinity, "min": -Infinity, "list": [1.5, NaN]}', expected: null },
  {
    name: 'str-fallbacks',
    body: '{"at": "2024-01-02 03:04:05.123456+00:00", "price": "1.10", "tags": "{1, 2}"}',
    expected: { at: '2024-01-02 03:04:05.123456+00:00', price: '1.10', tags: '{1, 2}' },
  },
  { name: 'list-body', body: '[1, "two", null, true]', expected: [1, 'two', null, true] },
];

describe('reading what dtpyfw writes', () => {
  it('decodes Python-written entries byte for byte, ignoring extra fields', async () => {
    const channel = uniqueChannel('from-python');
    const got: Array<{ name: string; payload: unknown }> = [];
    const s = redis.streamer('ts-reader');
    await s.subscribe(channel);
    s.registerHandler(channel, (name, payload) => void got.push({ name, payload }));
    void s.persistConsume({ blockMs: 300 });
    for (const e of PYTHON_ENTRIES) {
      // dtpyfw: XADD <channel> * name <utf8> body <json> (exactly these two fields, in this order)
      await redis.client.xadd(channel, '*', 'name', Buffer.from(e.name, 'utf8'), 'body', Buffer.from(e.body, 'utf8'));
    }
    await redis.client.xadd(channel, '*', 'name', 'with-extra', 'body', '{}', 'schema', 'v2');
    await waitFor(() => got.length >= PYTHON_ENTRIES.length + 1, 'all decoded');
    for (const [i, e] of PYTHON_ENTRIES.entries()) {
      assert.equal(got[i]?.name, e.name);
      if (e.expected !== null) assert.deepEqual(got[i]?.payload, e.expected);
    }
    const metrics = got[2]?.payload as { ratio: number; max: number; min: number; list: number[] };
    assert.ok(Number.isNaN(metrics.ratio));
    assert.equal(metrics.max, Infinity);
    assert.equal(metrics.min, -Infinity);
    assert.equal(metrics.list[0], 1.5);
    assert.ok(Number.isNaN(metrics.list[1]));
    assert.deepEqual(got[PYTHON_ENTRIES.length], { name: 'with-extra', payload: {} });
  });
});

describe('what this library writes', () => {
  it("is exactly dtpyfw's entry: the fields name then body, body as JSON", async () => {
    const channel = uniqueChannel('to-python');
    const s = redis.streamer('writer');
    const id = await s.sendMessage(
      channel,
      new Message('order.created', { order_id: 'ORD-123', customer_id: 456, total: 99.99, note: 'café' }),
    );
    const plainId = await s.sendMessage(channel, { name: 'plain', body: [1, null] });
    const raw = await redis.client.xrangeBuffer(channel, '-', '+');
    assert.equal(raw.length, 2);
    assert.equal(raw[0]![0].toString(), id);
    assert.deepEqual(
      raw[0]![1].map((b) => b.toString('utf8')),
      ['name', 'order.created', 'body', '{"order_id":"ORD-123","customer_id":456,"total":99.99,"note":"café"}'],
    );
    assert.equal(raw[1]![0].toString(), plainId);
    assert.deepEqual(
      raw[1]![1].map((b) => b.toString('utf8')),
      ['name', 'plain', 'body', '[1,null]'],
    );
  });

  it("is parsed by Python's json.loads (when python3 is installed)", async (t) => {
    const probe = spawnSync('python3', ['--version']);
    if (probe.error !== undefined) {
      t.skip('python3 is not installed');
      return;
    }
    const channel = uniqueChannel('py-parse');
    await redis.streamer('writer').sendMessage(channel, {
      name: 'n',
      body: { a: 'é', b: [1.5, true, null], c: 'x"y', d: NaN, e: [Infinity, -Infinity] },
    });
    const [[, fields]] = (await redis.client.xrange(channel, '-', '+')) as [[string, string[]]];
    const out = spawnSync(
      'python3',
      ['-c', 'import json,sys; print(json.dumps(json.loads(sys.stdin.read()), sort_keys=True))'],
      {
        input: fields[3],
      },
    );
    assert.equal(out.status, 0, out.stderr.toString());
    // NaN and the infinities arrive as Python floats (json.dumps writes them back as bare tokens).
    assert.equal(
      out.stdout.toString().trim(),
      '{"a": "\\u00e9", "b": [1.5, true, null], "c": "x\\"y", "d": NaN, "e": [Infinity, -Infinity]}',
    );
  });

  it('names groups and consumers as dtpyfw does', async () => {
    const channel = uniqueChannel('names');
    const s = redis.streamer('Order Processor/v2');
    await s.subscribe(channel);
    s.registerHandler(channel, () => {});
    void s.persistConsume({ blockMs: 300 });
    await redis.streamer('publisher').sendMessage(channel, { name: 'n', body: {} });
    const group = `${channel}:Order-Processor-v2:cg`;
    await waitFor(async () => {
      const consumers = (await redis.client.xinfo('CONSUMERS', channel, group)) as unknown[][];
      return consumers.length === 1;
    }, 'the consumer appears in the group');
    const [consumer] = (await redis.client.xinfo('CONSUMERS', channel, group)) as string[][];
    const name = consumer![1]!;
    assert.equal(name, s.consumer);
    assert.match(name, /^Order-Processor-v2\.[a-zA-Z0-9._:-]{1,64}\.\d+\.[0-9a-f]{8}$/);
    assert.equal(s.service, 'Order-Processor-v2');
  });
});

describe('sharing a group with a dtpyfw process', () => {
  it('never hands an entry to both, also after the group is re-created (ledger: zset)', async () => {
    const channel = uniqueChannel('shared');
    const group = `${channel}:shared-svc:cg`;
    const ledger = ledgerKey(channel, group);
    const publisher = redis.streamer('publisher');
    const tsSeen: number[] = [];
    const pySeen: number[] = [];
    const ts = redis.streamer('shared-svc', { dedupGuard: 'ledger' });
    await ts.subscribe(channel, { startFromLatest: false });
    ts.registerHandler(channel, (_n, p) => void tsSeen.push((p as { i: number }).i));

    // The dtpyfw consumer, command for command (dtpyfw-behaviour.md §3.3).
    let pyRunning = true;
    const py = redis.client.duplicate();
    py.on('error', () => {});
    const pyLoop = (async () => {
      while (pyRunning) {
        let reply: [string, [string, string[]][]][] | null;
        try {
          reply = (await py.xreadgroup(
            'GROUP',
            group,
            'py.host.1.abcdef12',
            'COUNT',
            32,
            'BLOCK',
            100,
            'STREAMS',
            channel,
            '>',
          )) as [string, [string, string[]][]][] | null;
        } catch {
          await delay(20); // NOGROUP while the test re-creates the group
          continue;
        }
        if (reply === null) continue;
        const now = Date.now();
        for (const [id, fields] of reply[0]![1]) {
          const reserved = await py.zadd(ledger, 'NX', now, id);
          if (reserved === 1) pySeen.push((JSON.parse(fields[3]!) as { i: number }).i);
          await py.xack(channel, group, id);
        }
      }
    })();

    void ts.persistConsume({ blockMs: 200, count: 4, maxCount: 4 });
    const N = 200;
    for (let i = 0; i < N; i += 20) {
      await publisher.sendMessages(
        channel,
        Array.from({ length: 20 }, (_, k) => ({ name: 'n', body: { i: i + k } })),
      );
      await delay(5); // pacing: both sides take a share
    }
    await waitFor(() => tsSeen.length + pySeen.length >= N, 'all handled once');
    // Re-create the group from the beginning: neither side may handle anything again.
    await redis.client.xgroup('DESTROY', channel, group);
    await redis.client.xgroup('CREATE', channel, group, '0-0');
    await publisher.sendMessage(channel, { name: 'n', body: { i: N } });
    await waitFor(() => tsSeen.length + pySeen.length >= N + 1, 'the new one');
    // The re-created group hands every entry out again; once it has handed out all (lag 0) and both
    // sides acknowledged them (nothing pending), neither can handle one any more.
    await waitFor(
      async () =>
        (await groupLag(redis.client, channel, group)) === 0 &&
        (await pendingCount(redis.client, channel, group)) === 0,
      'the re-created group read and acknowledged everything',
    );
    pyRunning = false;
    await pyLoop;
    py.disconnect();
    await waitUntilWaiting(redis.client, 'shared-svc'); // and the library's loop is done with its last batch
    const all = [...tsSeen, ...pySeen].sort((a, b) => a - b);
    assert.deepEqual(
      all,
      Array.from({ length: N + 1 }, (_, i) => i),
      'every entry exactly once across both',
    );
    assert.ok(tsSeen.length > 0 && pySeen.length > 0, `both took part (ts ${tsSeen.length}, py ${pySeen.length})`);
  });
});
