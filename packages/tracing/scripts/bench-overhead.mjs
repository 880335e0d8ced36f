// What tracing costs the runtime: publish → handler throughput on MemoryTransport (100-byte
// JSON) in four set-ups, each in its own Node process, interleaved over several rounds (the
// median is kept, so that a busy neighbour on a shared machine weighs less):
//   untraced  the same build of @hopbus/core with its Tracing class replaced by a pass-through
//             stub: the runtime as it would be without instrumentation (the baseline)
//   no SDK    the real build, no OpenTelemetry SDK registered (what a library user pays)
//   no provider  an AsyncLocalStorage context manager and the W3C propagators, no tracer
//             provider (an app that propagates but does not record: hopbus extracts, finds
//             nothing to carry, and runs handlers as they are)
//   SDK       BasicTracerProvider sampling every trace into a BatchSpanProcessor whose exporter
//             drops what it is given, with the ALS context manager and W3C propagators
//   SDK 10 %  the same with ParentBased(TraceIdRatioBased(0.1)): a common production set-up
//   hooks     the untraced build with an AsyncLocalStorage in use, so Node 20's promise hooks
//             run on every promise of the runtime: what the ALS context manager costs any app
//             once something runs in a context (the SDK's BatchSpanProcessor does at each export)
// The batch processor exports 4,096 spans at a time (queue 65,536, every 50 ms): with the SDK's
// defaults (512 per export) it cannot keep up with the batch workload and drops about 16 % of
// the spans, which would flatter the figures; `dropped` below must stay 0.
// After the SDK runs, two floors measured in the same process: a bare span started and ended,
// and the SDK and API work that hopbus's required behaviour asks per message, done the plain way
// (publish span with its attributes and inject; extract, process span with its attributes, the
// handler run in its context), so that what is left can be told from what any instrumentation pays.
// Two workloads: one `publish()` per message (one publish span and one process span each), and
// `publishBatch()` of 1,000 (one publish span per batch) as bench/runtime.mjs does. Figures:
// wall-clock msg/s, and messages per CPU-second of the process (steadier when neighbours run).
//
// Run (needs the built dist): npx tsc -p packages/core/tsconfig.json && node packages/tracing/scripts/bench-overhead.mjs [messages] [rounds]
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..', '..');
const coreDir = join(root, 'packages', 'core');
/**
 * Both set-ups run from copies of core's dist taken at the start, so that a rebuild during the
 * run (others work in this tree) cannot make them differ. Under the root node_modules so that
 * the copies resolve inversify and @opentelemetry/api as the real build does.
 */
const benchDir = join(root, 'node_modules', '.cache', 'hopbus-bench');
const tracedDir = join(benchDir, 'core-traced');
const untracedDir = join(benchDir, 'core-untraced');

/** HOPBUS_BENCH_MODES=untraced,none runs a subset (the baseline always runs). */
const modes = ['untraced', ...(process.env.HOPBUS_BENCH_MODES ?? 'none,als,sdk,sdk10,hooks').split(',').filter((m) => ['none', 'als', 'sdk', 'sdk10', 'hooks'].includes(m))];
const modeNames = { untraced: 'untraced (baseline)', none: 'no SDK', als: 'propagators, no provider', sdk: 'SDK, every trace sampled', sdk10: 'SDK, 10 % of traces', hooks: 'untraced, ALS promise hooks' };
const workloads = ['single', 'batch'];
const workloadNames = { single: 'publish() per message', batch: 'publishBatch() of 1,000' };

const payload = (n) => ({ orderId: `order-${String(n).padStart(8, '0')}`, customer: 'c-0001', total: 42.5, note: 'x'.repeat(29) });

if (process.argv[2] === '--worker') {
  const [, , , mode, workload, messages] = process.argv;
  console.log(JSON.stringify(await worker(mode, workload, Number(messages))));
  process.exit(0);
} else {
  await main(Number(process.argv[2] ?? 200_000), Number(process.argv[3] ?? 5));
}

async function main(messages, rounds) {
  prepareCopies();
  const cpus = os.cpus();
  console.log(`hopbus tracing overhead — publish → handler on MemoryTransport, ${messages.toLocaleString('en-US')} messages of ${JSON.stringify(payload(1)).length} bytes JSON, median of ${rounds} rounds`);
  console.log(`machine: ${cpus[0]?.model ?? 'unknown cpu'} × ${cpus.length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}, load average ${os.loadavg()[0].toFixed(2)}`);
  const results = {};
  for (const workload of workloads) {
    results[workload] = Object.fromEntries(modes.map((mode) => [mode, []]));
    for (let round = 0; round < rounds; round++) {
      for (const mode of round % 2 === 0 ? modes : [...modes].reverse()) {
        const run = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--worker', mode, workload, String(messages)], { encoding: 'utf8' });
        if (run.status !== 0) throw new Error(`worker ${mode}/${workload} failed:\n${run.stderr}`);
        results[workload][mode].push(JSON.parse(run.stdout.trim().split('\n').pop()));
      }
    }
  }
  const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  for (const workload of workloads) {
    console.log(`\n${workloadNames[workload]}:`);
    const base = median(results[workload].untraced.map((r) => r.perSecond));
    const baseCpu = median(results[workload].untraced.map((r) => r.perCpuSecond));
    for (const mode of modes) {
      const runs = results[workload][mode];
      const perSecond = median(runs.map((r) => r.perSecond));
      const loss = ((base - perSecond) / base) * 100;
      const perCpuSecond = median(runs.map((r) => r.perCpuSecond));
      const cpuLoss = ((baseCpu - perCpuSecond) / baseCpu) * 100;
      const spans = mode === 'sdk' ? `   spans exported ${runs[0].exported.toLocaleString('en-US')}, dropped ${runs[0].dropped}` : '';
      const range = `[${Math.min(...runs.map((r) => r.perSecond)).toLocaleString('en-US')}–${Math.max(...runs.map((r) => r.perSecond)).toLocaleString('en-US')}]`;
      console.log(
        `  ${modeNames[mode].padEnd(26)} ${perSecond.toLocaleString('en-US').padStart(9)} msg/s ${range.padEnd(20)} ratio ${(perSecond / base).toFixed(3)}  loss ${mode === 'untraced' ? '   —  ' : `${loss.toFixed(1).padStart(5)} %`}   per CPU-second ${perCpuSecond.toLocaleString('en-US').padStart(9)} msg, loss ${mode === 'untraced' ? '   —' : `${cpuLoss.toFixed(1).padStart(5)} %`}${spans}`,
      );
    }
    const sdk = results[workload].sdk;
    if (sdk === undefined) continue;
    const floorNs = median(sdk.map((r) => r.spanFloorNs));
    const requiredNs = median(sdk.map((r) => r.messageFloorNs));
    const spansPerMessage = workload === 'single' ? 2 : 1.001;
    const baseNs = 1e9 / base;
    const sdkNs = 1e9 / median(sdk.map((r) => r.perSecond));
    const best = (extraNs) => {
      const perSecond = Math.round(1e9 / (baseNs + extraNs));
      return `at best ${perSecond.toLocaleString('en-US')} msg/s, loss ${(((base - perSecond) / base) * 100).toFixed(1)} %`;
    };
    console.log(`  per message: runtime untraced ${baseNs.toFixed(0)} ns, with the SDK ${sdkNs.toFixed(0)} ns`);
    console.log(`  SDK floor: a bare span ${floorNs.toFixed(0)} ns; ${spansPerMessage === 2 ? 'two spans' : 'one span'} per message alone: ${best(spansPerMessage * floorNs)}`);
    console.log(`  SDK and API work required per message (spans with their attributes, inject, extract, context): ${requiredNs.toFixed(0)} ns: ${best(requiredNs)}`);
    console.log(
      `  left: ${(sdkNs - baseNs - requiredNs).toFixed(0)} ns/msg (hopbus's own tracing code, Node 20's AsyncLocalStorage promise hooks on the runtime's promises — see the hooks mode — and the GC of the runtime's garbage while spans wait for export)`,
    );
  }
  console.log('\ngoals: no SDK < 2 % loss; SDK with every trace sampled < 15 % loss.');
}

/** Two copies of core's dist: as built, and with a Tracing that does nothing (the runtime without instrumentation). */
function prepareCopies() {
  rmSync(benchDir, { recursive: true, force: true });
  mkdirSync(tracedDir, { recursive: true });
  cpSync(join(coreDir, 'dist'), join(tracedDir, 'dist'), { recursive: true });
  cpSync(join(coreDir, 'package.json'), join(tracedDir, 'package.json'));
  cpSync(tracedDir, untracedDir, { recursive: true });
  writeFileSync(
    join(untracedDir, 'dist', 'tracing', 'Tracing.js'),
    `import { ProcessTrace } from './ProcessTrace.js';
export class Tracing {
  constructor() {}
  isOff() { return true; }
  publish(records, send) { return send(records); }
  startProcess() { return ProcessTrace.none; }
}
`,
  );
}

async function worker(mode, workload, messages) {
  let exported = 0;
  let dropped = 0;
  if (mode === 'hooks') {
    // An AsyncLocalStorage that has run once: Node 20 then runs its promise hooks on every promise.
    const { AsyncLocalStorage } = await import('node:async_hooks');
    new AsyncLocalStorage().run(true, () => undefined);
  }
  if (mode === 'als' || mode === 'sdk' || mode === 'sdk10') {
    const { context, propagation, trace } = await import('@opentelemetry/api');
    const { AsyncLocalStorageContextManager } = await import('@opentelemetry/context-async-hooks');
    const { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } = await import('@opentelemetry/core');
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    propagation.setGlobalPropagator(new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }));
    if (mode === 'sdk' || mode === 'sdk10') {
      const { AlwaysOnSampler, BasicTracerProvider, BatchSpanProcessor, ParentBasedSampler, TraceIdRatioBasedSampler } = await import('@opentelemetry/sdk-trace-base');
      const sampler = mode === 'sdk' ? new AlwaysOnSampler() : new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(0.1) });
      const dropping = {
        export(spans, done) {
          exported += spans.length;
          done({ code: 0 });
        },
        shutdown: () => Promise.resolve(),
      };
      const processor = new BatchSpanProcessor(dropping, { maxQueueSize: 65_536, maxExportBatchSize: 4096, scheduledDelayMillis: 50 });
      trace.setGlobalTracerProvider(new BasicTracerProvider({ sampler, spanProcessors: [processor] }));
      globalThis.__flush = () => processor.forceFlush();
      if (mode === 'sdk') globalThis.__measureFloor = true;
      const { ROOT_CONTEXT, SpanKind } = await import('@opentelemetry/api');
      const tracer = trace.getTracer('floor');
      /** ns per call of `one(i)`, over 200,000 calls after 20,000 to warm up, through the same processor. */
      const timed = async (one) => {
        const count = 200_000;
        for (let i = 0; i < 20_000; i++) one(i);
        await processor.forceFlush();
        const started = performance.now();
        for (let i = 0; i < count; i++) {
          one(i);
          if (i % 1000 === 999) await new Promise(setImmediate);
        }
        await processor.forceFlush();
        return ((performance.now() - started) / count) * 1e6;
      };
      // The SDK's own price: a bare span started and ended.
      globalThis.__spanFloorNs = () => timed(() => tracer.startSpan('floor').end());
      // The SDK and API work that hopbus's required behaviour asks per message, written the plain
      // way with the API's contexts: a publish span with its attributes and its context injected
      // (once per 1,000 messages in the batch workload), and per message the context extracted, a
      // process span with its 13 attributes, the handler run in its context.
      const id = '0199d7a0-3f1c-7c4e-9a2b-5d6e7f809a1b';
      const publishSpan = (batch) => {
        const span = tracer.startSpan('publish bench.floor', { kind: SpanKind.PRODUCER }, ROOT_CONTEXT);
        span.setAttributes({ 'messaging.system': 'hopbus.memory', 'messaging.destination.name': 'bench.floor', 'messaging.operation.type': 'publish', 'messaging.operation.name': 'send' });
        if (batch) span.setAttribute('messaging.batch.message_count', 1000);
        else span.setAttributes({ 'messaging.message.id': id, 'messaging.message.body.size': 100 });
        const carrier = {};
        propagation.inject(trace.setSpan(ROOT_CONTEXT, span), carrier);
        span.end();
        return carrier;
      };
      const handler = () => undefined;
      const processSpan = (carrier, offset) => {
        const parent = propagation.extract(ROOT_CONTEXT, carrier);
        const span = tracer.startSpan('process bench.floor', { kind: SpanKind.CONSUMER }, parent);
        span.setAttributes({
          'messaging.system': 'hopbus.memory',
          'messaging.destination.name': 'bench.floor',
          'messaging.operation.type': 'process',
          'messaging.operation.name': 'process',
          'messaging.message.id': id,
          'messaging.message.body.size': 100,
          'messaging.consumer.group.name': 'bench-measured',
          'messaging.destination.partition.id': '0',
          'hopbus.offset': offset,
          'hopbus.delivery_count': 1,
          'hopbus.actor': 'bench-measured',
          'hopbus.handler': 'handle',
          'messaging.message.conversation_id': id,
        });
        context.with(trace.setSpan(parent, span), handler);
        span.end();
      };
      let batchCarrier;
      globalThis.__messageFloorNs = () =>
        timed(
          workload === 'single'
            ? (i) => processSpan(publishSpan(false), i)
            : (i) => {
                if (i % 1000 === 0) batchCarrier = publishSpan(true);
                processSpan(batchCarrier, i);
              },
        );
    }
  }
  await import('reflect-metadata');
  const core = await import(pathToFileURL(join(mode === 'untraced' || mode === 'hooks' ? untracedDir : tracedDir, 'dist', 'index.js')).href);
  const { Actor, createBus, MemoryTransport, silentLogger, Subscribe, topic } = core;

  async function run(count, label) {
    const t = topic(`bench.tracing.${label}`);
    let seen = 0;
    let resolveDone;
    const done = new Promise((resolve) => (resolveDone = resolve));
    class Bench {
      handle() {
        if (++seen === count) resolveDone();
      }
    }
    Subscribe(t, { concurrency: 1, maxInFlight: 1024 })(Bench.prototype, 'handle', Object.getOwnPropertyDescriptor(Bench.prototype, 'handle'));
    Actor(`bench-${label}`)(Bench);
    const bus = await createBus({ transport: new MemoryTransport({ maxRetained: 10_000 }), services: [Bench], logger: silentLogger, env: {} });
    await bus.start();
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    if (workload === 'single') {
      let window = [];
      for (let i = 0; i < count; i++) {
        window.push(bus.publish(t, payload(i)));
        if (window.length === 256) {
          await Promise.all(window);
          window = [];
        }
      }
      await Promise.all(window);
    } else {
      const inFlight = [];
      for (let i = 0; i < count; i += 1000) {
        const batch = [];
        for (let j = i; j < Math.min(count, i + 1000); j++) batch.push({ payload: payload(j) });
        inFlight.push(bus.publishBatch(t, batch));
        if (inFlight.length >= 8) await inFlight.shift();
      }
      await Promise.all(inFlight);
    }
    await done;
    const ms = performance.now() - started;
    const cpu = process.cpuUsage(cpuBefore);
    await bus.stop();
    return { ms, cpuMs: (cpu.user + cpu.system) / 1000 };
  }

  const warmup = Math.min(20_000, messages);
  await run(warmup, 'warmup');
  const { ms, cpuMs } = await run(messages, 'measured');
  if (globalThis.__measureFloor) {
    await globalThis.__flush();
    const spansPer = (count) => (workload === 'single' ? 2 * count : count + Math.ceil(count / 1000));
    dropped = spansPer(warmup) + spansPer(messages) - exported;
  }
  const exportedByRuns = exported;
  const spanFloorNs = globalThis.__measureFloor ? await globalThis.__spanFloorNs() : undefined;
  const messageFloorNs = globalThis.__measureFloor ? await globalThis.__messageFloorNs() : undefined;
  return { mode, workload, messages, ms, perSecond: Math.round((messages / ms) * 1000), perCpuSecond: Math.round((messages / cpuMs) * 1000), exported: exportedByRuns, dropped, spanFloorNs, messageFloorNs };
}
