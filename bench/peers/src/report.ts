// The human-readable report of a result: throughput, latency, CPU, ratios, open loop, targets —
// built once as plain sections, rendered as terminal tables (cli-table3) or as Markdown.
import Table from 'cli-table3';
import type { Ratios } from './ratios';
import type { PeersResult } from './result';

interface Section {
  readonly head: string[];
  readonly rows: string[][];
}

interface Report {
  readonly summary: string;
  readonly sections: Section[];
  readonly notes: string[];
}

const num = (x: number | null | undefined, digits: number): string => (x != null && Number.isFinite(x) ? x.toFixed(digits) : 'n/a');
const int = (x: number | undefined): string => (x !== undefined && Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : 'n/a');
const times = (x: number | null | undefined): string => (x != null && Number.isFinite(x) ? `${x.toFixed(2)}x` : 'n/a');
const loads = (xs: readonly number[]): string => xs.map((x) => x.toFixed(2)).join(' ');

// `paired` is read with ?. : results saved before paired ratios existed (docs/benchmarks/*.json) lack it.
function buildReport(r: PeersResult): Report {
  const o = r.meta.options;
  const levels = [...new Set(r.rows.map((x) => x.inFlight))];
  const systems = [...new Set(r.rows.map((x) => x.system))];
  const row = (system: string, inFlight: number) => r.rows.find((x) => x.system === system && x.inFlight === inFlight);
  const summary =
    `peers benchmark, ${r.meta.startedAt}: ${o.payloadBytes}-byte no-op jobs, ${o.reps} interleaved rep(s) of ${o.windowMs / 1_000} s ` +
    `after ${o.warmupMs / 1_000} s warm-up, medians; load average ${loads(r.meta.loadAverage.start)} at start, ` +
    `${loads(r.meta.loadAverage.end)} at end, ${r.meta.cpus} CPUs; ${r.meta.durationSec.toFixed(0)} s`;
  const sections: Section[] = [
    { head: ['jobs/s', ...levels.map((l) => `${l} in flight`)], rows: systems.map((s) => [s, ...levels.map((l) => int(row(s, l)?.jobsPerSec))]) },
    {
      head: ['latency p50 / p99 (ms)', ...levels.map((l) => `${l} in flight`)],
      rows: systems.map((s) => [s, ...levels.map((l) => `${num(row(s, l)?.p50Ms, 2)} / ${num(row(s, l)?.p99Ms, 2)}`)]),
    },
  ];
  const cpuLevel = levels.includes(64) ? 64 : levels[levels.length - 1];
  if (cpuLevel !== undefined) {
    sections.push({
      head: [`CPU ms per job at ${cpuLevel} in flight`, 'total', 'client', 'dispatcher', 'worker / responder / server', 'broker'],
      rows: systems.map((s) => {
        const c = row(s, cpuLevel)?.cpuMsPerJob ?? {};
        return [s, num(c.total, 3), num(c.client, 3), num(c.dispatcher, 3), num(c.worker ?? c.responder ?? c.server, 3), num(c.broker, 3)];
      }),
    });
  }
  const by = (f: (x: Ratios['byInFlight'][number]) => string): string[] =>
    levels.map((l) => {
      const x = r.ratios.byInFlight.find((y) => y.inFlight === l);
      return x ? f(x) : 'n/a';
    });
  sections.push({
    head: ['ratio of jobs/s', ...levels.map((l) => `${l} in flight`)],
    rows: [
      ['best BullMQ concurrency', ...by((x) => x.bestBullmq ?? 'n/a')],
      ['jiq-grpc / best BullMQ', ...by((x) => times(x.jiqGrpcOverBestBullmq))],
      ['jiq-nats / best BullMQ', ...by((x) => times(x.jiqNatsOverBestBullmq))],
      ['jiq-grpc / grpc-echo', ...by((x) => times(x.jiqGrpcOverEcho))],
      ['jiq-nats / grpc-echo', ...by((x) => times(x.jiqNatsOverEcho))],
      ['jiq-grpc / nats-queue-group', ...by((x) => times(x.jiqGrpcOverNatsQueueGroup))],
      ['jiq-grpc / best BullMQ, paired per rep', ...by((x) => times(x.paired?.jiqGrpcOverBestBullmq))],
      ['jiq-nats / best BullMQ, paired per rep', ...by((x) => times(x.paired?.jiqNatsOverBestBullmq))],
      ['jiq-grpc / grpc-echo, paired per rep', ...by((x) => times(x.paired?.jiqGrpcOverEcho))],
      ['jiq-nats / grpc-echo, paired per rep', ...by((x) => times(x.paired?.jiqNatsOverEcho))],
    ],
  });
  const notes: string[] = [];
  if (r.openLoop.length > 0) {
    sections.push({
      head: [`open loop ${r.openLoop[0]!.ratePerSec} jobs/s`, 'p50 ms', 'p99 ms', 'CPU ms/job', 'jobs'],
      rows: r.openLoop.map((x) => [x.system, num(x.p50Ms, 2), num(x.p99Ms, 2), num(x.cpuMsPerJob.total, 3), String(x.jobs)]),
    });
    const ol = r.ratios.openLoop;
    if (ol) {
      const b = ol.bestBullmq ?? 'BullMQ';
      notes.push(
        `p50 at ${ol.ratePerSec} jobs/s: jiq-grpc / ${b} ${times(ol.jiqGrpcP50OverBullmqP50)} (paired per rep ${times(ol.paired?.jiqGrpcP50OverBullmqP50)}), ` +
          `jiq-nats / ${b} ${times(ol.jiqNatsP50OverBullmqP50)} (paired per rep ${times(ol.paired?.jiqNatsP50OverBullmqP50)})`,
      );
    }
  }
  for (const t of r.ratios.targets) {
    const bound = `${t.rule === 'atLeast' ? '>=' : '<='} ${t.threshold}${t.goal === null ? '' : `, goal ${t.goal}`}`;
    notes.push(`target ${t.met ? 'MET' : 'NOT MET'}: ${t.name} = ${num(t.value, 2)} (${bound}; paired per rep ${num(t.paired, 2)})`);
  }
  return { summary, sections, notes };
}

/** Terminal tables; grey borders only on a terminal (a log or a file gets plain text). */
export function renderTables(r: PeersResult, color = process.stdout.isTTY === true): string {
  const report = buildReport(r);
  const tables = report.sections.map((s) => {
    const t = new Table({ head: s.head, style: { head: [], border: color ? ['grey'] : [] } });
    t.push(...s.rows);
    return t.toString();
  });
  return `${[report.summary, ...tables, ...report.notes].join('\n')}\n`;
}

/** GitHub-flavoured Markdown (for docs/benchmarks.md). */
export function renderMarkdown(r: PeersResult): string {
  const report = buildReport(r);
  const line = (cells: readonly string[]): string => `| ${cells.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`;
  const tables = report.sections.map((s) => [line(s.head), line(s.head.map(() => '---')), ...s.rows.map(line)].join('\n'));
  return `${[report.summary, ...tables, report.notes.map((n) => `- ${n}`).join('\n')].join('\n\n')}\n`;
}
