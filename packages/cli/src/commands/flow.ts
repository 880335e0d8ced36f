import type { Command } from 'commander';
import { renderFlowFromOtlpFile } from '@hopbus/tracing';
import type { RenderFlowOptions } from '@hopbus/tracing';
import type { CliContext } from '../CliContext.js';

/**
 * `hopbus flow <otlp.json> [--html out.html] [--trace <id>]`: the message flow seen in exported
 * traces (services → topics → services with counts and latency, then the latest traces), or one
 * trace's waterfall; optionally writes the HTML page too. The work is @hopbus/tracing's
 * renderFlowFromOtlpFile; its errors (no file, not OTLP/JSON, unknown trace) become one line.
 */
export function addFlowCommand(program: Command, context: CliContext): void {
  program
    .command('flow')
    .description('Draw the message flow found in an OTLP/JSON trace file (the collector file exporter, or writeOtlpJson).')
    .argument('<otlp.json>', 'OTLP/JSON trace data: one export request, an array, or one request per line')
    .option('--html <out.html>', 'also write an HTML page with the graph and the traces')
    .option('--trace <id>', 'print the waterfall of this trace instead of the graph')
    .action(async (file: string, options: { html?: string; trace?: string }) => {
      const render: RenderFlowOptions = {
        ...(options.html !== undefined ? { html: options.html } : {}),
        ...(options.trace !== undefined ? { traceId: options.trace } : {}),
      };
      context.io.stdout.write(await renderFlowFromOtlpFile(file, render));
    });
}
