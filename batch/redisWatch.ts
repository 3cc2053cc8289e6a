/**
 * How long a batch on a queue waits for a Redis that does not answer (`gridbid batch --queue …
 * --redis-timeout`). ioredis reconnects for ever and holds every command meanwhile, so a batch
 * whose server never came back printed "lost the connection … retrying" once and then waited until
 * Ctrl-C twice. A server that is up but frozen (stopped, swapping) keeps the connection open and
 * answers nothing, which no connection event shows: so the watch asks, with a PING, and counts the
 * time since the last answer, whatever the connection's state.
 *
 * Real time, as `--run-timeout`: the batch's orchestration, not the simulation (whose clock is virtual).
 */

/**
 * PINGs `conn` (one PING at a time, each held by ioredis until the server answers) and calls
 * `onSilent` once when none has been answered for `limitMs` since the watch began or the last
 * answer. Returns the function that ends the watch. `limitMs` 0: no watch (wait for ever).
 */
export function watchAnswers(conn: { ping(): Promise<unknown> }, limitMs: number, onSilent: () => void): () => void {
  if (limitMs <= 0) return () => {};
  let lastAnswer = performance.now();
  let asking = false;
  let ended = false;
  const ask = (): void => {
    if (asking) return;
    asking = true;
    conn.ping().then(
      () => {
        lastAnswer = performance.now();
        asking = false;
      },
      // A PING refused (a connection ended for good) is no answer; the next tick asks again.
      () => (asking = false),
    );
  };
  // Checked a few times per limit (at most every 5 s): the batch stops at most a quarter of the limit late.
  const timer = setInterval(() => {
    if (ended) return;
    if (performance.now() - lastAnswer >= limitMs) {
      ended = true;
      clearInterval(timer);
      onSilent();
      return;
    }
    ask();
  }, Math.min(5000, Math.max(100, limitMs / 4)));
  ask();
  return () => {
    ended = true;
    clearInterval(timer);
  };
}

/**
 * Whether `conn` answers a PING within `ms`. A connection's 'ready' state is no answer: a server
 * that is up but frozen (stopped, swapping) keeps it 'ready' while it answers nothing.
 */
export async function answersWithin(conn: { ping(): Promise<unknown> }, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const answered = await Promise.race([conn.ping().then(() => true, () => false), new Promise<boolean>((r) => (timer = setTimeout(() => r(false), ms)))]);
  clearTimeout(timer);
  return answered;
}
