/** Where the runtime reports what happens to messages. Fields are plain data. */
export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

const ignore = (): void => undefined;

/** Warnings and errors to stderr, one line each; debug and info are dropped. The default. */
export const consoleLogger: Logger = {
  debug: ignore,
  info: ignore,
  warn: (message, fields) => console.warn(`[hopbus] ${message}${fields ? ` ${JSON.stringify(fields)}` : ''}`),
  error: (message, fields) => console.error(`[hopbus] ${message}${fields ? ` ${JSON.stringify(fields)}` : ''}`),
};

/** Drops everything. */
export const silentLogger: Logger = { debug: ignore, info: ignore, warn: ignore, error: ignore };
