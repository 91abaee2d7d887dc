/**
 * Redis layout of the metrics (P = cluster prefix):
 *
 *   P:metrics:<role>:<id>   HASH  the member's counters (numbers as strings) + `at` (epoch ms);
 *                                 key TTL = the publisher's ttlMs, refreshed at every publish
 *   P:metrics:<role>        ZSET  member = id, score = expiry (epoch ms): the index readers use
 *   P:runs:<runId>          STRING  a `jiq cluster` result (JSON)
 *   P:runs                  ZSET  member = run id, score = time stored (epoch ms)
 */
export type MetricsRole = 'dispatcher' | 'worker';

export function metricsIndexKey(prefix: string, role: MetricsRole): string {
  return `${prefix}:metrics:${role}`;
}

export function metricsKey(prefix: string, role: MetricsRole, id: string): string {
  return `${prefix}:metrics:${role}:${id}`;
}

export function runsKey(prefix: string): string {
  return `${prefix}:runs`;
}

export function runKey(prefix: string, runId: string): string {
  return `${prefix}:runs:${runId}`;
}
