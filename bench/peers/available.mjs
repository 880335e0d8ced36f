// The framework peers over core NATS (NestJS microservices, Moleculer), each driven by the
// window loop with a consumer in a second process. Their packages live in bench/peers-node,
// installed on first use, apart from the workspace.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const peers = ['nestjs', 'moleculer'];

/** { nestjs: msg/s, moleculer: msg/s } end to end; a peer whose driver is missing is left out, with a line saying so. */
export async function peerEndToEnd(options) {
  const figures = {};
  for (const name of peers) {
    const driver = join(here, `${name}.mjs`);
    if (!existsSync(driver)) {
      console.log(`(${name}: no driver at ${driver}, left out)`);
      continue;
    }
    const { endToEnd } = await import(driver);
    figures[name] = (await endToEnd(options)).msgPerSec;
  }
  return figures;
}
