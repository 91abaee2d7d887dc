import type * as PromClient from 'prom-client';

type Registry = PromClient.Registry;
export type { Registry as MetricsRegistry } from 'prom-client';

let promClientModule: typeof PromClient | undefined;

/**
 * prom-client is loaded on first use, not when @jiq/shared is: with OpenTelemetry and https
 * behind it, it is ~40% of a worker's start-up CPU (measured, docs/performance.md), and only a
 * process serving /metrics needs it. A `jiq cluster` of 55 processes starting at once on two
 * cores is what this saves.
 */
async function loadPromClient(): Promise<typeof PromClient> {
  return (promClientModule ??= await import('prom-client'));
}

/** prom-client's classes (Counter, Histogram...), once a registry was created. */
export function promClient(): typeof PromClient {
  if (!promClientModule) throw new Error('prom-client is not loaded yet: await createMetricsRegistry() first');
  return promClientModule;
}

/**
 * A Prometheus registry for one jiq process (prom-client: the de-facto Node client, with the
 * process and event-loop metrics built in), every series labelled with `labels`.
 */
export async function createMetricsRegistry(labels: Record<string, string>): Promise<Registry> {
  const { collectDefaultMetrics, Registry } = await loadPromClient();
  const registry = new Registry();
  registry.setDefaultLabels(labels);
  collectDefaultMetrics({ register: registry });
  return registry;
}

/** A counter whose value is read at scrape time, so the hot path pays nothing. */
export function scrapedCounter(registry: Registry, name: string, help: string, read: () => number): void {
  new (promClient().Counter)({
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
  new (promClient().Gauge)({
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
