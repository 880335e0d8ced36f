import { deadLettersCase } from './cases/deadLettersCase.js';
import { drainAtTimeoutCase } from './cases/drainAtTimeoutCase.js';
import { handBackCase } from './cases/handBackCase.js';
import { keyedNoKeyCase } from './cases/keyed/keyedNoKeyCase.js';
import { keyedOutputsHeldCase } from './cases/keyed/keyedOutputsHeldCase.js';
import { keyedPassivationCase } from './cases/keyed/keyedPassivationCase.js';
import { keyedRestartCase } from './cases/keyed/keyedRestartCase.js';
import { keyedRollbackCase } from './cases/keyed/keyedRollbackCase.js';
import { keyedTurnsCase } from './cases/keyed/keyedTurnsCase.js';
import { keepAliveCase } from './cases/keepAliveCase.js';
import { maxDeliveriesAcrossStopsCase } from './cases/maxDeliveriesAcrossStopsCase.js';
import { maxDeliveriesFromConsumersCase } from './cases/maxDeliveriesFromConsumersCase.js';
import { maxInFlightCase } from './cases/maxInFlightCase.js';
import { retryInPlaceCase } from './cases/retryInPlaceCase.js';
import type { RuntimeCase } from './RuntimeCase.js';
import type { RuntimeFeatures, RuntimeHarness } from './RuntimeHarness.js';
import { RuntimeRig } from './RuntimeRig.js';

const cases: readonly RuntimeCase[] = [
  retryInPlaceCase,
  deadLettersCase,
  drainAtTimeoutCase,
  keepAliveCase,
  maxInFlightCase,
  maxDeliveriesFromConsumersCase,
  maxDeliveriesAcrossStopsCase,
  handBackCase,
  keyedTurnsCase,
  keyedRestartCase,
  keyedRollbackCase,
  keyedOutputsHeldCase,
  keyedPassivationCase,
  keyedNoKeyCase,
];

/** A bound for a case on a loaded machine, not a speed it must reach: passing cases take a few seconds. */
const caseTimeoutMs = 90_000;

/**
 * The runtime's promises, checked with real buses (createBus, decorated actors) on a transport:
 * retry in place, dead letters, drain, keep-alive, the pull window, maxDeliveries and hand-back
 * to a later bus. A case the features rule out is registered as skipped, with the reason; a
 * known defect runs as `test.failing`, with its reason in the title.
 */
export function describeRuntimeConformance(name: string, features: RuntimeFeatures, harness: RuntimeHarness): void {
  describe(`runtime conformance: ${name}`, () => {
    let rig: RuntimeRig | undefined;
    afterEach(async () => {
      await rig?.dispose();
      rig = undefined;
    });
    afterAll(async () => {
      await harness.cleanup?.();
    });

    for (const runtimeCase of cases) {
      const ruledOut = runtimeCase.ruledOut?.(features);
      if (ruledOut !== undefined) {
        it.skip(`${runtimeCase.title} (ruled out: ${ruledOut})`, () => undefined);
        continue;
      }
      const defect = features.knownDefects?.[runtimeCase.id];
      const register = defect === undefined ? it : it.failing;
      const title = defect === undefined ? runtimeCase.title : `${runtimeCase.title} (known defect: ${defect})`;
      register(
        title,
        async () => {
          rig = new RuntimeRig(harness, features);
          await runtimeCase.run(rig);
        },
        caseTimeoutMs,
      );
    }
  });
}
