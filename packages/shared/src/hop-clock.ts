/**
 * The clock hop delays are measured with: wall-clock epoch ms at sub-ms resolution
 * (Date.now() has 1 ms steps, too coarse for hops of ~0.1-1 ms). Processes on one host read
 * the same system clock, so a timestamp from another process can be subtracted directly.
 */
export function wallClockMs(): number {
  return performance.timeOrigin + performance.now();
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
