import { writeFile } from 'node:fs/promises';
import { captureSpans, FlowGraph, renderTraceWaterfall, writeOtlpJson } from '@hopbus/tracing';
import { runShop } from './runShop.js';
import type { ShopOptions } from './runShop.js';

export interface TracedShopOptions extends ShopOptions {
  /** Where the flow page and the OTLP/JSON spans go (default: shop-flow.html and shop-spans.json). */
  readonly htmlFile?: string;
  readonly otlpFile?: string;
}

/**
 * Runs the shop with a real OpenTelemetry SDK that keeps every span in memory, then prints one
 * waterfall per order and writes the message-flow page and the spans (for `hopbus flow`).
 */
export async function traceShop(options: TracedShopOptions = {}): Promise<boolean> {
  const print = options.print ?? ((line: string) => console.log(line));
  const capture = captureSpans();
  try {
    const ok = await runShop({ ...options, print });
    const traces = capture.traces();
    print('');
    print(`${traces.length} traces, one per order:`);
    for (const tree of traces) {
      print('');
      print(renderTraceWaterfall(tree));
    }
    const htmlFile = options.htmlFile ?? 'shop-flow.html';
    const otlpFile = options.otlpFile ?? 'shop-spans.json';
    await writeFile(htmlFile, FlowGraph.fromSpans(capture.flowSpans()).toHtml({ title: 'hopbus shop: message flow' }));
    await writeOtlpJson(otlpFile, capture.spans());
    print('');
    print(`Wrote ${htmlFile} (open it in a browser) and ${otlpFile} (hopbus flow ${otlpFile}).`);
    return ok;
  } finally {
    await capture.shutdown();
  }
}
