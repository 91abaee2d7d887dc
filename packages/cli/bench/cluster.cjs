#!/usr/bin/env node
// Cluster hot-path benchmark: jobs/s and latency through a real dispatcher and worker processes,
// reported as ratios against a raw grpc-js bidi-stream echo measured in the same run.
// Usage: npm run bench -w packages/cli   (env BENCH_SECONDS, default 5)
const { spawn } = require('node:child_process');
const { join } = require('node:path');
const grpc = require('@grpc/grpc-js');
const { JiqClient } = require('@jiq/client');
const { spawnJiq } = require('@jiq/cli');
const { createLogger } = require('@jiq/shared');

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const WINDOW = 64;
const PAYLOAD = Buffer.alloc(100, 7);

function percentile(xs, p) {
  const s = Float64Array.from(xs).sort();
  return s[Math.min(s.length - 1, Math.floor(p * s.length))];
}

/** Keeps WINDOW requests in flight for SECONDS; returns ops/s and latency p50 (ms). */
async function closedLoop(sendOne) {
  const lat = [];
  let done = 0;
  const end = performance.now() + SECONDS * 1000;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: WINDOW }, async () => {
      while (performance.now() < end) {
        const s = performance.now();
        await sendOne();
        lat.push(performance.now() - s);
        done++;
      }
    }),
  );
  return { opsPerSecond: (done / (performance.now() - t0)) * 1000, p50Ms: percentile(lat, 0.5) };
}

async function echoBaseline() {
  const server = spawn(process.execPath, [join(__dirname, 'echo-server.cjs')], { stdio: ['pipe', 'pipe', 'inherit'] });
  const port = await new Promise((r) => server.stdout.once('data', (b) => r(Number(String(b).trim()))));
  const id = (b) => b;
  const Client = grpc.makeGenericClientConstructor({
    Echo: { path: '/bench.Echo/Echo', requestStream: true, responseStream: true, requestSerialize: id, requestDeserialize: id, responseSerialize: id, responseDeserialize: id },
  });
  const client = new Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  const stream = client.Echo();
  const waiting = [];
  stream.on('data', () => waiting.shift()());
  const r = await closedLoop(() => new Promise((res) => { waiting.push(res); stream.write(PAYLOAD); }));
  stream.on('error', () => undefined);
  stream.end();
  client.close();
  server.kill();
  return r;
}

async function jiqCluster() {
  const d = await spawnJiq(['dispatcher', '--port', '0', '--log-level', 'warn'], { timeoutMs: 20_000 });
  const workers = await Promise.all(
    [0, 1].map((i) => spawnJiq(['worker', '--dispatchers', d.ready.address, '--id', `bw${i}`, '--slots', '64', '--log-level', 'warn'], { timeoutMs: 20_000 })),
  );
  const client = new JiqClient({ dispatchers: [d.ready.address], logger: createLogger('bench', 'silent') });
  await client.connect();
  // size 0: the synthetic job ends on the next timer tick, so this measures the dispatch path.
  const r = await closedLoop(() => client.send(PAYLOAD, { size: 0 }));
  await client.close();
  await Promise.all(workers.map((w) => w.stop()));
  await d.stop();
  return r;
}

async function main() {
  process.stderr.write(`bench: raw grpc-js bidi echo, ${WINDOW} in flight, ${SECONDS} s\n`);
  const echo = await echoBaseline();
  process.stderr.write(`bench: jiq submit → dispatcher → worker → reply, ${WINDOW} in flight, ${SECONDS} s\n`);
  const jiq = await jiqCluster();
  const result = {
    echo,
    jiq,
    throughputRatio: jiq.opsPerSecond / echo.opsPerSecond,
    latencyRatio: jiq.p50Ms / echo.p50Ms,
    note: 'one jiq job = submit, assign, done, reply and a token placement: ~5 stream messages against 1 echo round trip',
  };
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
