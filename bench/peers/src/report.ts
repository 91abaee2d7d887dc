// The human-readable report: throughput, latency and CPU tables, the ratios, the targets.
import Table from 'cli-table3';
import type { PeersOptions } from './options';
import type { Ratios } from './ratios';
import type { PeersRun } from './run';

const num = (x: number | null | undefined, digits: number): string => (x != null && Number.isFinite(x) ? x.toFixed(digits) : 'n/a');
const int = (x: number): string => (Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : 'n/a');
const table = (head: string[]): Table.Table => new Table({ head, style: { head: [] } });

export function renderReport(run: PeersRun, ratios: Ratios, o: PeersOptions): string {
  const levels = [...new Set(run.rows.map((r) => r.inFlight))];
  const systems = [...new Set(run.rows.map((r) => r.system))];
  const row = (system: string, inFlight: number) => run.rows.find((r) => r.system === system && r.inFlight === inFlight);
  const out: string[] = [];
  out.push(
    `peers benchmark: ${o.payloadBytes}-byte no-op jobs, closed loop, ${o.reps} interleaved rep(s) of ${o.windowMs / 1_000} s ` +
      `(after ${o.warmupMs / 1_000} s warm-up), medians; load average ${run.loadAverage.start.map((x) => x.toFixed(2)).join(' ')} at start, ` +
      `${run.loadAverage.end.map((x) => x.toFixed(2)).join(' ')} at end; ${run.durationSec.toFixed(0)} s`,
  );

  const tput = table(['jobs/s', ...levels.map((l) => `${l} in flight`)]);
  for (const s of systems) tput.push([s, ...levels.map((l) => int(row(s, l)?.jobsPerSec ?? Number.NaN))]);
  out.push(tput.toString());

  const lat = table(['latency p50 / p99 (ms)', ...levels.map((l) => `${l} in flight`)]);
  for (const s of systems) lat.push([s, ...levels.map((l) => `${num(row(s, l)?.p50Ms, 2)} / ${num(row(s, l)?.p99Ms, 2)}`)]);
  out.push(lat.toString());

  const cpuLevel = levels.includes(64) ? 64 : levels[levels.length - 1]!;
  const cpu = table([`CPU ms per job at ${cpuLevel} in flight`, 'total', 'client', 'dispatcher', 'worker / responder / server', 'broker']);
  for (const s of systems) {
    const c = row(s, cpuLevel)?.cpuMsPerJob ?? {};
    cpu.push([s, num(c.total, 3), num(c.client, 3), num(c.dispatcher, 3), num(c.worker ?? c.responder ?? c.server, 3), num(c.broker, 3)]);
  }
  out.push(cpu.toString());

  const rat = table(['ratio of jobs/s', ...levels.map((l) => `${l} in flight`)]);
  const by = (f: (r: Ratios['byInFlight'][number]) => number | string | null) => levels.map((l) => {
    const r = ratios.byInFlight.find((x) => x.inFlight === l);
    const v = r ? f(r) : null;
    if (typeof v === 'number') return Number.isFinite(v) ? `${num(v, 2)}x` : 'n/a';
    return v ?? 'n/a';
  });
  rat.push(
    ['best BullMQ concurrency', ...by((r) => r.bestBullmq)],
    ['jiq-grpc / best BullMQ', ...by((r) => r.jiqGrpcOverBestBullmq)],
    ['jiq-nats / best BullMQ', ...by((r) => r.jiqNatsOverBestBullmq)],
    ['jiq-grpc / grpc-echo', ...by((r) => r.jiqGrpcOverEcho)],
    ['jiq-nats / grpc-echo', ...by((r) => r.jiqNatsOverEcho)],
    ['jiq-grpc / nats-queue-group', ...by((r) => r.jiqGrpcOverNatsQueueGroup)],
    ['jiq-grpc / best BullMQ, paired per rep', ...by((r) => r.paired.jiqGrpcOverBestBullmq)],
    ['jiq-grpc / grpc-echo, paired per rep', ...by((r) => r.paired.jiqGrpcOverEcho)],
  );
  out.push(rat.toString());

  if (run.openLoop.length > 0) {
    const ol = table([`open loop ${run.openLoop[0]!.ratePerSec} jobs/s`, 'p50 ms', 'p99 ms', 'CPU ms/job', 'jobs']);
    for (const r of run.openLoop) ol.push([r.system, num(r.p50Ms, 2), num(r.p99Ms, 2), num(r.cpuMsPerJob.total, 3), String(r.jobs)]);
    out.push(ol.toString());
    if (ratios.openLoop) {
      const b = ratios.openLoop.bestBullmq ?? 'BullMQ';
      out.push(`p50 ratios at ${ratios.openLoop.ratePerSec} jobs/s: jiq-grpc / ${b} ${num(ratios.openLoop.jiqGrpcP50OverBullmqP50, 2)}x, jiq-nats / ${b} ${num(ratios.openLoop.jiqNatsP50OverBullmqP50, 2)}x`);
    }
  }
  for (const t of ratios.targets) {
    const bound = `${t.rule === 'atLeast' ? '>=' : '<='} ${t.threshold}${t.goal === null ? '' : `, goal ${t.goal}`}`;
    out.push(`target ${t.met ? 'MET' : 'NOT MET'}: ${t.name} = ${num(t.value, 2)} (${bound}; paired per rep ${num(t.paired, 2)})`);
  }
  return `${out.join('\n')}\n`;
}
