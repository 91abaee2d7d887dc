import { JiqConfigError } from '@jiq/core';
import {
  connectRedis,
  DEFAULT_CLUSTER_PREFIX,
  listRuns,
  readClusterMetrics,
  summariseClusterMetrics,
  validateClusterPrefix,
} from '@jiq/shared';
import { clearScreenDown, moveCursor } from 'node:readline';
import { Option, type Command } from 'commander';
import { parsePositiveInt } from '../options';
import { printResult } from '../output';
import { renderStats } from '../stats/render-stats';
import { renderWatchFrame, renderWatchLine } from '../stats/render-watch';
import { watchRates, type WatchRates } from '../stats/watch-rates';
import { withRedisPassword } from '../scale-out';

interface StatsFlags {
  redis?: string; redisPasswordFile?: string; redisTlsCa?: string; cluster: string; watch: boolean; intervalMs: number; count?: number; runs: boolean; json: boolean;
}

export function registerStatsCommand(program: Command): void {
  program
    .command('stats')
    .description('cluster-wide q0, mean response and I-queue lengths from the counters every process publishes to Redis')
    .addOption(new Option('--redis <url>', 'Redis URL the processes publish to').env('JIQ_REDIS_URL'))
    .addOption(new Option('--redis-password-file <file>', 'file holding the Redis password, put into the --redis URL').env('JIQ_REDIS_PASSWORD_FILE'))
    .addOption(new Option('--redis-tls-ca <file>', 'with a rediss:// URL: the CA of the Redis server').env('JIQ_REDIS_TLS_CA'))
    .addOption(new Option('--cluster <prefix>', 'cluster prefix of the Redis keys').env('JIQ_CLUSTER').default(DEFAULT_CLUSTER_PREFIX))
    .option('--watch', 'refresh every --interval-ms until interrupted: in place on a terminal (totals, rates per second, I-queue lengths), one plain line per interval otherwise', false)
    .option('--interval-ms <ms>', 'with --watch', parsePositiveInt('--interval-ms'), 1000)
    .option('--count <n>', 'with --watch: stop after n refreshes (default: until interrupted)', parsePositiveInt('--count'))
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
      // On a terminal the frame is redrawn in place; a pipe or file gets one line per interval.
      const tty = process.stdout.isTTY === true && !f.json;
      let drawn = 0;
      let previous: ReturnType<typeof summariseClusterMetrics> | undefined;
      let rates: WatchRates | null = null;
      let refreshes = 0;
      try {
        for (;;) {
          const summary = { cluster: prefix, ...summariseClusterMetrics(await readClusterMetrics(redis, prefix)) };
          const runs = f.runs ? await listRuns(redis, prefix, 20) : undefined;
          if (previous && summary.at !== previous.at) rates = watchRates(previous, summary);
          if (!previous || summary.at !== previous.at) previous = summary;
          if (!f.watch) {
            printResult(runs ? { ...summary, runs } : summary, f.json, () => renderStats(summary, runs));
            break;
          }
          if (f.json) {
            printResult({ ...summary, ...(runs ? { runs } : {}), rates }, true, () => '');
          } else if (tty) {
            // Cut to the terminal's width: a wrapped line would make the cursor-up count wrong.
            const width = Math.max(20, (process.stdout.columns || 120) - 1); // 0 on a pty with no size set
            const frame = [...renderWatchFrame(summary, rates, new Date(), f.intervalMs), ...(runs ? [`runs: ${runs.join(', ') || '-'}`] : [])]
              .map((line) => line.slice(0, width));
            if (drawn > 0) {
              moveCursor(process.stdout, 0, -drawn);
              clearScreenDown(process.stdout);
            }
            process.stdout.write(`${frame.join('\n')}\n`);
            drawn = frame.length;
          } else {
            process.stdout.write(`${renderWatchLine(summary, rates, new Date())}\n`);
          }
          refreshes++;
          if (stop || (f.count !== undefined && refreshes >= f.count)) break;
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
