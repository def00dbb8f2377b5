/** What `closeQueue` needs of a BullMQ `Queue` or `Worker`. */
export interface Closable {
  waitUntilReady(): Promise<unknown>;
  close(force?: boolean): Promise<void>;
}

/** How long a close waits for a connection still starting (Redis may be down). */
const READY_WAIT_MS = 2000;

/**
 * Closes a BullMQ Queue or Worker once its connections have finished starting. Closing one
 * while BullMQ still initialises its connection (its INFO probe) leaves a "Connection is
 * closed." rejection that nothing handles; it showed up when a worker claimed a session and
 * was stopped a moment later. The wait is bounded, so a shutdown during a Redis outage is
 * not held up. `force` is passed to a Worker (do not wait for active jobs).
 */
export async function closeQueue(target: Closable | undefined, force = false): Promise<void> {
  if (!target) return;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    target.waitUntilReady().catch(() => {}),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, READY_WAIT_MS);
    }),
  ]);
  clearTimeout(timer);
  await target.close(force);
}
