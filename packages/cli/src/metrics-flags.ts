import { JiqConfigError } from '@jiq/core';
import { Option, type Command } from 'commander';
import { parseNonNegativeInt } from './options';

export interface RawMetricsFlags {
  metricsPort?: number;
  metricsHost?: string;
}

/** Adds --metrics-port and --metrics-host (JIQ_METRICS_PORT / JIQ_METRICS_HOST, for compose). */
export function addMetricsFlags(cmd: Command, defaultHost: string): Command {
  return cmd
    .addOption(
      new Option('--metrics-port <port>', 'serve GET /metrics (Prometheus), /healthz and /readyz on this port (0 = any free port)')
        .env('JIQ_METRICS_PORT')
        .argParser(parseNonNegativeInt('--metrics-port')),
    )
    .addOption(new Option('--metrics-host <host>', `interface of the metrics port (default: ${defaultHost})`).env('JIQ_METRICS_HOST'));
}

/** The library's `metrics` option from the flags (undefined: no endpoint). */
export function metricsOf(f: RawMetricsFlags, defaultHost: string): { port: number; host: string } | undefined {
  return f.metricsPort === undefined ? undefined : { port: f.metricsPort, host: f.metricsHost ?? defaultHost };
}

/**
 * `jiq cluster --metrics-port P`: one port per child process at a fixed offset, so a scrape
 * config can be written before the run: dispatchers P, P+1, …, P+m−1, then workers P+m, …,
 * P+m+n−1. P = 0: every child takes any free port (the run prints and returns which).
 * No environment variable: JIQ_METRICS_PORT names one process's port, not a base.
 */
export function addClusterMetricsFlags(cmd: Command): Command {
  return cmd
    .addOption(
      new Option('--metrics-port <port>', 'serve /metrics, /healthz, /readyz from every child: dispatchers on PORT, PORT+1, …, then workers (0 = any free port each)')
        .argParser(parseNonNegativeInt('--metrics-port')),
    )
    .addOption(new Option('--metrics-host <host>', 'interface of the children\'s metrics ports (default: 127.0.0.1)'));
}

/** Where one child of `jiq cluster` serves /metrics, /healthz and /readyz. */
export interface MetricsEndpoint {
  role: 'dispatcher' | 'worker';
  id: string;
  /** host:port. */
  address: string;
}

/** The --metrics-port flag of the i-th dispatcher or worker child (P + offset; 0 stays 0). */
export function childMetricsPort(base: number, role: 'dispatcher' | 'worker', i: number, dispatchers: number): number {
  if (base === 0) return 0;
  return base + (role === 'dispatcher' ? i : dispatchers + i);
}

/** Refuses a base port whose range would pass 65535, naming the flag and the range. */
export function validateClusterMetricsPort(base: number | undefined, dispatchers: number, workers: number): void {
  if (base === undefined || base === 0) return;
  const last = base + dispatchers + workers - 1;
  if (last > 65535) {
    throw new JiqConfigError('--metrics-port', `needs ${dispatchers + workers} consecutive ports (one per dispatcher and worker): ${base}..${last} passes 65535`, base);
  }
}
