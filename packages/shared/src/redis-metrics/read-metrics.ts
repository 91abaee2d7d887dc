import type Redis from 'ioredis';
import { metricsIndexKey, metricsKey, type MetricsRole } from './keys';

/** One member's published counters. */
export interface PublishedMetrics {
  id: string;
  /** When they were published (epoch ms). */
  at: number;
  values: Record<string, number>;
}

export interface ClusterMetrics {
  dispatchers: PublishedMetrics[];
  workers: PublishedMetrics[];
}

async function readRole(redis: Redis, prefix: string, role: MetricsRole): Promise<PublishedMetrics[]> {
  const index = metricsIndexKey(prefix, role);
  const now = Date.now();
  const [, ids] = await Promise.all([redis.zremrangebyscore(index, '-inf', now), redis.zrangebyscore(index, now, '+inf')]);
  const hashes = await Promise.all(ids.map((id) => redis.hgetall(metricsKey(prefix, role, id))));
  const out: PublishedMetrics[] = [];
  ids.forEach((id, i) => {
    const h = hashes[i];
    if (!h || Object.keys(h).length === 0) return; // expired between the two reads
    const values: Record<string, number> = {};
    for (const [k, v] of Object.entries(h)) if (k !== 'at') values[k] = Number(v);
    out.push({ id, at: Number(h.at), values });
  });
  return out.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** The live publications of every dispatcher and worker under the cluster prefix. */
export async function readClusterMetrics(redis: Redis, prefix: string): Promise<ClusterMetrics> {
  const [dispatchers, workers] = await Promise.all([readRole(redis, prefix, 'dispatcher'), readRole(redis, prefix, 'worker')]);
  return { dispatchers, workers };
}
