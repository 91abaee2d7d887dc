import { startDashboard, type DashboardHandle } from '@jiq/dashboard';
import type { Logger } from '@jiq/shared';
import type { Command } from 'commander';
import { parseNonNegativeInt } from '../options';

/** Adds --dashboard-port (jiq cluster, jiq experiment): the live page of the running point. */
export function addDashboardFlags(cmd: Command): Command {
  return cmd
    .option('--dashboard-port <port>', 'serve the live dashboard of the running point on this port (0 = any free port)', parseNonNegativeInt('--dashboard-port'))
    .option('--dashboard-host <host>', 'interface of the dashboard (default loopback: it has no authentication)', '127.0.0.1');
}

/** Starts the dashboard when --dashboard-port was given; says where on stderr (stdout is the result). */
export async function openDashboard(f: { dashboardPort?: number; dashboardHost?: string }, log: Logger): Promise<DashboardHandle | undefined> {
  if (f.dashboardPort === undefined) return undefined;
  const dashboard = await startDashboard({ port: f.dashboardPort, host: f.dashboardHost, log });
  process.stderr.write(`jiq: dashboard at ${dashboard.url}\n`);
  return dashboard;
}
