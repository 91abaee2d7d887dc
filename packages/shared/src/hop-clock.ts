/**
 * The clock hop delays are measured with: the host's monotonic clock (CLOCK_MONOTONIC, the one
 * process.hrtime reads) in ms at sub-microsecond resolution. Every process on a host reads the
 * same monotonic clock, so a timestamp from another process can be subtracted directly.
 *
 * Why not wall time (`performance.timeOrigin + performance.now()`): each process maps its
 * monotonic clock to the wall clock once, at start, and those mappings can differ by
 * milliseconds between processes (a wall-clock adjustment between two starts, a start delayed
 * between the two reads). That error does not cancel: it lengthens every hop one way and
 * shortens the other, and hops are clamped at 0. A quiet-host run of the fidelity table showed
 * it: an assign hop of 5.6 ms mean at 20 ms jobs (0.5 ms in every other run) with place at
 * 0.11 ms. Across hosts the monotonic clocks are unrelated, and the offset estimated at hello
 * (below) takes their difference out.
 */
export function hopClockMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

/**
 * Offset to add to the local clock to read the peer's, from one request/reply exchange
 * (sentAt and receivedAt local, peerNow the peer's clock when it answered): NTP's estimate,
 * peerNow - midpoint, whose error is at most half the round trip. An estimate within that
 * error is indistinguishable from 0 (same host, shared clock) and is taken as 0, so that a
 * slow handshake does not bias every later hop.
 */
export function clockOffsetMs(sentAtMs: number, peerNowMs: number, receivedAtMs: number): number {
  if (!(sentAtMs > 0 && peerNowMs > 0 && receivedAtMs >= sentAtMs)) return 0;
  const offset = peerNowMs - (sentAtMs + receivedAtMs) / 2;
  return Math.abs(offset) <= (receivedAtMs - sentAtMs) / 2 ? 0 : offset;
}
