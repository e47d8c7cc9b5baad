/**
 * Ctrl-C (SIGINT) and SIGTERM for the commands that run until stopped (`tail`, `dashboard`): the
 * first one ends the command cleanly (exit 0, every connection closed); a second Ctrl-C exits at
 * once with 130.
 */

/** An AbortSignal that fires on SIGINT or SIGTERM; `dispose` removes the handlers. */
export function interruptSignal(): { readonly signal: AbortSignal; readonly dispose: () => void } {
  const controller = new AbortController();
  const onSignal = (): void => {
    if (controller.signal.aborted) {
      process.exit(130);
    }
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    dispose: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}
