import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

const installLine = 'apt-get install nats-server (or download it from https://github.com/nats-io/nats-server/releases)';

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * The nats-server binary to launch: `NATS_SERVER_BIN`, then /usr/sbin/nats-server, then PATH.
 * Throws when there is none, with the line that installs it; under CI=true the message says
 * the run must fail, so a CI machine without the binary never passes by skipping.
 */
export function findNatsServerBinary(explicit?: string): string {
  const candidates = [explicit, process.env.NATS_SERVER_BIN, '/usr/sbin/nats-server', '/usr/local/bin/nats-server'];
  for (const dir of (process.env.PATH ?? '').split(delimiter)) if (dir) candidates.push(join(dir, 'nats-server'));
  for (const candidate of candidates) if (candidate && executable(candidate)) return candidate;
  const where = process.env.CI === 'true' ? 'CI=true: the NATS tests cannot be skipped here' : 'the NATS tests need it';
  throw new Error(`nats-server was not found (${where}). Install it: ${installLine}; or set NATS_SERVER_BIN to its path.`);
}
