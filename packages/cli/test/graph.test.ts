import { join } from 'node:path';
import { runCli } from './support/runCli.js';

const fixture = (name: string): string => join(__dirname, 'fixtures', name);

describe('hopbus graph', () => {
  it('prints the Mermaid flowchart of a module exporting `services`', async () => {
    const result = await runCli(['graph', fixture('shopServices.ts')]);
    expect(result).toEqual({
      code: 0,
      stderr: '',
      stdout: [
        'flowchart LR',
        '  actor_orders[orders]',
        '  actor_payments[payments]',
        '  actor_shipping[shipping]',
        '  topic_shop_orders_placed((shop.orders.placed))',
        '  topic_shop_payments_settled((shop.payments.settled))',
        '  actor_orders --> topic_shop_orders_placed',
        '  actor_payments --> topic_shop_payments_settled',
        '  topic_shop_orders_placed --> actor_payments',
        '  topic_shop_payments_settled --> actor_shipping',
        '',
      ].join('\n'),
    });
  });

  it('reads a bus exported as default, and prints JSON with --json', async () => {
    const result = await runCli(['graph', fixture('defaultBus.ts'), '--json']);
    expect(result.code).toBe(0);
    const topology = JSON.parse(result.stdout) as { actors: { name: string }[] };
    expect(topology.actors.map((a) => a.name)).toEqual(['orders', 'payments']);
  });

  it('reads a default array of actor classes', async () => {
    const result = await runCli(['graph', fixture('defaultArray.ts')]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('topic_shop_payments_settled --> actor_shipping');
  });

  it('says what to export when the module has neither services nor a bus', async () => {
    const result = await runCli(['graph', fixture('nothingUseful.ts')]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^hopbus: .*nothingUseful\.ts exports no services, bus or default: export the actor classes as `export const services = \[/);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('says when the module does not exist', async () => {
    const result = await runCli(['graph', fixture('missing.js')]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^hopbus: There is no module at .*missing\.js: give the path of a built JS file/);
  });
});
