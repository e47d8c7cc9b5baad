/**
 * The dashboard in a real browser (Debian's chromium driven by playwright-core), against a real
 * Redis and a running RedisStreamer: a group's lag rises on the page after publishing, a dead
 * letter is replayed from the page (button, confirmation dialog) and handled by the consumer, data
 * that looks like HTML stays text, and a browser without the token is refused. On a 390 px phone
 * and in a 1400 px window, nothing is wider than the window, no tile is cut short and every action
 * button can be clicked where it is. Screenshots of each state go to test-artifacts/dashboard/
 * (git-ignored); with UPDATE_DASHBOARD_SCREENSHOT=1 the README's docs/dashboard.png is written too.
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

describe('the dashboard on a phone and in a wide window', { skip }, () => {
  let inspector: Inspector;
  let dashboard: Dashboard;
  let browser: Browser;
  let channel: string;

  before(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    channel = await busyChannel();
    inspector = new Inspector(redis.url);
    // Sampled once at start, then rarely: the page stays as it is while it is measured.
    dashboard = await startDashboard({ inspector, port: 0, refreshMs: 60_000, logger: quiet });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  });

  after(async () => {
    await browser?.close();
    await dashboard?.close();
    await inspector?.close();
  });

  for (const [width, height, phone] of [
    [390, 844, true],
    [1400, 900, false],
  ] as const) {
    it(`at ${width} px: nothing wider than the window, no age cut short, every action button reachable`, async () => {
      const context = await browser.newContext({
        viewport: { width, height },
        ...(phone ? { isMobile: true, hasTouch: true, deviceScaleFactor: 2 } : {}),
      });
      try {
        const page = await context.newPage();
        await page.goto(`${dashboard.url}#/c/${encodeURIComponent(channel)}`);
        await page.locator('#dead-letters tr[data-dead-letter-id]').first().waitFor({ timeout: 10_000 });
        await page.screenshot({ path: join(ARTIFACTS, `layout-${width}.png`), fullPage: true });
        const layout = await page.evaluate<Layout>(LAYOUT);
        assert.equal(layout.innerWidth, width, 'the page is laid out at the width of the screen (not zoomed out)');
        assert.ok(
          layout.documentWidth <= width,
          `the document is ${layout.documentWidth} px wide in a ${width} px window (widest: ${layout.widest})`,
        );
        assert.deepEqual(layout.cut, [], 'tiles, cells or buttons cut short or outside the window');
        assert.ok(layout.tiles >= 9, `${layout.tiles} tiles measured`);
        assert.match(layout.ages.join(' | '), /23 h 5\d min ago/, 'the age of the oldest entry is shown whole');
        await assertButtonsReachable(page, width);
      } finally {
        await context.close();
      }
    });
  }
});

/**
 * A channel whose figures are as wide as they get in practice: its oldest entry and oldest pending
 * entry nearly a day old ("23 h 50 min", as wide as ages get), a group of a dtpyfw-named service
 * with consumers of long names, and dead letters with long errors and group names.
 */
async function busyChannel(): Promise<string> {
  const channel = uniqueChannel('orders-eu-west-1-payments');
  const old = Date.now() - (23 * 3600 + 50 * 60) * 1000;
  await redis.client.xadd(channel, `${old}-0`, 'name', 'order.created', 'body', '{"order":1}');
  for (let i = 0; i < 30; i++) await redis.client.xadd(channel, '*', 'name', 'order.created', 'body', '{}');
  const group = `${channel}:billing-service-reconciliation:cg`;
  await redis.client.xgroup('CREATE', channel, group, '0');
  for (const consumer of [
    'billing-service-reconciliation-7f3a9c2e4b1d',
    'billing-service-reconciliation-0c9d8e7f6a5b',
  ]) {
    await redis.client.xreadgroup('GROUP', group, consumer, 'COUNT', 3, 'STREAMS', channel, '>');
  }
  for (let i = 0; i < 3; i++) {
    await redis.client.xadd(
      `{${channel}}:dlq`,
      '*',
      ...['dlq-id', `${old}-0`, 'dlq-channel', channel, 'dlq-group', group],
      ...['dlq-consumer', 'billing-service-reconciliation-7f3a9c2e4b1d', 'dlq-reason', 'max-attempts'],
      ...['dlq-error', `PaymentGatewayTimeoutError: the acquirer did not answer within 30000 ms (attempt ${i + 1})`],
      ...['dlq-stack', 'PaymentGatewayTimeoutError: the acquirer did not answer\n    at charge (billing.py:120)'],
      ...['dlq-first-failure-ms', String(Date.now() - 600_000), 'dlq-last-failure-ms', String(Date.now() - 5000)],
      ...['dlq-attempts', '5', 'name', 'payment.capture.failed', 'body', '{"order":1,"amount":129.5}'],
    );
  }
  return channel;
}

/** What {@link LAYOUT} measures. */
interface Layout {
  readonly innerWidth: number;
  readonly documentWidth: number;
  /** The element reaching furthest right, and where. */
  readonly widest: string;
  /** Tiles whose label or value is cut short, outside the tile, or the tile outside the window; table cells and buttons outside the window. */
  readonly cut: readonly string[];
  /** The values of the tiles that show an age ("… ago"). */
  readonly ages: readonly string[];
  readonly tiles: number;
}

/** What the page measures of itself (run in the page: plain JavaScript, no closure over the test). */
const LAYOUT = `(() => {
  const innerWidth = window.innerWidth;
  const documentWidth = Math.max(document.documentElement.scrollWidth, document.body.scrollWidth);
  let widest = '';
  let widestRight = 0;
  for (const el of document.querySelectorAll('body *')) {
    const right = el.getBoundingClientRect().right;
    if (right > widestRight) {
      widestRight = right;
      widest = el.tagName.toLowerCase() + '.' + el.className + ' ' + Math.round(right) + ' px';
    }
  }
  const cut = [];
  const ages = [];
  const tiles = document.querySelectorAll('.card');
  for (const tile of tiles) {
    const value = tile.querySelector('.value');
    const label = tile.querySelector('.label');
    const box = tile.getBoundingClientRect();
    for (const part of [label, value]) {
      const r = part.getBoundingClientRect();
      const name = (label.textContent || '') + ': ' + (part.textContent || '');
      if (part.scrollWidth > part.clientWidth + 0.5) cut.push(name + ' (cut short)');
      else if (r.left < box.left - 0.5 || r.right > box.right + 0.5) cut.push(name + ' (outside its tile)');
      else if (box.right > innerWidth + 0.5) cut.push(name + ' (tile outside the window)');
    }
    if (/ago$/.test(value.textContent || '')) ages.push(value.textContent);
  }
  for (const cell of document.querySelectorAll('th, td, button')) {
    const r = cell.getBoundingClientRect();
    if (r.width > 0 && (r.left < -0.5 || r.right > innerWidth + 0.5)) {
      cut.push(cell.tagName.toLowerCase() + ' "' + (cell.textContent || '').slice(0, 30) + '" (outside the window)');
    }
  }
  return { innerWidth, documentWidth, widest, cut, ages, tiles: tiles.length };
})()`;

/**
 * Every action button of the dead-letter panel and of each dead letter is visible, inside the
 * window without scrolling sideways, and would receive a click (Playwright's trial click: visible,
 * stable, enabled, not covered).
 */
async function assertButtonsReachable(page: Page, width: number): Promise<void> {
  const buttons = page.locator('#dead-letters button[data-action]');
  const count = await buttons.count();
  assert.ok(count >= 4 + 3 * 3, `${count} buttons`);
  for (let i = 0; i < count; i++) {
    const button = buttons.nth(i);
    const name = `${(await button.getAttribute('data-action')) ?? '?'} #${i}`;
    assert.ok(await button.isVisible(), `${name} is visible`);
    const box = await button.boundingBox();
    assert.ok(box !== null, `${name} has a box`);
    assert.ok(box.x >= 0 && box.x + box.width <= width, `${name} is inside the window: x ${box.x}, width ${box.width}`);
    if (await button.isEnabled()) await button.click({ trial: true, timeout: 5000 });
  }
}

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
