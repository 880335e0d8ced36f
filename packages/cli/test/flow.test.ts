import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from './support/runCli.js';
import { tempDir } from './support/tempDir.js';

const traceFile = join(__dirname, 'fixtures', 'shopTrace.otlp.json');
const traceId = '0af7651916cd43dd8448eb211c80319c';

describe('hopbus flow', () => {
  it('prints the flow graph, its edges and the traces of an OTLP/JSON file', async () => {
    const result = await runCli(['flow', traceFile]);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(/^flowchart LR\n/);
    expect(result.stdout).toContain('  shop.orders.placed → payments: 1 msg');
    expect(result.stdout).toContain('  shop.payments.settled → shipping: 1 msg · 1 error');
    expect(result.stdout).toContain(`Traces (1):\n  ${traceId}  publish shop.orders.placed  4 spans`);
  });

  it('prints one trace with --trace and writes the page with --html', async () => {
    const { dir, remove } = tempDir('flow');
    try {
      const html = join(dir, 'flow.html');
      const result = await runCli(['flow', traceFile, '--trace', traceId, '--html', html]);
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(new RegExp(`^trace ${traceId} · 4 spans`));
      expect(result.stdout).toContain('process shop.payments.settled [shipping] ✗');
      expect(result.stdout).toContain(`Wrote ${html}.`);
      expect(readFileSync(html, 'utf8')).toContain('<svg id="graph"');
    } finally {
      remove();
    }
  });

  it('says in one line when the file is missing, not OTLP/JSON, or the trace unknown', async () => {
    expect((await runCli(['flow', join(__dirname, 'missing.json')])).stderr).toMatch(/^hopbus: Cannot read .*missing\.json: ENOENT[^\n]*\n$/);
    expect((await runCli(['flow', join(__dirname, '..', 'package.json')])).stderr).toMatch(/^hopbus: .*package\.json: Not OTLP\/JSON trace data: there is no resourceSpans array\.\n$/);
    const unknown = await runCli(['flow', traceFile, '--trace', 'ffff']);
    expect(unknown).toEqual({ code: 1, stdout: '', stderr: 'hopbus: No span of trace ffff is here; the traces are listed without --trace.\n' });
  });
});
