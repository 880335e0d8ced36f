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
const modes = ['untraced', ...(process.env.HOPBUS_BENCH_MODES ?? 'none,als,sdk,sdk10').split(',').filter((m) => ['none', 'als', 'sdk', 'sdk10'].includes(m))];
const modeNames = { untraced: 'untraced (baseline)', none: 'no SDK', als: 'propagators, no provider', sdk: 'SDK, every trace sampled', sdk10: 'SDK, 10 % of traces' };
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
    const spansPerMessage = workload === 'single' ? 2 : 1.001;
    const baseNs = 1e9 / base;
    const sdkNs = 1e9 / median(sdk.map((r) => r.perSecond));
    const bestPerSecond = Math.round(1e9 / (baseNs + spansPerMessage * floorNs));
    console.log(
      `  SDK floor: a bare span costs ${floorNs.toFixed(0)} ns here; ${spansPerMessage === 2 ? 'two spans' : 'one span'} per message alone allow at best ${bestPerSecond.toLocaleString('en-US')} msg/s (loss ${(((base - bestPerSecond) / base) * 100).toFixed(1)} %); the rest (propagation, attributes, contexts, Node 20's AsyncLocalStorage promise hooks, GC) costs ${Math.max(0, sdkNs - baseNs - spansPerMessage * floorNs).toFixed(0)} ns/msg.`,
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
  publish(records, send) { return send(records); }
  startProcess() { return ProcessTrace.none; }
}
`,
  );
}

async function worker(mode, workload, messages) {
  let exported = 0;
  let dropped = 0;
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
      // The SDK's own price: a bare span started and ended through the same processor.
      globalThis.__spanFloorNs = async () => {
        const tracer = trace.getTracer('floor');
        const count = 200_000;
        for (let i = 0; i < 20_000; i++) tracer.startSpan('warm').end();
        await processor.forceFlush();
        const started = performance.now();
        for (let i = 0; i < count; i++) {
          tracer.startSpan('floor').end();
          if (i % 1000 === 999) await new Promise(setImmediate);
        }
        await processor.forceFlush();
        exported -= count + 20_000;
        return ((performance.now() - started) / count) * 1e6;
      };
    }
  }
  await import('reflect-metadata');
  const core = await import(pathToFileURL(join(mode === 'untraced' ? untracedDir : tracedDir, 'dist', 'index.js')).href);
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
  const spanFloorNs = globalThis.__measureFloor ? await globalThis.__spanFloorNs() : undefined;
  return { mode, workload, messages, ms, perSecond: Math.round((messages / ms) * 1000), perCpuSecond: Math.round((messages / cpuMs) * 1000), exported, dropped, spanFloorNs };
}
