import { JiqConfigError } from '@jiq/core';
import {
  connectRedis,
  DEFAULT_CLUSTER_PREFIX,
  listRuns,
  readClusterMetrics,
  summariseClusterMetrics,
  validateClusterPrefix,
} from '@jiq/shared';
import { Option, type Command } from 'commander';
import { parsePositiveInt } from '../options';
import { printResult } from '../output';
import { renderStats } from '../stats/render-stats';
import { withRedisPassword } from '../scale-out';

interface StatsFlags {
  redis?: string; redisPasswordFile?: string; redisTlsCa?: string; cluster: string; watch: boolean; intervalMs: number; runs: boolean; json: boolean;
}

export function registerStatsCommand(program: Command): void {
  program
    .command('stats')
    .description('cluster-wide q0, mean response and I-queue lengths from the counters every process publishes to Redis')
    .addOption(new Option('--redis <url>', 'Redis URL the processes publish to').env('JIQ_REDIS_URL'))
    .addOption(new Option('--redis-password-file <file>', 'file holding the Redis password, put into the --redis URL').env('JIQ_REDIS_PASSWORD_FILE'))
    .addOption(new Option('--redis-tls-ca <file>', 'with a rediss:// URL: the CA of the Redis server').env('JIQ_REDIS_TLS_CA'))
    .addOption(new Option('--cluster <prefix>', 'cluster prefix of the Redis keys').env('JIQ_CLUSTER').default(DEFAULT_CLUSTER_PREFIX))
    .option('--watch', 'print again every --interval-ms until interrupted', false)
    .option('--interval-ms <ms>', 'with --watch', parsePositiveInt('--interval-ms'), 1000)
    .option('--runs', 'also list the stored `jiq cluster` run ids (newest first)', false)
    .option('--json', 'print one JSON object (per interval with --watch)', false)
    .action(async (f: StatsFlags) => {
      if (!f.redis) throw new JiqConfigError('--redis', 'is required (or set JIQ_REDIS_URL)');
      if (!/^rediss?:\/\//.test(f.redis)) throw new JiqConfigError('--redis', 'must be a URL like redis://host:6379', f.redis);
      const prefix = validateClusterPrefix(f.cluster);
      const redis = await connectRedis(withRedisPassword(f.redis, f.redisPasswordFile)!, { tlsCaFile: f.redisTlsCa || undefined });
      let stop = false;
      const onSignal = (): void => {
        stop = true;
      };
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      try {
        for (;;) {
          const summary = { cluster: prefix, ...summariseClusterMetrics(await readClusterMetrics(redis, prefix)) };
          const runs = f.runs ? await listRuns(redis, prefix, 20) : undefined;
          const out = runs ? { ...summary, runs } : summary;
          printResult(out, f.json, () => renderStats(summary, runs));
          if (!f.watch || stop) break;
          await new Promise((r) => setTimeout(r, f.intervalMs));
          if (stop) break;
        }
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        redis.disconnect();
      }
    });
}
