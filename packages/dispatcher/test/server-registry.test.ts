import type { WorkerChannel } from '@jiq/shared';
import { describe, expect, it } from 'vitest';
import { ServerRegistry } from '../src/server-registry';

const channel = {} as WorkerChannel;

describe('ServerRegistry', () => {
  it('frees what departed workers held: ids are reused, memory follows the live servers', () => {
    const r = new ServerRegistry();
    const stay = r.addWorker('stay', 2, channel)!;
    for (let i = 0; i < 10_000; i++) {
      const e = r.addWorker(`w${i}`, 4, channel)!;
      expect(r.liveCount).toBe(6);
      r.removeWorker(e);
    }
    expect(r.allocatedIds).toBe(6);
    expect(r.liveCount).toBe(2);
    expect(r.workerCount).toBe(1);
    expect(stay.servers.map((s) => r.ownerOf(s))).toEqual([stay, stay]);
    // A reused id answers for its new owner and slot.
    const back = r.addWorker('back', 3, channel)!;
    expect(back.servers.map((s) => [r.ownerOf(s)?.workerId, r.slotOf(s)])).toEqual([['back', 0], ['back', 1], ['back', 2]]);
    expect(new Set([...stay.servers, ...back.servers]).size).toBe(5);
  });
});
