/**
 * The dashboard in a real browser (Debian's chromium driven by playwright-core), against a real
 * Redis and a running RedisStreamer: a group's lag rises on the page after publishing, a dead
 * letter is replayed from the page (button, confirmation dialog) and handled by the consumer, data
 * that looks like HTML stays text, and a browser without the token is refused. Screenshots of each
 * state go to test-artifacts/dashboard/ (git-ignored); with UPDATE_DASHBOARD_SCREENSHOT=1 the
 * README's docs/dashboard.png is written too.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { Inspector } from '../../src/index.js';
import { startDashboard, type Dashboard } from '../../src/dashboard/server.js';
import { uniqueChannel, useRedis, waitFor } from '../support/harness.js';

const CHROMIUM = '/usr/bin/chromium';
const skip = existsSync(CHROMIUM)
  ? false
  : `needs Debian's chromium at ${CHROMIUM} (apt-get install -y chromium; .ci/run installs it)`;
const ARTIFACTS = join('test-artifacts', 'dashboard');

const redis = useRedis();

describe('the dashboard in chromium', { skip }, () => {
  const channel = uniqueChannel('orders');
  const pyGroup = `${channel}:py-audit:cg`;
  const handled: unknown[] = [];
  const errors: string[] = [];
  let broken = true;
  let inspector: Inspector;
  let dashboard: Dashboard;
  let browser: Browser;
  let page: Page;

  before(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    const billing = redis.streamer('billing', { delivery: 'at-least-once', maxAttempts: 1, claimIntervalMs: 100 });
    await billing.subscribe(channel);
    billing.registerHandler(channel, (name, payload) => {
      if (name === 'payment.failed' && broken) throw new Error('card declined <b>by bank</b>');
      handled.push(payload);
    });
    void billing.persistConsume({ blockMs: 200 });
    // A dtpyfw service's group that reads nothing: its lag is every entry published.
    await redis.client.xgroup('CREATE', channel, pyGroup, '$');
    await redis.streamer('shop').sendMessages(channel, [
      { name: 'order.created', body: { order: 1 } },
      { name: 'order.created', body: { order: 2 } },
    ]);
    // Two more channels for the list: one with a stale-looking backlog, one with a dead letter.
    for (const [other, count] of [
      [uniqueChannel('emails'), 40],
      [uniqueChannel('payments'), 12],
    ] as const) {
      for (let i = 0; i < count; i++) await redis.client.xadd(other, '*', 'name', 'evt', 'body', '{}');
      await redis.client.xgroup('CREATE', other, `${other}:mailer:cg`, '0');
      await redis.client.xreadgroup('GROUP', `${other}:mailer:cg`, 'mailer-1', 'COUNT', 3, 'STREAMS', other, '>');
    }
    inspector = new Inspector(redis.url);
    dashboard = await startDashboard({ inspector, host: '0.0.0.0', port: 0, refreshMs: 250, logger: quiet });
    // playwright gives every launch a fresh temporary profile (and refuses --user-data-dir here).
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
    page.on('pageerror', (err) => errors.push(err.message));
    page.on('console', (msg) => void (msg.type() === 'error' && errors.push(msg.text())));
  });

  after(async () => {
    await browser?.close();
    await dashboard?.close();
    await inspector?.close();
  });

  it('shows the channel, and its lag rising after a publish (figure and chart)', async () => {
    const response = await page.goto(dashboard.url);
    assert.equal(response?.status(), 200);
    assert.ok(!page.url().includes('token='), 'the token left the address bar');
    await page.locator(`a.channel[data-channel="${channel}"]`).click();
    await waitForText(page, '#channel-title', channel);
    const lag = `article[data-group="${pyGroup}"] [data-metric="lag"] .value`;
    await waitForText(page, lag, '2');
    await page.screenshot({ path: join(ARTIFACTS, '1-channel.png') });
    await redis.streamer('shop').sendMessages(channel, [
      { name: 'order.created', body: { order: 3 } },
      { name: 'order.created', body: { order: 4 } },
      { name: 'order.created', body: { order: 5 } },
    ]);
    await waitForText(page, lag, '5');
    // The chart's legend shows the newest sample, and the line went from 2 to 5.
    await waitForText(page, `article[data-group="${pyGroup}"] .legend .key:first-child b`, '5');
    const chart = page.locator(`article[data-group="${pyGroup}"] svg.chart polyline.s1`);
    assert.ok((await chart.count()) >= 1, 'a lag line is drawn');
    const ys = new Set(((await chart.first().getAttribute('points')) ?? '').split(' ').map((p) => p.split(',')[1]));
    assert.ok(ys.size >= 2, 'the lag line has moved');
    await page.screenshot({ path: join(ARTIFACTS, '2-lag-risen.png') });
  });

  it('replays a dead letter from the page, after a confirmation, to the running consumer', async () => {
    await redis.streamer('shop').sendMessage(channel, { name: 'payment.failed', body: { order: 6 } });
    const row = page.locator('#dead-letters tr[data-dead-letter-id]');
    await row.first().waitFor({ timeout: 10_000 });
    assert.equal(await row.count(), 1);
    assert.match((await row.first().textContent()) ?? '', /card declined <b>by bank<\/b>/, 'the error, as text');
    await row.first().locator('button[data-action="details"]').click();
    const stack = page.locator('#dead-letters pre.stack');
    assert.match((await stack.textContent()) ?? '', /Error: card declined <b>by bank<\/b>\n\s+at /);
    await page.screenshot({ path: join(ARTIFACTS, '3-dead-letter.png') });
    if (process.env['UPDATE_DASHBOARD_SCREENSHOT'] === '1') await saveReadmeScreenshot(page);

    broken = false;
    let question = '';
    page.once('dialog', (dialog) => {
      question = dialog.message();
      void dialog.accept();
    });
    await row.first().locator('button[data-action="replay"]').click();
    await waitFor(() => handled.some((p) => (p as { order?: number }).order === 6), 'the replayed letter handled');
    assert.match(question, /^Replay 1 dead letter of channel ".+" to the groups that failed them\?$/);
    await page.locator('.flash.ok').waitFor();
    assert.equal(await page.locator('.flash.ok').textContent(), 'Replayed 1 dead letter');
    await waitFor(async () => (await row.count()) === 0, 'the row gone from the page');
    assert.equal(await redis.client.xlen(`{${channel}}:dlq`), 0);
    await page.screenshot({ path: join(ARTIFACTS, '4-replayed.png') });
  });

  it('renders names and dead-letter content that look like HTML as text', async () => {
    const evil = `<img src=x onerror="window.__xss=1">${uniqueChannel('x')}`;
    await redis.client.xadd(evil, '*', 'name', '<script>window.__xss=2</script>', 'body', '{}');
    await redis.client.xadd(
      `{${evil}}:dlq`,
      '*',
      ...[
        'dlq-group',
        `${evil}:svc:cg`,
        'dlq-reason',
        'handler-failed',
        'dlq-error',
        '<img src=y onerror="window.__xss=3">',
      ],
      ...['dlq-stack', '<script>window.__xss=4</script>', 'name', '<b>n</b>', 'body', '"<i>body</i>"'],
    );
    await page.evaluate(`window.location.hash = ${JSON.stringify(`#/c/${encodeURIComponent(evil)}`)}`);
    await waitForText(page, '#channel-title', evil);
    await page.locator('#dead-letters tr[data-dead-letter-id] button[data-action="details"]').click();
    await waitForText(page, '#dead-letters pre.stack', '<script>window.__xss=4</script>');
    assert.equal(await page.evaluate('typeof window.__xss'), 'undefined');
    assert.equal(await page.locator('img').count(), 0, 'no <img> made from the data');
    assert.equal(await page.locator('script').count(), 1, "only the dashboard's own script");
    assert.equal(await page.locator('#channel-title *, #dead-letters td b, #dead-letters pre *').count(), 0);
    assert.deepEqual(errors, [], 'no script error or CSP violation on the page');
  });

  it('refuses a browser without the token (401)', async () => {
    const context = await browser.newContext({ viewport: { width: 1200, height: 800 } });
    const stranger = await context.newPage();
    const url = new URL(dashboard.url);
    const response = await stranger.goto(`http://127.0.0.1:${url.port}/`);
    assert.equal(response?.status(), 401);
    assert.match((await stranger.textContent('body')) ?? '', /token is required/);
    const api = await stranger.goto(`http://127.0.0.1:${url.port}/api/channels?token=wrong`);
    assert.equal(api?.status(), 401);
    await stranger.screenshot({ path: join(ARTIFACTS, '5-refused.png') });
    await context.close();
  });
});

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

const quiet = { debug() {}, info() {}, warn() {}, error() {} };

/** Waits until the element's text is exactly `text` (polled from here: the page's CSP forbids eval). */
async function waitForText(page: Page, selector: string, text: string): Promise<void> {
  let last: string | null = null;
  try {
    await waitFor(
      async () => {
        const element = await page.$(selector);
        last = element === null ? null : await element.textContent();
        return last === text;
      },
      `${selector} to read ${JSON.stringify(text)}`,
    );
  } catch (err) {
    throw new Error(`${(err as Error).message}; it reads ${JSON.stringify(last)}`, { cause: err });
  }
}

/** The README's screenshot: the main page, 1200x800, PNG under 150 KB. */
async function saveReadmeScreenshot(page: Page): Promise<void> {
  const path = join('docs', 'dashboard.png');
  await page.evaluate('window.scrollTo(0, 0)');
  await page.screenshot({ path, type: 'png' });
  assert.ok(statSync(path).size < 150_000, `${path} is ${statSync(path).size} bytes`);
}
