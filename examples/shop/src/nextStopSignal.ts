export interface StopSignal {
  /** Resolves to the first SIGINT or SIGTERM (a started bus keeps the process up meanwhile). Never rejects. */
  readonly received: Promise<NodeJS.Signals>;
  /** Stops listening and lets the process exit; `received` then never resolves. */
  cancel(): void;
}

/** Listens for the next SIGINT or SIGTERM, in place of the default (exit at once). */
export function nextStopSignal(): StopSignal {
  let cancel = (): void => undefined;
  const received = new Promise<NodeJS.Signals>((resolve) => {
    const onSignal = (signal: NodeJS.Signals): void => {
      cancel();
      resolve(signal);
    };
    cancel = () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  });
  return { received, cancel: () => cancel() };
}
