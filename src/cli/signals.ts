// SIGINT/SIGTERM for the commands that run until stopped (hilftp sim|qemu, hilftp tun): while they
// are watched, a signal aborts `signal` (handed to openLink, so a wait for the board gives up) and
// resolves `stopped`, instead of killing the process, so the command can close what it opened.
export interface StopSignals {
  /** Aborted by the first SIGINT or SIGTERM. */
  readonly signal: AbortSignal;
  /** Whether a signal has come: an ABORTED error is then the stop asked for, not a failure. */
  readonly signalled: boolean;
  /** Resolves once a signal has come. */
  readonly stopped: Promise<void>;
  /** Stops watching: a later signal gets Node's default handling again. */
  dispose(): void;
}

export function watchStopSignals(): StopSignals {
  const abort = new AbortController();
  const onSignal = (): void => abort.abort();
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  const stopped = new Promise<void>((resolve) => abort.signal.addEventListener("abort", () => resolve(), { once: true }));
  return {
    signal: abort.signal,
    get signalled() {
      return abort.signal.aborted;
    },
    stopped,
    dispose() {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
    },
  };
}
