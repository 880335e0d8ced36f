import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { FlowGraph } from '@hopbus/tracing';
import { chromium } from 'playwright-core';
import type { Browser } from 'playwright-core';
import { shopTraces } from './shopTraces.js';

const executablePath = '/usr/bin/chromium';
const installLine = 'bash packages/tracing/scripts/install-chromium.sh (apt-get install -y chromium)';
const browserArgs = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
const present = existsSync(executablePath);
const mustRun = process.env.CI === 'true';

describe('the flow graph HTML page in headless Chromium', () => {
  if (!present && !mustRun) {
    it.todo(`runs once Chromium is installed: ${installLine}`);
    return;
  }

  let browser: Browser;
  let graph: FlowGraph;
  let dir: string;

  beforeAll(async () => {
    if (!present) throw new Error(`Chromium is not at ${executablePath} and CI=true: this test cannot be skipped. Install it: ${installLine}`);
    browser = await chromium.launch({ executablePath, args: browserArgs, headless: true });
    graph = (await shopTraces(3)).live;
    dir = mkdtempSync(join(tmpdir(), 'hopbus-html-'));
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('draws every service and topic, loads nothing from the network, and shows a trace when clicked', async () => {
    const file = join(dir, 'flow.html');
    writeFileSync(file, graph.toHtml({ title: 'shop flow' }));
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const outside: string[] = [];
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith('file:')) return route.continue();
      outside.push(url);
      return route.abort();
    });
    await page.goto(pathToFileURL(file).href);

    const labels = await page.locator('svg#graph text.node-label').allTextContents();
    expect(labels.sort()).toEqual([...graph.services(), ...graph.topics()].sort());
    for (const name of [...graph.services(), ...graph.topics()]) {
      const box = await page.locator(`svg#graph g.node[data-name="${name}"] rect`).boundingBox();
      expect(box && box.width > 0 && box.height > 0).toBe(true);
    }
    expect(await page.locator('svg#graph g.edge').count()).toBe(graph.edges().length);
    expect(await page.locator('svg#graph g.edge.error').count()).toBe(1);
    const overview = await page.screenshot({ fullPage: true });
    expect(overview.subarray(1, 4).toString()).toBe('PNG');

    const [trace] = graph.traces();
    await page.locator(`#trace-list tr[data-trace="${trace!.traceId}"]`).click();
    await page.locator('#trace-view').waitFor({ state: 'visible' });
    expect(await page.locator('#waterfall .row').count()).toBe(trace!.size);
    expect(await page.locator('#waterfall .bar.error').count()).toBe(1);
    expect(await page.locator('#trace-title').textContent()).toContain(trace!.traceId);
    // The trace went through every node of this flow: all of them are highlighted.
    expect(await page.locator('svg#graph g.node.on').count()).toBe(graph.services().length + graph.topics().length);
    await page.locator('#waterfall .row', { hasText: '[shipping]' }).click();
    expect(await page.locator('#span-details').textContent()).toContain('hopbus.actor = "shipping"');
    const shot = join(dir, 'trace.png');
    await page.screenshot({ path: shot, fullPage: true });
    expect(readFileSync(shot).length).toBeGreaterThan(10_000);
    if (process.env.HOPBUS_KEEP_SCREENSHOTS) writeFileSync(join(process.env.HOPBUS_KEEP_SCREENSHOTS, 'flow-trace.png'), readFileSync(shot));

    expect(outside).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);
});
