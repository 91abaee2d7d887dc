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
