import { LogInspector } from '@hopbus/log';
import { requireLogDir } from './requireLogDir.js';

/**
 * Opens `dir` read-only (no lock: it works while a bus owns the dir, showing what was complete
 * on disk when opened), runs `use`, and closes the inspector whatever happens.
 */
export async function withInspector<T>(dir: string, use: (inspector: LogInspector) => Promise<T> | T): Promise<T> {
  const inspector = await LogInspector.open(requireLogDir(dir));
  try {
    return await use(inspector);
  } finally {
    await inspector.close();
  }
}
