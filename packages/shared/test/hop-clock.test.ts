import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { clockOffsetMs, hopClockMs } from '../src/index';

describe('hop clock', () => {
  it('reads the host monotonic clock: the same clock in another process', () => {
    // A per-process mapping to wall time (what hops were stamped with before) can be off by
    // milliseconds between processes; the monotonic clock is one clock for every process.
    const before = hopClockMs();
    const child = Number(execFileSync(process.execPath, ['-e', 'process.stdout.write(String(Number(process.hrtime.bigint()) / 1e6))'], { encoding: 'utf8' }));
    const after = hopClockMs();
    expect(child).toBeGreaterThan(before);
    expect(child).toBeLessThan(after);
    expect(Number.isInteger(hopClockMs())).toBe(false);
  });

  it('takes an offset within half the round trip as 0 (one host, one clock)', () => {
    // Sent at 1000, answered at 1003 by the peer, back at 1010: the peer read its clock inside the trip.
    expect(clockOffsetMs(1000, 1003, 1010)).toBe(0);
    expect(clockOffsetMs(1000, 1009.9, 1010)).toBe(0);
  });

  it('estimates a real offset from the midpoint of the exchange (another host)', () => {
    // The peer's clock runs 500 ms ahead: it answered at its 1505, our midpoint is 1005.
    expect(clockOffsetMs(1000, 1505, 1010)).toBe(500);
    expect(clockOffsetMs(1000, 400, 1010)).toBe(-605);
  });

  it('ignores an exchange without timestamps (older peer)', () => {
    expect(clockOffsetMs(0, 1505, 1010)).toBe(0);
    expect(clockOffsetMs(1000, 0, 1010)).toBe(0);
  });
});
