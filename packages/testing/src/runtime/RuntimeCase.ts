import type { RuntimeCaseId, RuntimeFeatures } from './RuntimeHarness.js';
import type { RuntimeRig } from './RuntimeRig.js';

/** One promise of the runtime, checked with real buses on one transport. */
export interface RuntimeCase {
  readonly id: RuntimeCaseId;
  readonly title: string;
  /** Why the transport's features rule the case out; undefined when it runs. */
  ruledOut?(features: RuntimeFeatures): string | undefined;
  run(rig: RuntimeRig): Promise<void>;
}
