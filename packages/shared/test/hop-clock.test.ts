import { describe, expect, it } from 'vitest';
import { clockOffsetMs, wallClockMs } from '../src/index';

describe('hop clock', () => {
  it('reads epoch ms at sub-ms resolution, close to Date.now()', () => {
    const t = wallClockMs();
    expect(Math.abs(t - Date.now())).toBeLessThan(50);
    expect(Number.isInteger(t)).toBe(false);
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
