import { tracingAttributes as attr } from '@hopbus/core';
import { edgeLabel } from './edgeLabel.js';
import type { FlowEdge } from './FlowEdge.js';
import { flowEdges } from './flowEdges.js';
import { flowNodeKey } from './flowNodeKey.js';
import type { FlowAttributes, FlowSpan } from './FlowSpan.js';
import { formatMs } from './formatMs.js';
import { layoutFlow } from './layoutFlow.js';
import type { SpanNode } from './SpanNode.js';
import type { TraceTree } from './TraceTree.js';

export interface FlowHtmlOptions {
  readonly title?: string;
  /** Traces listed at most, the latest kept (default 500). */
  readonly maxTraces?: number;
}

/** One span row of the page's waterfall. */
interface PageSpan {
  readonly name: string;
  readonly kind: string;
  readonly depth: number;
  readonly offsetMs: number;
  readonly durationMs: number;
  readonly error: boolean;
  readonly actor: string | null;
  readonly details: string;
}

interface PageTrace {
  readonly id: string;
  readonly root: string;
  readonly startMs: number;
  readonly durationMs: number;
  readonly errors: number;
  readonly spans: readonly PageSpan[];
  /** Node and edge keys this trace went through, to highlight. */
  readonly keys: readonly string[];
}

/**
 * A self-contained HTML page (no network: inline CSS, SVG and script) showing the flow graph
 * (every service and topic as an SVG text label, edges with counts, errors and latency) and
 * the list of traces; clicking a trace highlights its path in the graph and draws its waterfall.
 */
export function flowGraphToHtml(edges: readonly FlowEdge[], traces: readonly TraceTree[], options: FlowHtmlOptions = {}): string {
  const title = options.title ?? 'hopbus message flow';
  const layout = layoutFlow(edges);
  const svg: string[] = [
    `<svg id="graph" xmlns="http://www.w3.org/2000/svg" width="${layout.width}" height="${layout.height}" viewBox="0 0 ${layout.width} ${layout.height}" role="img" aria-label="${esc(title)}">`,
    '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#667"/></marker>',
    '<marker id="arrow-error" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#c33"/></marker></defs>',
  ];
  for (const placed of layout.edges) {
    const error = placed.edge.errors > 0;
    svg.push(
      `<g class="edge${error ? ' error' : ''}" data-key="${esc(placed.key)}"><path d="${placed.path}" marker-end="url(#${error ? 'arrow-error' : 'arrow'})"/>`,
      `<text class="edge-label" x="${placed.labelX}" y="${placed.labelY - 2}" text-anchor="${placed.labelAnchor}">${esc(countsLabel(placed.edge))}</text>`,
      `<text class="edge-label latency" x="${placed.labelX}" y="${placed.labelY + 12}" text-anchor="${placed.labelAnchor}">${esc(latencyLabel(placed.edge))}</text></g>`,
    );
  }
  for (const node of layout.nodes) {
    const rx = node.kind === 'topic' ? node.height / 2 : 6;
    svg.push(
      `<g class="node ${node.kind}" data-key="${esc(node.key)}" data-kind="${node.kind}" data-name="${esc(node.name)}">`,
      `<rect x="${node.x}" y="${node.y}" width="${node.width}" height="${node.height}" rx="${rx}"/>`,
      `<text class="node-label" x="${node.x + node.width / 2}" y="${node.y + node.height / 2 + 4.5}" text-anchor="middle">${esc(node.name)}</text></g>`,
    );
  }
  svg.push('</svg>');
  const listed = [...traces].sort((a, b) => b.startMs - a.startMs).slice(0, options.maxTraces ?? 500);
  const pageTraces = listed.map(pageTrace);
  const rows = pageTraces.map(
    (t) =>
      `<tr data-trace="${t.id}" tabindex="0"><td class="mono">${t.id}</td><td>${esc(t.root)}</td><td class="num">${t.spans.length}</td><td class="num">${esc(formatMs(t.durationMs))}</td><td class="num${t.errors ? ' bad' : ''}">${t.errors}</td></tr>`,
  );
  const summary = `${layout.nodes.filter((n) => n.kind === 'service').length} services · ${layout.nodes.filter((n) => n.kind === 'topic').length} topics · ${traces.length} traces`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<title>${esc(title)}</title>
<style>${css}</style></head>
<body>
<header><h1>${esc(title)}</h1><p class="summary">${esc(summary)}${traces.length > listed.length ? ` (the latest ${listed.length} listed)` : ''}</p></header>
<section class="graph-box">${svg.join('\n')}</section>
<section class="traces"><h2>Traces</h2><p class="hint">Click a trace to follow it through the graph.</p>
<table id="trace-list"><thead><tr><th>trace id</th><th>root span</th><th>spans</th><th>duration</th><th>errors</th></tr></thead><tbody>
${rows.join('\n')}
</tbody></table></section>
<section id="trace-view" hidden><h2 id="trace-title"></h2><div id="waterfall"></div><pre id="span-details"></pre></section>
<script id="trace-data" type="application/json">${scriptJson(pageTraces)}</script>
<script>${script}</script>
</body></html>
`;
}

function countsLabel(edge: FlowEdge): string {
  return edgeLabel(edge).split(' · p50')[0]!;
}

function latencyLabel(edge: FlowEdge): string {
  return `p50 ${formatMs(edge.p50Ms)} · p99 ${formatMs(edge.p99Ms)}`;
}

function pageTrace(tree: TraceTree): PageTrace {
  const spans: PageSpan[] = [];
  const all: FlowSpan[] = [];
  const visit = (node: SpanNode, depth: number): void => {
    const { span } = node;
    all.push(span);
    const actor = span.attributes[attr.actor];
    const details = [
      `${span.name}  (${span.kind}, ${formatMs(span.durationMs)}${span.status === 'error' ? `, ERROR${span.statusMessage ? `: ${span.statusMessage}` : ''}` : ''})`,
      `span ${span.spanId}${span.parentSpanId ? ` · parent ${span.parentSpanId}` : ''}`,
      ...Object.entries(span.attributes).map(([key, value]) => `  ${key} = ${JSON.stringify(value)}`),
      ...span.events.map((event) => `  event ${event.name} +${formatMs(event.timeMs - span.startMs)} ${JSON.stringify(withoutStack(event.attributes))}`),
      ...span.links.map((link) => `  link → ${link.traceId}/${link.spanId} ${JSON.stringify(link.attributes)}`),
    ].join('\n');
    spans.push({
      name: span.name,
      kind: span.kind,
      depth,
      offsetMs: span.startMs - tree.startMs,
      durationMs: span.durationMs,
      error: span.status === 'error',
      actor: actor === undefined ? null : String(actor),
      details,
    });
    for (const child of node.children) visit(child, depth + 1);
  };
  for (const root of tree.roots) visit(root, 0);
  const keys = new Set<string>();
  for (const edge of flowEdges(all)) {
    keys.add(flowNodeKey(edge.from));
    keys.add(flowNodeKey(edge.to));
    keys.add(`${flowNodeKey(edge.from)}>${flowNodeKey(edge.to)}`);
  }
  return { id: tree.traceId, root: tree.roots[0]?.span.name ?? '', startMs: tree.startMs, durationMs: tree.durationMs, errors: tree.errors, spans, keys: [...keys] };
}

function withoutStack(attributes: FlowAttributes): FlowAttributes {
  const { ['exception.stacktrace']: _stack, ...rest } = attributes;
  return rest;
}

function esc(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** JSON that cannot close the script element it sits in. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

const css = `
body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#223;background:#fafbfc}
header{padding:16px 24px 0}h1{font-size:20px;margin:0}h2{font-size:16px;margin:16px 0 6px}.summary,.hint{color:#667;margin:4px 0}
.graph-box{margin:12px 24px;background:#fff;border:1px solid #dde;border-radius:8px;overflow:auto}
svg text{font-family:system-ui,-apple-system,"Segoe UI",sans-serif}
.node rect{stroke-width:1.5}.node.service rect{fill:#e8f0fe;stroke:#3367d6}.node.topic rect{fill:#fef7e0;stroke:#c58b00}
.node-label{font-size:13px;fill:#223}.edge path{fill:none;stroke:#889;stroke-width:1.6}.edge.error path{stroke:#c33}
.edge-label{font-size:11px;fill:#445;paint-order:stroke;stroke:#fff;stroke-width:3px}.edge.error .edge-label{fill:#b22}
.edge-label.latency{fill:#778}
svg.focus .node,svg.focus .edge{opacity:.18}svg.focus .on{opacity:1}svg.focus .edge.on path{stroke-width:3}
.traces,#trace-view{margin:0 24px 16px}table{border-collapse:collapse;background:#fff;border:1px solid #dde}
th,td{padding:4px 10px;border-bottom:1px solid #eef;text-align:left}th{background:#f3f4f8;font-weight:600}
tbody tr{cursor:pointer}tbody tr:hover,tbody tr.selected{background:#eef3ff}.num{text-align:right}.bad{color:#c33;font-weight:600}
.mono,#span-details{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:12px}
#waterfall{background:#fff;border:1px solid #dde;border-radius:6px;padding:6px 0}
.row{display:flex;align-items:center;height:22px;cursor:pointer}.row:hover{background:#f3f6ff}
.row .label{width:38%;white-space:nowrap;overflow:hidden;text-overflow:ellipsis;padding-right:8px}
.row .track{position:relative;flex:1;height:12px;margin-right:12px;background:#f5f6f8;border-radius:3px}
.row .bar{position:absolute;top:0;height:12px;border-radius:3px;background:#6b8fd6;min-width:2px}
.row .bar.producer{background:#d6a33b}.row .bar.error{background:#d33}.row .dur{width:80px;text-align:right;padding-right:12px;color:#556}
#span-details{background:#fff;border:1px solid #dde;border-radius:6px;padding:8px;white-space:pre-wrap;min-height:2em}
`;

const script = `
(function(){
  var traces = JSON.parse(document.getElementById('trace-data').textContent);
  var byId = {}; traces.forEach(function(t){ byId[t.id] = t; });
  var svg = document.getElementById('graph');
  function fmt(ms){ return ms < 1 ? ms.toFixed(2)+' ms' : ms < 100 ? ms.toFixed(1)+' ms' : ms < 10000 ? Math.round(ms)+' ms' : (ms/1000).toFixed(2)+' s'; }
  function show(id){
    var t = byId[id]; if (!t) return;
    document.querySelectorAll('#trace-list tr.selected').forEach(function(r){ r.classList.remove('selected'); });
    var row = document.querySelector('#trace-list tr[data-trace="'+id+'"]'); if (row) row.classList.add('selected');
    var on = {}; t.keys.forEach(function(k){ on[k] = true; });
    svg.classList.add('focus');
    svg.querySelectorAll('.node,.edge').forEach(function(g){ g.classList.toggle('on', !!on[g.getAttribute('data-key')]); });
    document.getElementById('trace-view').hidden = false;
    document.getElementById('trace-title').textContent = 'Trace ' + t.id + ' · ' + t.spans.length + ' spans · ' + fmt(t.durationMs) + (t.errors ? ' · ' + t.errors + (t.errors === 1 ? ' error' : ' errors') : '');
    var box = document.getElementById('waterfall'); box.textContent = '';
    var total = Math.max(t.durationMs, 0.000001);
    t.spans.forEach(function(s){
      var r = document.createElement('div'); r.className = 'row';
      var label = document.createElement('div'); label.className = 'label'; label.style.paddingLeft = (8 + s.depth * 16) + 'px';
      label.textContent = s.name + (s.actor && s.kind === 'consumer' ? ' [' + s.actor + ']' : '') + (s.error ? ' ✗' : '');
      var track = document.createElement('div'); track.className = 'track';
      var bar = document.createElement('div'); bar.className = 'bar ' + s.kind + (s.error ? ' error' : '');
      bar.style.left = (100 * s.offsetMs / total) + '%'; bar.style.width = (100 * s.durationMs / total) + '%';
      track.appendChild(bar);
      var dur = document.createElement('div'); dur.className = 'dur'; dur.textContent = fmt(s.durationMs);
      r.appendChild(label); r.appendChild(track); r.appendChild(dur);
      r.addEventListener('click', function(){ document.getElementById('span-details').textContent = s.details; });
      box.appendChild(r);
    });
    document.getElementById('span-details').textContent = t.spans.length ? t.spans[0].details : '';
  }
  document.querySelectorAll('#trace-list tbody tr').forEach(function(r){
    r.addEventListener('click', function(){ show(r.getAttribute('data-trace')); });
    r.addEventListener('keydown', function(e){ if (e.key === 'Enter') show(r.getAttribute('data-trace')); });
  });
  var wanted = location.hash.slice(1); if (wanted && byId[wanted]) show(wanted);
})();
`;
