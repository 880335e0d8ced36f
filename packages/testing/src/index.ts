export { describeTransportConformance } from './describeTransportConformance.js';
export type { ConformanceFeatures, ConformanceHarness } from './describeTransportConformance.js';
export { Receiver } from './receive.js';
export { makeRecord, numberOf } from './makeRecord.js';
