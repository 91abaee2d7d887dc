import type Redis from 'ioredis';
import { runKey, runsKey } from './keys';

/** A fresh run id: sortable by time, unique across processes. */
export function newRunId(now = new Date()): string {
  return `${now.toISOString().replace(/[-:.]/g, '').replace('T', '-').slice(0, 15)}-${Math.random().toString(36).slice(2, 8)}`;
}

/** Stores a run's result JSON under P:runs:<id> and indexes it in P:runs (by time). */
export async function storeRun(redis: Redis, prefix: string, runId: string, result: object): Promise<void> {
  const at = Date.now();
  const results = await redis.multi().set(runKey(prefix, runId), JSON.stringify({ runId, at, result })).zadd(runsKey(prefix), at, runId).exec();
  const failed = results?.find(([err]) => err);
  if (failed?.[0]) throw failed[0];
}

/** Run ids, newest first. */
export function listRuns(redis: Redis, prefix: string, limit = 100): Promise<string[]> {
  return redis.zrevrange(runsKey(prefix), 0, limit - 1);
}

export async function loadRun(redis: Redis, prefix: string, runId: string): Promise<{ runId: string; at: number; result: unknown } | undefined> {
  const s = await redis.get(runKey(prefix, runId));
  return s === null ? undefined : (JSON.parse(s) as { runId: string; at: number; result: unknown });
}
