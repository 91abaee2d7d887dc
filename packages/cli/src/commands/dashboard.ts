import { JiqConfigError } from '@jiq/core';
import { startDashboard, type RunParams } from '@jiq/dashboard';
import { connectRedis, createLogger, liveMembers } from '@jiq/shared';
import { Option, type Command } from 'commander';
import { parseAddressList, parseChoice, parseNonNegativeInt, parseNumber, parsePositiveInt } from '../options';
import { printResult } from '../output';
import { onShutdown } from '../process-lifecycle';
import { addScaleOutFlags, createConnector, resolveScaleOut, type RawScaleOutFlags } from '../scale-out';
import { addPeerSecurityFlags, resolvePeerSecurity, type RawSecurityFlags } from '../security-flags';

interface DashboardFlags extends RawScaleOutFlags, RawSecurityFlags {
  port: number;
  host: string;
  dispatchers?: string[];
  intervalMs: number;
  lambda?: number;
  servers?: number;
  d: number;
  withdraw?: boolean;
  select: 'fcfs' | 'lcfs';
  probe: 'distinct' | 'replace';
  jobs: string;
  json: boolean;
  exitWithParent: boolean;
}

/** The running point from the flags, when --lambda says which one it is (else no prediction). */
function paramsOf(f: DashboardFlags, m: number): RunParams | null {
  if (f.lambda === undefined) return null;
  if (!(f.lambda > 0 && f.lambda < 1)) throw new JiqConfigError('--lambda', 'must be in (0, 1)', f.lambda);
  if (f.servers === undefined) throw new JiqConfigError('--servers', 'is required with --lambda (the n of the prediction)');
  return { n: f.servers, m, lambda: f.lambda, d: f.d, withdraw: f.withdraw ?? true, select: f.select, probe: f.probe, jobs: f.jobs };
}

/** `jiq dashboard`: the live page of a running cluster, found by address or through Redis membership. */
export function registerDashboardCommand(program: Command): void {
  // It reads Stats like a client: the token and TLS flags of workers and the load.
  addPeerSecurityFlags(addScaleOutFlags(program.command('dashboard')))
    .description('serve a live dashboard of a running cluster (I-queues, tokens, workers, q0 vs the model) and GET /api/state')
    .option('--port <port>', 'port of the page (0 = any free port)', parseNonNegativeInt('--port'), 8080)
    .addOption(new Option('--host <host>', 'interface to listen on (the page has no authentication: loopback by default)').default('127.0.0.1'))
    .addOption(new Option('--dispatchers <list>', 'comma-separated dispatcher addresses (host:port, or ids over NATS); optional with --redis')
      .env('JIQ_DISPATCHERS').argParser(parseAddressList('--dispatchers')))
    .option('--interval-ms <ms>', 'poll the dispatchers this often', parsePositiveInt('--interval-ms'), 1000)
    .option('--lambda <L>', 'load per server of the running point: the model and simulator predict q0 for it', parseNumber('--lambda'))
    .option('--servers <n>', 'servers (worker slots) of the running point, with --lambda', parsePositiveInt('--servers'))
    .option('--d <d>', 'with --lambda: dispatchers probed by an idle server', parsePositiveInt('--d'), 1)
    .option('--withdraw', 'with --lambda: workers withdraw tokens (default)')
    .option('--no-withdraw', 'with --lambda: workers never withdraw tokens')
    .option('--select <policy>', 'with --lambda: fcfs | lcfs', parseChoice('--select', ['fcfs', 'lcfs'] as const), 'fcfs')
    .option('--probe <mode>', 'with --lambda: distinct | replace', parseChoice('--probe', ['distinct', 'replace'] as const), 'distinct')
    .option('--jobs <spec>', 'with --lambda: job sizes', 'exp')
    .option('--json', 'print the ready line as JSON', false)
    .option('--exit-with-parent', 'exit when stdin closes (as jiq cluster\'s children)', false)
    .action(async (f: DashboardFlags) => {
      const scale = resolveScaleOut(f);
      if (!f.dispatchers && !scale.redisUrl) throw new JiqConfigError('--dispatchers', 'is required without --redis');
      if (f.intervalMs < 100) throw new JiqConfigError('--interval-ms', 'must be >= 100', f.intervalMs);
      const security = resolvePeerSecurity(f, scale.transport);
      const log = createLogger('jiq-dashboard', process.env.JIQ_LOG_LEVEL ?? 'warn');
      const redis = scale.redisUrl && !f.dispatchers ? await connectRedis(scale.redisUrl, { tlsCaFile: scale.redisTlsCaFile }) : undefined;
      const dispatchers = redis ? () => liveMembers(redis, scale.prefix, 'dispatcher') : () => f.dispatchers!;
      try {
        const params = paramsOf(f, (await dispatchers()).length);
        const connector = await createConnector(scale, 'jiq-dashboard', log, security);
        const dashboard = await startDashboard({
          port: f.port, host: f.host, intervalMs: f.intervalMs, log, target: { connector, dispatchers, params },
        });
        printResult({ event: 'ready', role: 'dashboard', url: dashboard.url, port: dashboard.port, pid: process.pid }, f.json,
          () => `dashboard at ${dashboard.url}`);
        onShutdown(async () => {
          await dashboard.close();
          await connector.close();
          redis?.disconnect();
        }, { exitWithParent: f.exitWithParent });
      } catch (err) {
        redis?.disconnect();
        throw err;
      }
    });
}
