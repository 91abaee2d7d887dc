import { createLogger } from '@jiq/shared';
import { loadHandler, startWorker } from '@jiq/worker';
import { DISPATCH_POLICIES, JiqConfigError, PROBE_MODES, type DispatchPolicyName } from '@jiq/core';
import { Option, type Command } from 'commander';
import { parseAddressList, parseChoice, parseNonNegativeInt, parseNumber, parsePositiveInt } from '../options';
import { addMetricsFlags, metricsOf, type RawMetricsFlags } from '../metrics-flags';
import { printResult } from '../output';
import { DEFAULT_GIVE_UP_AFTER_MS, exitWhenUnreachable, GIVE_UP_HELP, onShutdown } from '../process-lifecycle';
import { addPeerSecurityFlags, resolvePeerSecurity, type RawSecurityFlags } from '../security-flags';
import { addScaleOutFlags, createConnector, membershipOf, resolveScaleOut, type RawScaleOutFlags } from '../scale-out';

export function registerWorkerCommand(program: Command): void {
  addPeerSecurityFlags(addMetricsFlags(addScaleOutFlags(program
    .command('worker')), '127.0.0.1'))
    .description('run one worker process hosting --slots servers; runs your --handler module, or synthetic jobs of size x --mean-service-ms')
    .addOption(new Option('--handler <module>', 'your job handler: an ES module or CommonJS file (default export or named "handler") or a package name')
      .env('JIQ_HANDLER'))
    .addOption(new Option('--dispatchers <list>', 'comma-separated dispatcher addresses (host:port, or ids over NATS); optional with --redis')
      .env('JIQ_DISPATCHERS').argParser(parseAddressList('--dispatchers')))
    .option('--id <id>', 'worker id (default: generated)')
    .option('--slots <k>', 'servers in this process', parsePositiveInt('--slots'), 1)
    .option('--policy <policy>', `the cluster's dispatch policy: tokens only for jiq | jiq-pod (${DISPATCH_POLICIES.join(' | ')})`, parseChoice('--policy', DISPATCH_POLICIES), 'jiq')
    .option('--d <d>', 'dispatchers probed by an idle server (1 = JIQ-Random)', parsePositiveInt('--d'), 1)
    .option('--probe <mode>', 'distinct | replace', parseChoice('--probe', PROBE_MODES), 'distinct')
    .option('--withdraw', 'withdraw a token when a job arrives from elsewhere')
    .option('--no-withdraw', 'never withdraw tokens (default; at most one outstanding per server)')
    .option('--multi-token', 'without withdrawals: place a token on every idle transition', false)
    .option('--mean-service-ms <ms>', 'service time of a size-1 synthetic job', parseNumber('--mean-service-ms'), 50)
    .option('--speed <list>', 'relative speed of this worker\'s slots: one number, or one per slot (comma list, cycled)', parseSpeedList, [1])
    .option('--seed <n>', 'seed of the probe choices', parseNonNegativeInt('--seed'))
    .option('--connect-timeout-ms <ms>', 'each dispatcher must answer within this', parsePositiveInt('--connect-timeout-ms'), 5000)
    .addOption(new Option('--give-up-after-ms <ms>', GIVE_UP_HELP).env('JIQ_GIVE_UP_AFTER_MS').argParser(parseNonNegativeInt('--give-up-after-ms')).default(DEFAULT_GIVE_UP_AFTER_MS))
    .option('--log-level <level>', 'fatal|error|warn|info|debug|trace|silent')
    .option('--exit-with-parent', 'exit when stdin closes (used by jiq cluster)', false)
    .option('--json', 'print the ready line as JSON', false)
    .action(async (o: RawScaleOutFlags & RawMetricsFlags & RawSecurityFlags & {
      dispatchers?: string[]; id?: string; slots: number; policy: DispatchPolicyName; d: number; probe: 'distinct' | 'replace'; withdraw?: boolean;
      multiToken: boolean; meanServiceMs: number; speed: number[]; seed?: number; connectTimeoutMs: number; giveUpAfterMs: number;
      logLevel?: string; exitWithParent: boolean; json: boolean; handler?: string;
    }) => {
      const scale = resolveScaleOut(o);
      if (!o.dispatchers && !scale.redisUrl) throw new JiqConfigError('--dispatchers', 'is required without --redis');
      // Loaded before connecting, so a bad module fails with nothing half-started.
      const handler = o.handler === undefined ? undefined : await loadHandler(o.handler);
      const logger = createLogger('jiq-worker', o.logLevel);
      const connector = await createConnector(scale, `jiq-worker-${process.pid}`, logger, resolvePeerSecurity(o, scale.transport));
      let handle;
      try {
        handle = await startWorker({
          dispatchers: o.dispatchers ?? [], connector, membership: membershipOf(scale), id: o.id, slots: o.slots, policy: o.policy, d: o.d, probe: o.probe, withdraw: o.withdraw,
          tokens: o.multiToken ? 'multi' : 'one', meanServiceMs: o.meanServiceMs, speed: o.speed, seed: o.seed,
          connectTimeoutMs: o.connectTimeoutMs, logger, handler, metrics: metricsOf(o, '127.0.0.1'),
        });
      } catch (err) {
        // The connector (a NATS connection) would keep the process alive after the error.
        await connector.close();
        throw err;
      }
      const started = handle;
      printResult({ event: 'ready', role: 'worker', id: started.id, pid: process.pid, ...(started.metricsAddress ? { metrics: started.metricsAddress } : {}) }, o.json,
        () => `worker ${started.id} ready${started.metricsAddress ? ` (metrics on http://${started.metricsAddress}/metrics)` : ''}`);
      const close = async (): Promise<void> => {
        await handle.close();
        await connector.close();
      };
      onShutdown(close, { exitWithParent: o.exitWithParent });
      exitWhenUnreachable({
        reachable: () => connector.brokerUp?.() !== false && started.readyDispatchers() > 0,
        giveUpAfterMs: o.giveUpAfterMs,
        what: () => (connector.brokerUp?.() === false ? `the NATS server (${scale.natsUrl})` : 'every dispatcher'),
        close,
      });
    });
}

function parseSpeedList(raw: string): number[] {
  const list = raw.split(',').map((x) => (x.trim() === '' ? NaN : Number(x)));
  for (const v of list) {
    if (!(Number.isFinite(v) && v > 0)) throw new JiqConfigError('--speed', 'each speed must be a finite number > 0', raw);
  }
  return list;
}
