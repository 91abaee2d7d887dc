import { createLogger } from '@jiq/shared';
import type { Command } from 'commander';
import { addClusterFlags } from '../cluster/cluster-flags';
import { addDashboardFlags, openDashboard } from '../dashboard/dashboard-flag';
import { validateClusterFlags, type RawClusterFlags } from '../cluster/cluster-params';
import { renderClusterResult } from '../cluster/render';
import { runCluster } from '../cluster/run-cluster';
import { addClusterMetricsFlags, validateClusterMetricsPort, type RawMetricsFlags } from '../metrics-flags';
import { printResult } from '../output';
import { createProgress } from '../progress';
import { storeClusterRun } from '../stats/store-run';
import { addAuthTokenFlag, sharedToken, type RawSecurityFlags } from '../security-flags';
import { addScaleOutFlags, resolveScaleOut, type RawScaleOutFlags } from '../scale-out';

const CLUSTER_DEFAULTS = { dispatchers: 2, workers: 10 };

export function registerClusterCommand(program: Command): void {
  addClusterMetricsFlags(addDashboardFlags(addAuthTokenFlag(addScaleOutFlags(addClusterFlags(
    program
      .command('cluster')
      .description('start m dispatcher and n worker processes, drive an open-loop Poisson load, print the measurements'),
    CLUSTER_DEFAULTS,
  ), { transport: false }))))
    .option('--json', 'print one JSON object', false)
    .option('--tls', 'gRPC over TLS: a CA made for this run (openssl) signs the dispatchers\' certificate; workers and the load trust it', false)
    .action(async (flags: RawClusterFlags & RawScaleOutFlags & RawSecurityFlags & RawMetricsFlags & { json: boolean; tls: boolean; childLogLevel: string; dashboardPort?: number; dashboardHost?: string }) => {
      const p = validateClusterFlags(flags, CLUSTER_DEFAULTS);
      validateClusterMetricsPort(flags.metricsPort, p.dispatchers, p.workers);
      const scaleOut = resolveScaleOut(flags);
      const log = createLogger('jiq-cluster', process.env.JIQ_LOG_LEVEL ?? 'warn');
      const dashboard = await openDashboard(flags, log);
      const progress = createProgress(!flags.json);
      const controller = new AbortController();
      const onSigint = (): void => {
        progress.stop();
        process.stderr.write('jiq: interrupted; stopping every process\n');
        controller.abort();
      };
      process.once('SIGINT', onSigint);
      process.once('SIGTERM', onSigint);
      try {
        const result = await runCluster(p, {
          log,
          childLogLevel: flags.childLogLevel,
          scaleOut,
          dashboard,
          authToken: sharedToken(flags),
          tls: flags.tls,
          signal: controller.signal,
          ...(flags.metricsPort !== undefined ? { metrics: { port: flags.metricsPort, host: flags.metricsHost ?? '127.0.0.1' } } : {}),
          // Printed as soon as the children are up, so a scraper can be pointed at them during the run.
          onMetrics: (endpoints) => {
            for (const e of endpoints) process.stderr.write(`jiq cluster: ${e.role} ${e.id} metrics on http://${e.address}/metrics\n`);
          },
          onPhase: (t) => progress.phase(t),
          onProgress: (pr) =>
            progress.update(Math.round(pr.elapsedMs / 1000), Math.round(pr.durationMs / 1000), {
              info: `${pr.submitted} jobs, ${pr.inFlight} in flight`,
            }),
        });
        progress.stop();
        if (controller.signal.aborted) {
          process.exitCode = 130;
          return;
        }
        for (const w of result.warnings) process.stderr.write(`jiq cluster: warning: ${w}\n`);
        // With --redis the result is also stored under a run id (see `jiq stats --runs`).
        const runId = scaleOut.redisUrl ? await storeClusterRun(scaleOut.redisUrl, scaleOut.prefix, result, scaleOut.redisTlsCaFile) : undefined;
        printResult(runId ? { ...result, runId } : result, flags.json,
          () => `${renderClusterResult(result)}${runId ? `\nstored in Redis as run ${runId}` : ''}`);
      } catch (err) {
        // Killing the children on Ctrl-C makes the run fail; that is the interruption, not an error.
        if (!controller.signal.aborted) throw err;
        process.exitCode = 130;
      } finally {
        process.off('SIGINT', onSigint);
        process.off('SIGTERM', onSigint);
        await dashboard?.close();
      }
    });
}
