import type { MessageInit, SlotLoad } from '@jiq/shared';
import type { ServerRegistry } from './server-registry';

/**
 * What this dispatcher sent to each server (dense id), for the dashboard: jobs assigned, by
 * token, and the token races the workers reported. Cumulative (never reset) so that a watcher
 * can take differences between two reads without racing a reset.
 */
export class SlotLoadBook {
  private assigned: number[] = [];
  private byToken: number[] = [];
  private raceBusy: number[] = [];

  assign(server: number, byToken: boolean): void {
    this.assigned[server] = (this.assigned[server] ?? 0) + 1;
    if (byToken) this.byToken[server] = (this.byToken[server] ?? 0) + 1;
  }

  race(server: number): void {
    this.raceBusy[server] = (this.raceBusy[server] ?? 0) + 1;
  }

  /** Every connected server with the jobs in flight there (`inFlightServers`: one entry per job). */
  list(registry: ServerRegistry, inFlightServers: Iterable<number>): MessageInit<SlotLoad>[] {
    const inFlight = new Map<number, number>();
    for (const s of inFlightServers) inFlight.set(s, (inFlight.get(s) ?? 0) + 1);
    const out: MessageInit<SlotLoad>[] = [];
    for (const worker of registry.allWorkers()) {
      worker.servers.forEach((server, slot) => {
        out.push({
          workerId: worker.workerId,
          slot,
          inFlight: inFlight.get(server) ?? 0,
          assigned: this.assigned[server] ?? 0,
          byToken: this.byToken[server] ?? 0,
          raceBusy: this.raceBusy[server] ?? 0,
        });
      });
    }
    return out;
  }
}
