import { ARRIVAL_PROCESSES } from '@jiq/client';
import { DISPATCH_POLICIES, PROBE_MODES, TOKEN_SELECTIONS } from '@jiq/core';
import { SPEEDS_SYNTAX } from '@jiq/sim';
import type { Command } from 'commander';
import { parseChoice, parseNonNegativeInt, parseNumber, parsePositiveInt } from '../options';

/** Adds the cluster flags of DESIGN.md's contract to a command (cluster, experiment). */
export function addClusterFlags(cmd: Command, defaults: { dispatchers?: number; workers?: number } = {}): Command {
  return cmd
    .option('--dispatchers <m>', `dispatcher processes (default ${defaults.dispatchers ?? 'none'})`, parsePositiveInt('--dispatchers'))
    .option('--m <M>', 'same as --dispatchers (the simulator\'s name)', parsePositiveInt('--m'))
    .option('--workers <n>', `worker processes (default ${defaults.workers ?? 'none'})`, parsePositiveInt('--workers'))
    .option('--n <N>', 'same as --workers (the simulator\'s name; servers = n x --slots)', parsePositiveInt('--n'))
    .option('--policy <policy>', `dispatch policy (see jiq policies): ${DISPATCH_POLICIES.join(' | ')}`, parseChoice('--policy', DISPATCH_POLICIES), 'jiq')
    .option('--slots <k>', 'servers per worker process', parsePositiveInt('--slots'), 1)
    .requiredOption('--lambda <L>', 'load per server, in (0, 1)', parseNumber('--lambda'))
    .option('--d <d>', 'dispatchers probed by an idle server (jiq, jiq-pod); servers probed per job (jsq-d, default 2)', parsePositiveInt('--d'))
    .option('--fallback-d <d>', 'servers probed by jiq-pod\'s fallback', parsePositiveInt('--fallback-d'), 2)
    .option('--speeds <spec>', `server speeds: ${SPEEDS_SYNTAX}`)
    .option('--withdraw', 'withdraw tokens when work comes from elsewhere')
    .option('--no-withdraw', 'never withdraw tokens (default; at most one outstanding per server)')
    .option('--multi-token', 'without withdrawals: a token on every idle transition', false)
    .option('--select <policy>', `token selection: ${TOKEN_SELECTIONS.join(' | ')}`, parseChoice('--select', TOKEN_SELECTIONS), 'fcfs')
    .option('--probe <mode>', 'distinct | replace (replace allows --d > --dispatchers)', parseChoice('--probe', PROBE_MODES), 'distinct')
    .option('--jobs <spec>', 'job sizes: exp | det | hyperexp:SCV:F[:alt] | erlang:K | ...', 'exp')
    .option('--mean-service-ms <ms>', 'service time of a size-1 job', parseNumber('--mean-service-ms'), 50)
    .option('--duration <sec>', 'load duration in seconds', parseNumber('--duration'), 20)
    .option('--warmup <sec>', 'unmeasured start of the load (default: 15% of --duration, at most 15 s)', parseNumber('--warmup'))
    .option('--seed <s>', 'seed of every random choice', parseNonNegativeInt('--seed'), 1)
    .option('--arrivals <process>', 'fixed-count: Poisson conditioned on its count (default) | poisson', parseChoice('--arrivals', ARRIVAL_PROCESSES), 'fixed-count')
    .option('--transport <name>', 'grpc | nats', parseChoice('--transport', ['grpc', 'nats'] as const), 'grpc')
    .option('--allow-overload', 'accept --lambda >= 1', false)
    .option('--child-log-level <level>', 'log level of the spawned processes', 'warn');
}
