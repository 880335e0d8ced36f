import type { Transport } from '@hopbus/core';

/**
 * `transport` as buses that come and go see it: a bus's stop() closes its transport, and this
 * view's close() does nothing, so a later bus finds what the one before left (the memory
 * transport keeps nothing once closed). Close `transport` itself when done.
 */
export function transportOutlivingBuses(transport: Transport): Transport {
  return {
    kind: transport.kind,
    features: transport.features,
    connect: () => transport.connect(),
    publish: (records) => transport.publish(records),
    subscribe: (topic, options) => transport.subscribe(topic, options),
    ...(transport.actorTurns === undefined ? {} : { actorTurns: transport.actorTurns }),
    close: async () => undefined,
  };
}
