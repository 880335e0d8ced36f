import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { runShop, traceShop } from '../src/index.js';

function expectTheStory(lines: readonly string[]): void {
  const text = lines.join('\n');
  expect(text).toMatch(/\[orders\]\s+o-1001 placed by Ada: 2 item\(s\), 42\.00 EUR/);
  expect(text).toMatch(/\[payments\]\s+o-1001 charged 42\.00 EUR/);
  expect(text).toMatch(/\[payments\]\s+o-1002 card declined by the bank \(try 1\) \(attempt 1 of 3\), retrying/);
  expect(text).toMatch(/\[payments\]\s+o-1002 card declined by the bank \(try 2\) \(attempt 2 of 3\), retrying/);
  expect(text).toMatch(/\[payments\]\s+o-1002 charged 19\.99 EUR on attempt 3/);
  expect(text).toMatch(/\[shipping\]\s+o-1003 no carrier delivers to 1 Deep Street, Atlantis/);
  expect(text).toMatch(/\[notifications\]\s+o-1003 in the dead letters after 2 attempts \(no carrier delivers to 1 Deep Street, Atlantis\)/);
  for (const id of ['o-1001', 'o-1002', 'o-1004']) {
    expect(text).toMatch(new RegExp(`\\[shipping\\]\\s+${id} dispatched, tracking TRK-\\d+`));
    expect(text).toMatch(new RegExp(`\\[notifications\\]\\s+${id} mail to \\w+@example.com: on its way`));
  }
  expect(lines.filter((l) => l.includes('o-1001 charged'))).toHaveLength(1);
  expect(lines.at(-1)).toBe('Every order reached its end. The bus drained and stopped.');
}

describe('the shop example', () => {
  it('tells the story of the orders on the memory transport', async () => {
    const lines: string[] = [];
    const ok = await runShop({ transport: 'memory:', env: {}, print: (line) => lines.push(line) });
    expect(ok).toBe(true);
    expect(lines[0]).toBe('hopbus shop on the memory transport: 4 orders today');
    expectTheStory(lines);
  });

  it('runs on the durable log, and after a restart picks up where it left off', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hopbus-shop-'));
    try {
      for (let run = 1; run <= 2; run++) {
        const lines: string[] = [];
        const ok = await runShop({ transport: `log:${dir}`, env: {}, print: (line) => lines.push(line) });
        expect(ok).toBe(true);
        expect(lines[0]).toBe('hopbus shop on the log transport: 4 orders today');
        // Each run handles its own four orders once: the groups resumed after the first run's messages.
        expectTheStory(lines);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('traces every order as one trace with a real SDK, and writes the flow page and the spans', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hopbus-shop-trace-'));
    try {
      const lines: string[] = [];
      const htmlFile = join(dir, 'flow.html');
      const otlpFile = join(dir, 'spans.json');
      const ok = await traceShop({ transport: 'memory:', env: {}, print: (line) => lines.push(line), htmlFile, otlpFile });
      expect(ok).toBe(true);
      const text = lines.join('\n');
      expect(text).toContain('4 traces, one per order:');
      expect(text).toMatch(/hopbus\.retry: card declined by the bank \(try 2\)/);
      expect(text).toMatch(/process shop\.payments\.settled\.dlq \[notifications\]/);
      const html = readFileSync(htmlFile, 'utf8');
      for (const name of ['payments', 'shipping', 'notifications', 'shop.orders.placed', 'shop.payments.settled', 'shop.shipments.dispatched']) {
        expect(html).toContain(`>${name}<`);
      }
      expect(JSON.parse(readFileSync(otlpFile, 'utf8'))).toHaveProperty('resourceSpans');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  const built = join(__dirname, '..', 'dist', 'main.js');
  it('runs as a program (npm start) and prints the same story', async () => {
    if (!existsSync(built)) throw new Error(`${built} is missing: the test command builds it first (npm test runs npm run build).`);
    const { stdout } = await promisify(execFile)(process.execPath, [built], {
      env: { ...process.env, HOPBUS_TRANSPORT: 'memory:' },
      timeout: 30_000,
    });
    const lines = stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('hopbus shop on the memory transport: 4 orders today');
    expectTheStory(lines);
  });
});
