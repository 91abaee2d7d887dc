import { startDispatcher } from '@jiq/dispatcher';
import { createLogger, type DispatcherServer } from '@jiq/shared';
import { Option, type Command } from 'commander';
import { DISPATCH_POLICIES, TOKEN_SELECTIONS, type DispatchPolicyName, type TokenSelectionName } from '@jiq/core';
import { parseChoice, parseNonNegativeInt, parsePositiveInt } from '../options';
import { addMetricsFlags, metricsOf, type RawMetricsFlags } from '../metrics-flags';
import { printResult } from '../output';
import { DEFAULT_GIVE_UP_AFTER_MS, exitWhenUnreachable, GIVE_UP_HELP, onShutdown } from '../process-lifecycle';
import { addDispatcherSecurityFlags, resolveDispatcherSecurity, type RawSecurityFlags } from '../security-flags';
import { addScaleOutFlags, membershipOf, natsDispatcherTransport, resolveScaleOut, type RawScaleOutFlags } from '../scale-out';

export function registerDispatcherCommand(program: Command): void {
  addDispatcherSecurityFlags(addMetricsFlags(addScaleOutFlags(program
    .command('dispatcher')), 'the --host'))
    .description('run one dispatcher process (gRPC server); prints {"event":"ready",...} when listening')
    .option('--id <id>', 'dispatcher id (default: generated)')
    .addOption(new Option('--host <host>', 'interface to listen on (gRPC)').env('JIQ_HOST').default('127.0.0.1'))
    .option('--port <port>', 'port to listen on (0 = any free port)', parseNonNegativeInt('--port'), 7400)
    .option('--policy <policy>', `dispatch policy (see jiq policies): ${DISPATCH_POLICIES.join(' | ')}`, parseChoice('--policy', DISPATCH_POLICIES), 'jiq')
    .option('--select <sel>', `token selection: ${TOKEN_SELECTIONS.join(' | ')}`, parseChoice('--select', TOKEN_SELECTIONS), 'fcfs')
    .option('--d <d>', 'servers probed per job by jsq-d (default 2)', parsePositiveInt('--d'))
    .option('--fallback-d <d>', 'servers probed by jiq-pod\'s fallback', parsePositiveInt('--fallback-d'), 2)
    .option('--probe-timeout-ms <ms>', 'a server probe unanswered after this counts as an infinite queue', parsePositiveInt('--probe-timeout-ms'), 1000)
    .option('--max-payload-bytes <n>', 'refuse larger payloads with INVALID_ARGUMENT', parsePositiveInt('--max-payload-bytes'), 4 * 1024 * 1024)
    .option('--seed <n>', 'seed of the dispatcher\'s random choices', parseNonNegativeInt('--seed'))
    .addOption(new Option('--max-slots-per-worker <k>', 'refuse a worker announcing more slots').env('JIQ_MAX_SLOTS_PER_WORKER')
      .argParser(parsePositiveInt('--max-slots-per-worker')).default(64))
    .option('--job-timeout-ms <ms>', 'a worker must answer a job within this, else it is re-dispatched, then DEADLINE_EXCEEDED (0 = never)', parseNonNegativeInt('--job-timeout-ms'), 60_000)
    .option('--max-attempts <n>', 'dispatch attempts per job (worker lost or timed out)', parsePositiveInt('--max-attempts'), 3)
    .option('--max-worker-timeouts <n>', 'drop a worker after this many job timeouts in a row', parsePositiveInt('--max-worker-timeouts'), 3)
    .option('--max-in-flight <n>', 'jobs held at once; beyond, RESOURCE_EXHAUSTED', parsePositiveInt('--max-in-flight'), 100_000)
    .option('--max-streams <n>', 'client and worker streams at once', parsePositiveInt('--max-streams'), 10_000)
    .option('--drain-timeout-ms <ms>', 'on SIGTERM: how long to wait for in-flight jobs', parseNonNegativeInt('--drain-timeout-ms'), 30_000)
    .addOption(new Option('--give-up-after-ms <ms>', GIVE_UP_HELP).env('JIQ_GIVE_UP_AFTER_MS').argParser(parseNonNegativeInt('--give-up-after-ms')).default(DEFAULT_GIVE_UP_AFTER_MS))
    .option('--log-level <level>', 'fatal|error|warn|info|debug|trace|silent (default: JIQ_LOG_LEVEL or info)')
    .option('--exit-with-parent', 'exit when stdin closes (used by jiq cluster)', false)
    .option('--json', 'print the ready line as JSON', false)
    .action(async (o: RawScaleOutFlags & RawMetricsFlags & RawSecurityFlags & {
      maxSlotsPerWorker: number; id?: string; host: string; port: number; policy: DispatchPolicyName; select: TokenSelectionName; d?: number;
      fallbackD: number; probeTimeoutMs: number; maxPayloadBytes: number;
      seed?: number; logLevel?: string; exitWithParent: boolean; json: boolean;
      giveUpAfterMs: number; jobTimeoutMs: number; maxAttempts: number; maxWorkerTimeouts: number; maxInFlight: number; maxStreams: number; drainTimeoutMs: number;
    }) => {
      const scale = resolveScaleOut(o);
      const security = resolveDispatcherSecurity(o, scale.transport);
      const logger = createLogger('jiq-dispatcher', o.logLevel);
      // Over NATS the server is kept to watch its broker link (a gRPC dispatcher has no broker).
      let server: DispatcherServer | undefined;
      const nats = scale.transport === 'nats' ? natsDispatcherTransport(scale, logger) : undefined;
      const handle = await startDispatcher({
        id: o.id ?? process.env.JIQ_DISPATCHER_ID, host: o.host, port: o.port, policy: o.policy, select: o.select, d: o.d,
        fallbackD: o.fallbackD, probeTimeoutMs: o.probeTimeoutMs,
        maxPayloadBytes: o.maxPayloadBytes, seed: o.seed, logger, maxSlotsPerWorker: o.maxSlotsPerWorker, ...security,
        jobTimeoutMs: o.jobTimeoutMs, maxAttempts: o.maxAttempts, maxWorkerTimeouts: o.maxWorkerTimeouts,
        maxInFlight: o.maxInFlight, maxStreams: o.maxStreams, drainTimeoutMs: o.drainTimeoutMs,
        transport: nats ? async (handlers, x) => (server = await nats(handlers, x)) : undefined,
        membership: membershipOf(scale), metrics: metricsOf(o, o.host),
      });
      const metrics = handle.metricsAddress;
      printResult({ event: 'ready', role: 'dispatcher', id: handle.id, address: handle.address, pid: process.pid, ...(metrics ? { metrics } : {}) }, o.json,
        () => `dispatcher ${handle.id} listening on ${handle.address}${metrics ? ` (metrics on http://${metrics}/metrics)` : ''}`);
      onShutdown(() => handle.close(), { exitWithParent: o.exitWithParent });
      exitWhenUnreachable({
        reachable: () => server?.brokerUp?.() !== false,
        giveUpAfterMs: o.giveUpAfterMs,
        what: () => `the NATS server (${scale.natsUrl})`,
        close: () => handle.close(),
      });
    });
}
