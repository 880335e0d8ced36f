// Mutation testing (StrykerJS): `npm run mutate` (every area) or `npm run mutate:core|log|nats`.
// Not part of CI: a full run takes a long time. See docs/testing.md, "Mutation testing".
//
// HOPBUS_MUTATE picks an area: its files to mutate and the test files that guard them, so a run
// loads only the tests that can kill its mutants. Unset, every area runs against the union.

/** Test files that only drive child processes (they load dist/, which Stryker never mutates) or
 *  that run long fault scenarios: they cannot kill a mutant in src/ and would only slow the run. */
const slowOrOutOfProcess = [
  'packages/core/test/gettingStarted.test.ts',
  'packages/core/test/transportRegistry.twoCopies.test.ts',
  'packages/log/test/crashSafety.test.ts',
  'packages/log/test/crashLoop.test.ts',
  'packages/log/test/keepAlive.test.ts',
  'packages/log/test/dataDirErrors.test.ts',
  'packages/nats/test/NatsTransport.faults.test.ts',
  // Long single scenarios (a memory bound under a backlog, a hand-back between buses) and the
  // suites that check core's runtime rules on top of the log: each covers nearly every line of
  // the log, so every mutant would pay for them; the log's own tests exercise the same paths.
  'packages/log/test/backlog.test.ts',
  'packages/log/test/handBack.test.ts',
  'packages/log/test/LogTransport.conformance.test.ts',
  'packages/log/test/LogTransport.runtime.test.ts',
];

const areas = {
  core: {
    mutate: [
      'packages/core/src/runtime/**/*.ts',
      'packages/core/src/actors/**/*.ts',
      'packages/core/src/pull/**/*.ts',
      'packages/core/src/topic/**/*.ts',
      'packages/core/src/tracing/Tracing.ts',
      'packages/core/src/tracing/PublishTrace.ts',
      'packages/core/src/tracing/publishSpanAttributes.ts',
      'packages/core/src/tracing/recordsWithContext.ts',
      'packages/core/src/tracing/spanOutcome.ts',
    ],
    // tracing.flow.test.ts is left out: it starts a nats-server and runs the shop example's flow.
    tests: ['packages/core/test/**/*.test.ts'],
    skip: ['packages/core/test/tracing.flow.test.ts'],
  },
  log: {
    mutate: [
      'packages/log/src/LogPartition.ts',
      'packages/log/src/Segment.ts',
      'packages/log/src/PendingWrite.ts',
      'packages/log/src/batchFormat.ts',
      'packages/log/src/encodeBatch.ts',
      'packages/log/src/readBatch.ts',
      'packages/log/src/recoverSegment.ts',
      'packages/log/src/scanSegment.ts',
      'packages/log/src/LogGroup.ts',
      'packages/log/src/groupOffsetsFile.ts',
      'packages/log/src/groupHeadsFile.ts',
      'packages/log/src/CrashLoopGuard.ts',
      'packages/log/src/DirLock.ts',
    ],
    // The log's unit-level tests, file by file, then the in-process scenario tests that drive a
    // whole transport (engine, careful mode, group heads, durable folders, the tail cache, power
    // loss under fsync always, corruption while running): without them the partition, the group
    // and the guard are barely covered. Left out: the runtime suites over the log and the long
    // scenarios listed above.
    skip: [],
    tests: [
      'packages/log/test/batchFraming.test.ts',
      'packages/log/test/groupFiles.test.ts',
      'packages/log/test/scanSegment.test.ts',
      'packages/log/test/recoverSegment.test.ts',
      'packages/log/test/PendingWrite.test.ts',
      'packages/log/test/corruption.test.ts',
      'packages/log/test/writePath.test.ts',
      'packages/log/test/dirLock.test.ts',
      'packages/log/test/dirLockRules.test.ts',
      'packages/log/test/LogGroup.test.ts',
      'packages/log/test/LogPartition.test.ts',
      'packages/log/test/CrashLoopGuard.test.ts',
      'packages/log/test/Segment.test.ts',
      'packages/log/test/groupPositions.test.ts',
      'packages/log/test/retentionFile.test.ts',
      'packages/log/test/tailCache.test.ts',
      'packages/log/test/engine.test.ts',
      'packages/log/test/carefulMode.test.ts',
      'packages/log/test/groupHeads.test.ts',
      'packages/log/test/durableFolders.test.ts',
      'packages/log/test/corruptionWhileRunning.test.ts',
      'packages/log/test/powerLossDurability.test.ts',
      'packages/log/test/repairProgress.test.ts',
    ],
  },
  nats: {
    mutate: [
      'packages/nats/src/NatsSubscription.ts',
      'packages/nats/src/jetStreamSource.ts',
      'packages/nats/src/coreSource.ts',
      'packages/nats/src/ArrivalQueue.ts',
      'packages/nats/src/decodeHeaderBlock.ts',
    ],
    tests: ['packages/nats/test/**/*.test.ts'],
    skip: [],
  },
};

const name = process.env.HOPBUS_MUTATE;
if (name !== undefined && !(name in areas)) {
  throw new Error(`HOPBUS_MUTATE=${name} is not an area: use one of ${Object.keys(areas).join(', ')}, or leave it unset.`);
}
const picked = name === undefined ? Object.values(areas) : [areas[name]];
// HOPBUS_MUTATE_TESTS (comma-separated test files) narrows a quick run of a few files to the
// tests that guard them; the score is then the score against those tests only.
const onlyTests = process.env.HOPBUS_MUTATE_TESTS?.split(',').filter(Boolean);
const chosen = onlyTests ? picked.map((area) => ({ ...area, tests: onlyTests })) : picked;

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'jest',
  coverageAnalysis: 'perTest',
  concurrency: 1,
  mutate: chosen.flatMap((area) => area.mutate),
  ignoreStatic: true,
  incremental: true,
  incrementalFile: `reports/mutation/${name ?? 'all'}.incremental.json`,
  reporters: ['clear-text', 'progress', 'json'],
  jsonReporter: { fileName: `reports/mutation/${name ?? 'all'}.json` },
  clearTextReporter: { allowColor: false, logTests: false },
  tempDirName: '.stryker-tmp',
  // A mutant that hangs a test (a loop that never ends, a promise never settled) counts as killed
  // once it takes this much longer than the tests did without mutants.
  timeoutMS: 3000,
  timeoutFactor: 1.25,
  jest: {
    projectType: 'custom',
    configFile: 'jest.config.cjs',
    enableFindRelatedTests: false,
    config: {
      // Only the area's test folders: a smaller file map for each of the many runs.
      roots: [...new Set(chosen.flatMap((area) => area.tests.map((glob) => `<rootDir>/${glob.split('/').slice(0, 3).join('/')}`)))],
      testMatch: chosen.flatMap((area) => area.tests.map((glob) => `<rootDir>/${glob}`)),
      testPathIgnorePatterns: ['/node_modules/', ...[...slowOrOutOfProcess, ...chosen.flatMap((area) => area.skip)].map((file) => `<rootDir>/${file}`)],
    },
  },
  thresholds: { high: 90, low: 80, break: null },
};
