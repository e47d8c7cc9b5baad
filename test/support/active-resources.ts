/**
 * A check that a process left nothing running after `cleanup()`, for the child processes of fault
 * tests. In the child, {@link reportActiveResources} prints one line, `active-resources: [...]`,
 * listing `process.getActiveResourcesInfo()` (timers, sockets, pending requests) without the
 * child's own stdio; in the parent, {@link leftoverResources} reads it back. A process whose list
 * is empty exits by itself; one with a `Timeout` or a `TCPSocketWrap` left may never exit.
 */

/** The stdio handles every child has (its pipes to the parent, or a terminal). */
const STDIO = new Set(['PipeWrap', 'TTYWrap']);

/** The marker of the line {@link reportActiveResources} prints. */
const MARKER = 'active-resources: ';

/**
 * Child side: after `settleMs` (sockets closed at cleanup finish closing), prints the resources
 * still keeping the event loop alive. It looks from a setImmediate after its own timer, which
 * would otherwise count itself while its callback runs.
 */
export function reportActiveResources(write: (line: string) => void, settleMs = 200): Promise<string[]> {
  return new Promise((resolve) => {
    setTimeout(() => {
      setImmediate(() => {
        const left = process.getActiveResourcesInfo().filter((r) => !STDIO.has(r));
        write(`${MARKER}${JSON.stringify(left)}\n`);
        resolve(left);
      });
    }, settleMs);
  });
}

/** Parent side: the resources a child reported (undefined when it printed no report). */
export function leftoverResources(output: string): string[] | undefined {
  const line = output.split('\n').find((l) => l.startsWith(MARKER));
  return line === undefined ? undefined : (JSON.parse(line.slice(MARKER.length)) as string[]);
}
