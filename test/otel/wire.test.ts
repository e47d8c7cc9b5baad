/**
 * Traced entries stay dtpyfw entries: `name` then `body` first, the trace context after as extra
 * fields, which dtpyfw's decoder (dtpyfw-behaviour.md §1.2, run in Python when python3 is installed)
 * and its consumer group reads (the command-for-command model) ignore.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, describe, it } from 'node:test';
import { context, propagation } from '@opentelemetry/api';
import { groupName } from '../../src/index.js';
import { instrument } from '../../src/otel/index.js';
import { dtpyfwRead } from '../support/dtpyfw-model.js';
import { uniqueChannel, useRedis } from '../support/harness.js';
import { telemetry } from './support.js';

const redis = useRedis();
const otel = telemetry();
after(() => otel.shutdown());

/** dtpyfw's decoding of an entry, in Python: fields[b"name"], json.loads(fields[b"body"]). */
const DTPYFW_DECODE = `
import base64, json, sys
out = []
for entry in json.load(sys.stdin):
    raw = [base64.b64decode(x) for x in entry]
    fields = dict(zip(raw[0::2], raw[1::2]))
    name, body = fields.get(b"name"), fields.get(b"body")
    if name is None or body is None:
        raise Exception("Missing name or body")
    out.append({"name": name.decode("utf-8"), "payload": json.loads(body.decode("utf-8"))})
print(json.dumps(out))
`;

async function publishTraced(channel: string): Promise<void> {
  const s = redis.streamer('traced-pub');
  instrument(s, { tracerProvider: otel.tracerProvider, meterProvider: otel.meterProvider });
  const ctx = propagation.setBaggage(context.active(), propagation.createBaggage({ tenant: { value: 'a b' } }));
  await context.with(ctx, async () => {
    await s.sendMessage(channel, { name: 'order.created', body: { id: 1, note: 'café' } });
    await s.sendMessages(channel, [{ name: 'order.paid', body: { id: 1 } }]);
  });
}

describe('traced entries and dtpyfw', () => {
  it('keep name and body first; the trace context follows as extra fields', async () => {
    const channel = uniqueChannel('wire');
    await publishTraced(channel);
    const entries = await redis.client.xrange(channel, '-', '+');
    assert.equal(entries.length, 2);
    for (const [, fields] of entries) {
      assert.deepEqual([fields[0], fields[2]], ['name', 'body']);
      assert.deepEqual(
        fields.filter((_, i) => i % 2 === 0),
        ['name', 'body', 'traceparent', 'baggage'],
      );
      assert.match(fields[5] ?? '', /^00-[\da-f]{32}-[\da-f]{16}-01$/);
      assert.equal(fields[7], 'tenant=a%20b');
    }
  });

  it("are decoded by dtpyfw's decoder (python3)", async (t) => {
    if (spawnSync('python3', ['--version']).error !== undefined) {
      t.skip('python3 is not installed');
      return;
    }
    const channel = uniqueChannel('wire-py');
    await publishTraced(channel);
    const entries = await redis.client.xrangeBuffer(channel, '-', '+');
    const input = JSON.stringify(entries.map(([, fields]) => fields.map((b) => b.toString('base64'))));
    const out = spawnSync('python3', ['-c', DTPYFW_DECODE], { input });
    assert.equal(out.status, 0, out.stderr.toString());
    assert.deepEqual(JSON.parse(out.stdout.toString()), [
      { name: 'order.created', payload: { id: 1, note: 'café' } },
      { name: 'order.paid', payload: { id: 1 } },
    ]);
  });

  it('are handed out to a dtpyfw consumer sharing the group, as any entry', async () => {
    const channel = uniqueChannel('wire-group');
    const group = groupName(channel, 'shared');
    await redis.client.xgroup('CREATE', channel, group, '0-0', 'MKSTREAM');
    await publishTraced(channel);
    const read = await dtpyfwRead(redis.client, channel, group, 'py.host.1.abcdef12', 10);
    assert.equal(read.handled.length, 2);
    assert.deepEqual(read.skipped, []);
  });
});
