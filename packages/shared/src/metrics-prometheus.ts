import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';

export type { Registry as MetricsRegistry } from 'prom-client';
export { Counter, Histogram } from 'prom-client';

/**
 * A Prometheus registry for one jiq process (prom-client: the de-facto Node client, with the
 * process and event-loop metrics built in), every series labelled with `labels`.
 */
export function createMetricsRegistry(labels: Record<string, string>): Registry {
  const registry = new Registry();
  registry.setDefaultLabels(labels);
  collectDefaultMetrics({ register: registry });
  return registry;
}

/** A counter whose value is read at scrape time, so the hot path pays nothing. */
export function scrapedCounter(registry: Registry, name: string, help: string, read: () => number): void {
  new Counter({
    name,
    help,
    registers: [registry],
    collect() {
      this.reset();
      this.inc(read());
    },
  });
}

/** A gauge whose value is read at scrape time. */
export function scrapedGauge(registry: Registry, name: string, help: string, read: () => number): void {
  new Gauge({
    name,
    help,
    registers: [registry],
    collect() {
      this.set(read());
    },
  });
}

/**
 * A Prometheus counter over a count that its owner may reset (`jiq cluster` resets the
 * dispatchers' stats after the warm-up): returns a total that never goes down. A reset between
 * two reads is seen as a drop, and the count since the reset is added (what was counted between
 * the last read and the reset is lost, never double-counted).
 */
export function monotonicTotal(read: () => number): () => number {
  let last = 0;
  let total = 0;
  return () => {
    const now = read();
    total += now >= last ? now - last : now;
    last = now;
    return total;
  };
}

/** The exposition of a registry, in the shape the ops server serves. */
export async function exposition(registry: Registry): Promise<{ contentType: string; body: string }> {
  return { contentType: registry.contentType, body: await registry.metrics() };
}
