// npm run bench:peers [-- --json] [-- --quick]: jiq over gRPC and NATS against BullMQ, a NATS
// queue group and a raw grpc-js echo, in one run on this machine. Progress goes to stderr; with
// --json stdout carries exactly one JSON object.
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { JiqConfigError } from '@jiq/core';
import { parseOptions, USAGE, type PeersOptions } from './options';
import { killAllNow, stopAll } from './processes';
import { computeRatios } from './ratios';
import { renderMarkdown, renderTables } from './report';
import type { PeersResult } from './result';
import { runPeers } from './run';

function packageVersion(name: string): string | null {
  try {
    return (JSON.parse(readFileSync(require.resolve(`${name}/package.json`), 'utf8')) as { version: string }).version;
  } catch {
    return null;
  }
}

/** A result saved by --json, checked enough to render. */
function readResult(file: string): PeersResult {
  let parsedFile: unknown;
  try {
    parsedFile = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new JiqConfigError('--from', 'must name a readable JSON file written by --json', file, { cause: err });
  }
  const r = parsedFile as Partial<PeersResult> | null;
  if (!r || !Array.isArray(r.rows) || !Array.isArray(r.openLoop) || !r.ratios || !r.meta?.options) {
    throw new JiqConfigError('--from', 'must be the JSON object written by bench:peers --json (rows, openLoop, ratios, meta)', file);
  }
  return r as PeersResult;
}

async function measure(o: PeersOptions): Promise<PeersResult> {
  const t0 = Date.now();
  const progress = (line: string): void => {
    process.stderr.write(`bench:peers [${((Date.now() - t0) / 1_000).toFixed(0).padStart(4)} s] ${line}\n`);
  };
  progress(`load average ${loadavg().map((x) => x.toFixed(2)).join(' ')} on ${cpus().length} CPUs; systems ${o.systems.join(', ')}`);
  const run = await runPeers(o, progress);
  return {
    rows: run.rows,
    openLoop: run.openLoop,
    ratios: computeRatios(run.rows, run.openLoop),
    processes: run.processes,
    meta: {
      startedAt: new Date(t0).toISOString(),
      durationSec: run.durationSec,
      loadAverage: run.loadAverage,
      cpus: cpus().length,
      node: process.version,
      versions: { bullmq: packageVersion('bullmq'), nats: packageVersion('nats'), grpcJs: packageVersion('@grpc/grpc-js') },
      options: o,
    },
  };
}

async function main(o: PeersOptions): Promise<void> {
  const result = o.from === undefined ? await measure(o) : readResult(o.from);
  if (o.output === 'json') process.stdout.write(`${JSON.stringify(result)}\n`);
  else process.stdout.write(o.output === 'markdown' ? renderMarkdown(result) : renderTables(result));
}

let parsed: PeersOptions | 'help';
try {
  parsed = parseOptions(process.argv.slice(2));
} catch (err) {
  process.stderr.write(`bench:peers: ${(err as Error).message}\n`);
  process.exit(err instanceof JiqConfigError ? 2 : 1);
}
if (parsed === 'help') {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}

let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (interrupted) return;
    interrupted = true;
    process.stderr.write(`bench:peers: ${signal}, stopping every process it started\n`);
    killAllNow();
    process.exit(signal === 'SIGINT' ? 130 : 143);
  });
}

main(parsed)
  .catch((err: unknown) => {
    if (err instanceof JiqConfigError) {
      process.stderr.write(`bench:peers: ${err.message}\n`);
      process.exitCode = 2;
      return;
    }
    process.stderr.write(`bench:peers failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  })
  .finally(() => stopAll())
  // Client libraries may keep timers; the run is over.
  .finally(() => process.exit());
