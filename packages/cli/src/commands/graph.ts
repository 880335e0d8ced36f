import type { Command } from 'commander';
import { topologyToMermaid } from '@hopbus/core';
import type { CliContext } from '../CliContext.js';
import { loadTopology } from '../graph/loadTopology.js';
import { jsonOf } from './jsonOf.js';

/** `hopbus graph <entry>`: the actors → topics → actors graph a module declares, as a Mermaid flowchart. */
export function addGraphCommand(program: Command, context: CliContext): void {
  program
    .command('graph')
    .description(
      'Print the topology a module declares as a Mermaid flowchart. The module (built JS) exports `services` (an array of actor classes), or a bus as `bus` or default, or a default array of actor classes.',
    )
    .argument('<entry>', 'path to the built JS module, e.g. dist/services.js')
    .option('--json', 'print the Topology as JSON instead')
    .action(async (entry: string, options: { json?: boolean }) => {
      const topology = await loadTopology(entry);
      context.io.stdout.write(options.json ? jsonOf(topology) : topologyToMermaid(topology));
    });
}
