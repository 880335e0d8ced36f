import { publishersOf, subscriptionsOf } from '../decorators/metadata.js';
import type { ServiceClass } from './resolveBindings.js';
import { actorName } from './resolveBindings.js';

/** What the decorators declare, read without running anything. */
export interface Topology {
  readonly actors: readonly {
    readonly name: string;
    readonly publishes: readonly { readonly topic: string; readonly field: string }[];
    readonly subscribes: readonly { readonly topic: string; readonly group: string; readonly method: string }[];
  }[];
}

export function topologyOf(services: readonly ServiceClass[]): Topology {
  return {
    actors: services.map((service) => {
      const name = actorName(service);
      const prototype = service.prototype as object;
      return {
        name,
        publishes: publishersOf(prototype).map((p) => ({ topic: p.topic.name, field: String(p.field) })),
        subscribes: subscriptionsOf(prototype).map((s) => ({ topic: s.topic.name, group: s.options.group ?? name, method: String(s.method) })),
      };
    }),
  };
}

/** The topology as a Mermaid flowchart: actors → topics → actors. */
export function topologyToMermaid(topology: Topology): string {
  const id = (kind: string, name: string): string => `${kind}_${name.replace(/[^A-Za-z0-9_]/g, '_')}`;
  const lines = ['flowchart LR'];
  const topics = new Set<string>();
  for (const actor of topology.actors) {
    lines.push(`  ${id('actor', actor.name)}[${actor.name}]`);
    for (const p of actor.publishes) topics.add(p.topic);
    for (const s of actor.subscribes) topics.add(s.topic);
  }
  for (const topic of [...topics].sort()) lines.push(`  ${id('topic', topic)}((${topic}))`);
  for (const actor of topology.actors) {
    for (const p of actor.publishes) lines.push(`  ${id('actor', actor.name)} --> ${id('topic', p.topic)}`);
    for (const s of actor.subscribes) lines.push(`  ${id('topic', s.topic)} --> ${id('actor', actor.name)}`);
  }
  return `${lines.join('\n')}\n`;
}
