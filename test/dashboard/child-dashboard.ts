/**
 * For the close() test: starts a dashboard, serves a keep-alive request and holds a second
 * connection with a request half sent, then closes the dashboard and its Inspector. It must exit
 * by itself (no process.exit); it prints the resources still active after close.
 */
import '../support/client-choice.js';
import { connect } from 'node:net';
import { Agent, get } from 'node:http';
import { Inspector } from '../../src/index.js';
import { startDashboard } from '../../src/dashboard/server.js';

const url = process.argv[2] ?? 'redis://127.0.0.1:6379';
const inspector = new Inspector(url);
const dashboard = await startDashboard({ inspector, port: 0, refreshMs: 100 });
const port = Number(new URL(dashboard.url).port);
const agent = new Agent({ keepAlive: true });
const status = await new Promise<number>((resolve, reject) => {
  get(`http://127.0.0.1:${port}/api/channels`, { agent }, (res) => {
    res.resume();
    res.on('end', () => resolve(res.statusCode ?? 0));
  }).on('error', reject);
});
// A connection with a request that never ends; unref'd, so only the server's side could hold the process.
const half = connect(port, '127.0.0.1', () => half.write('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n'));
half.on('error', () => {});
half.unref();
// A few sampler ticks (refreshMs 100), so close() meets a running sampler. Not a state to wait on:
// nothing outside the dashboard shows a tick.
await new Promise((r) => setTimeout(r, 300));
const started = Date.now();
await dashboard.close();
const closeMs = Date.now() - started;
await inspector.close();
agent.destroy();
const left = process.getActiveResourcesInfo().filter((r) => r !== 'TTYWrap' && r !== 'PipeWrap');
process.stdout.write(`closed ${JSON.stringify({ status, closeMs, left })}\n`);
