import { createLogger } from '@jiq/shared';
import { startWorker } from '@jiq/worker';
import type { Command } from 'commander';
import { parseAddressList, parseChoice, parseNonNegativeInt, parseNumber, parsePositiveInt } from '../options';
import { printResult } from '../output';
import { onShutdown } from '../process-lifecycle';

export function registerWorkerCommand(program: Command): void {
  program
    .command('worker')
    .description('run one worker process hosting --slots servers; serves synthetic jobs for size x --mean-service-ms')
    .requiredOption('--dispatchers <list>', 'comma-separated dispatcher addresses (host:port)', parseAddressList('--dispatchers'))
    .option('--id <id>', 'worker id (default: generated)')
    .option('--slots <k>', 'servers in this process', parsePositiveInt('--slots'), 1)
    .option('--d <d>', 'dispatchers probed by an idle server (1 = JIQ-Random)', parsePositiveInt('--d'), 1)
    .option('--probe <mode>', 'distinct | replace', parseChoice('--probe', ['distinct', 'replace'] as const), 'distinct')
    .option('--withdraw', 'withdraw a token when a job arrives from elsewhere (default)')
    .option('--no-withdraw', 'never withdraw tokens (at most one outstanding per server)')
    .option('--multi-token', 'without withdrawals: place a token on every idle transition', false)
    .option('--mean-service-ms <ms>', 'service time of a size-1 synthetic job', parseNumber('--mean-service-ms'), 50)
    .option('--speed <x>', 'relative speed of this worker', parseNumber('--speed'), 1)
    .option('--seed <n>', 'seed of the probe choices', parseNonNegativeInt('--seed'))
    .option('--connect-timeout-ms <ms>', 'each dispatcher must answer within this', parsePositiveInt('--connect-timeout-ms'), 5000)
    .option('--log-level <level>', 'fatal|error|warn|info|debug|trace|silent')
    .option('--exit-with-parent', 'exit when stdin closes (used by jiq cluster)', false)
    .option('--json', 'print the ready line as JSON', false)
    .action(async (o: {
      dispatchers: string[]; id?: string; slots: number; d: number; probe: 'distinct' | 'replace'; withdraw: boolean;
      multiToken: boolean; meanServiceMs: number; speed: number; seed?: number; connectTimeoutMs: number;
      logLevel?: string; exitWithParent: boolean; json: boolean;
    }) => {
      const logger = createLogger('jiq-worker', o.logLevel);
      const handle = await startWorker({
        dispatchers: o.dispatchers, id: o.id, slots: o.slots, d: o.d, probe: o.probe, withdraw: o.withdraw,
        tokens: o.multiToken ? 'multi' : 'one', meanServiceMs: o.meanServiceMs, speed: o.speed, seed: o.seed,
        connectTimeoutMs: o.connectTimeoutMs, logger,
      });
      printResult({ event: 'ready', role: 'worker', id: handle.id, pid: process.pid }, o.json, () => `worker ${handle.id} ready`);
      onShutdown(() => handle.close(), { exitWithParent: o.exitWithParent });
    });
}
