import { randomUUID } from 'node:crypto';
import { createBus, silentLogger, topic } from '@hopbus/core';
import type { Bus, ServiceClass, Topic, Transport } from '@hopbus/core';
import type { Container } from 'inversify';
import { Gate } from './Gate.js';
import type { RuntimeFeatures, RuntimeHarness } from './RuntimeHarness.js';

/**
 * What one case works with: fresh topics, buses on the harness's transports (the first over
 * fresh storage, later ones over the storage the one before used), and gates for handlers.
 * dispose() opens every gate and stops every bus, whatever the case left running.
 */
export class RuntimeRig {
  private readonly buses: Bus[] = [];
  private readonly gates: Gate[] = [];
  private last: Transport | undefined;

  constructor(
    private readonly harness: RuntimeHarness,
    readonly features: RuntimeFeatures,
  ) {}

  /** The ack timeout every subscription of a case uses. */
  get ackTimeoutMs(): number {
    return this.features.ackTimeoutMs;
  }

  /** A topic no other case uses. */
  topic<T>(label: string): Topic<T> {
    return topic<T>(`rt.${label}.${randomUUID().slice(0, 8)}`);
  }

  gate(): Gate {
    const gate = new Gate();
    this.gates.push(gate);
    return gate;
  }

  /** A bus running `services` over fresh storage; created, not started. */
  async firstBus(services: readonly ServiceClass[], container?: Container): Promise<Bus> {
    return this.bus(await this.harness.create(), services, container);
  }

  /** A bus running `services` over the storage of the bus made before it (which must have stopped); created, not started. */
  async laterBus(services: readonly ServiceClass[], container?: Container): Promise<Bus> {
    if (!this.last) throw new Error('laterBus() needs a bus made before it (firstBus())');
    return this.bus(await this.harness.reopen(this.last), services, container);
  }

  async dispose(): Promise<void> {
    for (const gate of this.gates.splice(0)) gate.open();
    await Promise.all(this.buses.splice(0).map((bus) => bus.stop({ timeoutMs: 0 })));
  }

  private async bus(transport: Transport, services: readonly ServiceClass[], container: Container | undefined): Promise<Bus> {
    this.last = transport;
    const bus = await createBus({ transport, services, logger: silentLogger, ...(container ? { container } : {}) });
    this.buses.push(bus);
    return bus;
  }
}
