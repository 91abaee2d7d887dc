import { connectRedis, newRunId, storeRun } from '@jiq/shared';

/** Stores a `jiq cluster` result in Redis (P:runs:<id>, indexed in P:runs); returns the run id. */
export async function storeClusterRun(redisUrl: string, prefix: string, result: object, tlsCaFile?: string): Promise<string> {
  const redis = await connectRedis(redisUrl, { tlsCaFile });
  try {
    const runId = newRunId();
    await storeRun(redis, prefix, runId, result);
    return runId;
  } finally {
    redis.disconnect();
  }
}
