import { readFileSync } from 'node:fs';
import { ARRIVAL_PROCESSES, JiqClient, runLoad, type ArrivalProcess } from '@jiq/client';
import { JiqConfigError, JiqUnavailableError, parseJobSpec } from '@jiq/core';
import { connectRedis, createLogger, liveMembers } from '@jiq/shared';
import { Option, type Command } from 'commander';
import { parseAddressList, parseNonNegativeInt, parseNumber, parsePositiveInt, parseChoice } from '../options';
import { printResult } from '../output';
import { DEFAULT_GIVE_UP_AFTER_MS, exitWhenUnreachable, GIVE_UP_HELP } from '../process-lifecycle';
import { addPeerSecurityFlags, resolvePeerSecurity, type RawSecurityFlags } from '../security-flags';
import { addScaleOutFlags, createConnector, resolveScaleOut, type RawScaleOutFlags } from '../scale-out';

interface LoadFlags extends RawScaleOutFlags, RawSecurityFlags {
  dispatchers?: string[]; workers?: number; slots: number; lambda: number; jobs: string; meanServiceMs: number;
  duration: number; warmup?: number; seed: number; waitMs: number; json: boolean; arrivals: ArrivalProcess; giveUpAfterMs: number;
}

/** Dispatchers from --dispatchers, else the live members in Redis (waiting up to waitMs for one). */
async function dispatcherList(f: LoadFlags, redisUrl: string | undefined, prefix: string, redisTlsCaFile?: string): Promise<string[]> {
  if (f.dispatchers) return f.dispatchers;
  if (!redisUrl) throw new JiqConfigError('--dispatchers', 'is required without --redis');
  const redis = await connectRedis(redisUrl, { tlsCaFile: redisTlsCaFile });
  try {
    const deadline = Date.now() + f.waitMs;
    for (;;) {
      const live = await liveMembers(redis, prefix, 'dispatcher');
      if (live.length > 0) return live;
      if (Date.now() > deadline) throw new JiqUnavailableError(`no live dispatcher in Redis under "${prefix}" after ${f.waitMs} ms`);
      await new Promise((r) => setTimeout(r, 250));
    }
  } finally {
    redis.disconnect();
  }
}

/**
 * Worker processes from --workers, else those live in Redis now (compose: the load follows
 * `--scale worker=N` without repeating N).
 */
async function workerCount(f: LoadFlags, redisUrl: string | undefined, prefix: string, redisTlsCaFile?: string): Promise<number> {
  if (f.workers !== undefined) return f.workers;
  if (!redisUrl) throw new JiqConfigError('--workers', 'is required without --redis');
  const redis = await connectRedis(redisUrl, { tlsCaFile: redisTlsCaFile });
  try {
    const live = await liveMembers(redis, prefix, 'worker');
    if (live.length === 0) throw new JiqUnavailableError(`no live worker in Redis under "${prefix}": give --workers or start workers first`);
    return live.length;
  } finally {
    redis.disconnect();
  }
}

export function registerLoadCommand(program: Command): void {
  addPeerSecurityFlags(addScaleOutFlags(program.command('load')))
    .description('drive an open-loop Poisson load at a running cluster and print the LoadResult')
    .addOption(new Option('--dispatchers <list>', 'dispatcher addresses (default with --redis: the live members)').env('JIQ_DISPATCHERS').argParser(parseAddressList('--dispatchers')))
    .addOption(new Option('--workers <n>', 'worker processes in the cluster (sets the rate; default with --redis: the live workers)').env('JIQ_WORKERS').argParser(parsePositiveInt('--workers')))
    .option('--slots <k>', 'servers per worker', parsePositiveInt('--slots'), 1)
    .requiredOption('--lambda <L>', 'load per server', parseNumber('--lambda'))
    .option('--jobs <spec>', 'job sizes', 'exp')
    .option('--mean-service-ms <ms>', 'service time of a size-1 job (as the workers run it)', parseNumber('--mean-service-ms'), 50)
    .option('--duration <sec>', 'load duration', parseNumber('--duration'), 20)
    .option('--warmup <sec>', 'unmeasured start (default 15% of --duration)', parseNumber('--warmup'))
    .option('--seed <s>', 'seed', parseNonNegativeInt('--seed'), 1)
    .option('--arrivals <process>', 'fixed-count: Poisson conditioned on its count (default) | poisson', parseChoice('--arrivals', ARRIVAL_PROCESSES), 'fixed-count')
    .option('--wait-ms <ms>', 'with --redis: wait this long for a first dispatcher', parsePositiveInt('--wait-ms'), 30_000)
    .option('--json', 'print one JSON object', false)
    .addOption(new Option('--give-up-after-ms <ms>', GIVE_UP_HELP).env('JIQ_GIVE_UP_AFTER_MS').argParser(parseNonNegativeInt('--give-up-after-ms')).default(DEFAULT_GIVE_UP_AFTER_MS))
    .action(async (f: LoadFlags) => {
      const scale = resolveScaleOut(f);
      const security = resolvePeerSecurity(f, scale.transport);
      if (!(f.lambda > 0)) throw new JiqConfigError('--lambda', 'must be > 0', f.lambda);
      if (!(f.meanServiceMs > 0)) throw new JiqConfigError('--mean-service-ms', 'must be > 0', f.meanServiceMs);
      if (!(f.duration > 0)) throw new JiqConfigError('--duration', 'must be > 0', f.duration);
      const warmup = f.warmup ?? Math.min(f.duration * 0.15, 15);
      const jobs = parseJobSpec(f.jobs, { field: '--jobs', readFile: (path: string): string => readFileSync(path, 'utf8') });
      const log = createLogger('jiq-load', process.env.JIQ_LOG_LEVEL ?? 'warn');
      const dispatchers = await dispatcherList(f, scale.redisUrl, scale.prefix, scale.redisTlsCaFile);
      const workers = await workerCount(f, scale.redisUrl, scale.prefix, scale.redisTlsCaFile);
      // Fast keepalives: a dispatcher that stops answering is dropped within a few seconds.
      const connector = await createConnector(scale, `jiq-load-${process.pid}`, log, { ...security, keepaliveMs: 1_000 });
      const client = new JiqClient({ dispatchers, connector, seed: f.seed, logger: log });
      exitWhenUnreachable({
        reachable: () => connector.brokerUp?.() !== false && client.connectedDispatchers > 0,
        giveUpAfterMs: f.giveUpAfterMs,
        what: () => (connector.brokerUp?.() === false ? `the NATS server (${scale.natsUrl})` : 'every dispatcher'),
        close: async () => {
          await client.close(0);
          await connector.close();
        },
      });
      try {
        await client.connect();
        const result = await runLoad(client, {
          ratePerSecond: (f.lambda * workers * f.slots * 1000) / f.meanServiceMs,
          durationMs: f.duration * 1000,
          warmupMs: warmup * 1000,
          jobs,
          seed: f.seed,
          arrivals: f.arrivals,
        });
        printResult({ dispatchers, workers, ...result }, f.json, () =>
          `${result.completed}/${result.submitted} jobs completed, ${result.lost} lost, mean response ${result.meanResponse.toFixed(3)}`);
        if (result.lost > 0 || result.failed > 0) process.exitCode = 1;
      } finally {
        await client.close(5_000);
        await connector.close();
      }
    });
}
