import { readFile, writeFile } from 'node:fs/promises';
import { HopbusError } from '@hopbus/core';
import { edgeLabel } from './edgeLabel.js';
import { FlowGraph } from './FlowGraph.js';
import { formatMs } from './formatMs.js';

export interface RenderFlowOptions {
  /** Also write the HTML page to this path. */
  readonly html?: string;
  /** Print the waterfall of this trace instead of the graph. */
  readonly traceId?: string;
}

/**
 * The work of `hopbus flow <otlp.json> [--html out.html] [--trace <id>]`: reads an OTLP/JSON
 * file and returns the text to print: the flow graph as Mermaid, its edges with counts and
 * latency, and the traces (the latest 20); or, with `traceId`, that trace's waterfall. With
 * `html`, writes the page there too. Rejects with a HopbusError saying what is wrong: no file
 * or unknown trace (`not_found`), not OTLP/JSON (`config`).
 */
export async function renderFlowFromOtlpFile(path: string, options: RenderFlowOptions = {}): Promise<string> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new HopbusError('not_found', `Cannot read ${path}: ${(error as Error).message}`, { cause: error });
  }
  let graph: FlowGraph;
  try {
    graph = FlowGraph.fromOtlp(text);
  } catch (error) {
    throw new HopbusError('config', `${path}: ${(error as Error).message}`, { cause: error });
  }
  const out: string[] = [];
  if (options.html !== undefined) {
    await writeFile(options.html, graph.toHtml({ title: `hopbus flow: ${path}` }));
  }
  if (options.traceId !== undefined) {
    out.push(graph.renderTrace(options.traceId));
  } else {
    const traces = graph.traces();
    out.push(graph.toMermaid());
    out.push('Edges:');
    for (const edge of graph.edges()) out.push(`  ${edge.from.name} → ${edge.to.name}: ${edgeLabel(edge)}`);
    out.push('', `Traces (${traces.length}${traces.length > 20 ? ', the latest 20' : ''}):`);
    for (const tree of traces.slice(-20)) {
      const root = tree.roots[0]?.span.name ?? '';
      out.push(`  ${tree.traceId}  ${root}  ${tree.size} spans  ${formatMs(tree.durationMs)}${tree.errors ? `  ${tree.errors} ${tree.errors === 1 ? 'error' : 'errors'}` : ''}`);
    }
    out.push('', 'Show one with --trace <id>.');
  }
  if (options.html !== undefined) out.push(`Wrote ${options.html}.`);
  return `${out.join('\n').trimEnd()}\n`;
}
