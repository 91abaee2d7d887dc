import { JiqClient } from '@jiq/client';
import { spawnJiq, type JiqChild } from '@jiq/cli';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';
import { JIQ_BIN, runJiq } from './helpers/jiq-processes';
import { parseExposition, sample, type Sample } from './helpers/prometheus';

const JOBS = 120;

/** Real dispatcher and worker processes, the worker running a user module given by --handler. */
describe('jiq worker --handler, /metrics, /healthz and /readyz on real processes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'jiq-ops-'));
  const children: JiqChild[] = [];
  let dispatcher: JiqChild;
  let worker: JiqChild;

  beforeAll(async () => {
    // CommonJS with a named export, to prove the handler loader is not ESM-only (ESM is unit-tested).
    writeFileSync(
      join(dir, 'shout.cjs'),
      "exports.handler = async (job) => `${Buffer.from(job.payload).toString('utf8').toUpperCase()} by ${job.workerId}/${job.slot}`;\n",
    );
    dispatcher = await spawnJiq(['dispatcher', '--port', '0', '--id', 'd-ops', '--metrics-port', '0', '--log-level', 'warn'], { timeoutMs: 20_000 });
    children.push(dispatcher);
    worker = await spawnJiq(
      ['worker', '--dispatchers', dispatcher.ready.address!, '--id', 'w-ops', '--slots', '2', '--handler', join(dir, 'shout.cjs'), '--metrics-port', '0', '--log-level', 'warn'],
      { timeoutMs: 20_000 },
    );
    children.push(worker);
  });

  afterAll(async () => {
    for (const c of children.reverse()) await c.stop(5_000);
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs the user function, and /metrics counts what happened', async () => {
    const client = new JiqClient({ dispatchers: [dispatcher.ready.address!] });
    await client.connect();
    const first = await client.submit('hello');
    expect(Buffer.from(first.result).toString('utf8')).toMatch(/^HELLO by w-ops\/[01]$/);
    const rest = await Promise.all(Array.from({ length: JOBS - 1 }, (_, i) => client.submit(`job ${i}`)));
    expect(rest.map((r) => Buffer.from(r.result).toString('utf8').split(' by ')[0])).toEqual(
      Array.from({ length: JOBS - 1 }, (_, i) => `JOB ${i}`),
    );
    await client.close();

    const d = parseExposition(await text(`http://${dispatcher.ready.metrics}/metrics`));
    const label = { dispatcher: 'd-ops' };
    expect(sample(d, 'jiq_dispatcher_arrivals_total', label)).toBe(JOBS);
    const empty = sample(d, 'jiq_dispatcher_empty_arrivals_total', label);
    const used = sample(d, 'jiq_dispatcher_tokens_used_total', label);
    const fallbacks = sample(d, 'jiq_dispatcher_fallbacks_total', label);
    // Every arrival went by token or (empty I-queue) by fallback: the counters must partition them.
    expect(used + fallbacks).toBe(JOBS);
    expect(empty).toBe(fallbacks);
    expect(sample(d, 'jiq_dispatcher_tokens_placed_total', label)).toBeGreaterThanOrEqual(used);
    expect(sample(d, 'jiq_dispatcher_completed_total', label)).toBe(JOBS);
    expect(sample(d, 'jiq_dispatcher_failures_total', { ...label, code: 'HANDLER_FAILED' })).toBe(0);
    expect(sample(d, 'jiq_dispatcher_workers', label)).toBe(1);
    expect(sample(d, 'jiq_dispatcher_servers', label)).toBe(2);
    expect(sample(d, 'jiq_dispatcher_in_flight', label)).toBe(0);
    for (const h of ['jiq_dispatcher_response_seconds', 'jiq_dispatcher_sojourn_seconds', 'jiq_dispatcher_dispatch_overhead_seconds']) {
      expect(sample(d, `${h}_count`, label), h).toBe(JOBS);
      expectCumulativeBuckets(d, h, JOBS);
    }
    // The response at the dispatcher contains the sojourn at the worker.
    expect(sample(d, 'jiq_dispatcher_response_seconds_sum', label)).toBeGreaterThanOrEqual(sample(d, 'jiq_dispatcher_sojourn_seconds_sum', label));

    const w = parseExposition(await text(`http://${worker.ready.metrics}/metrics`));
    expect(sample(w, 'jiq_worker_jobs_total', { worker: 'w-ops' })).toBe(JOBS);
    expect(sample(w, 'jiq_worker_jobs_failed_total', { worker: 'w-ops' })).toBe(0);
    expect(sample(w, 'jiq_worker_slots', { worker: 'w-ops' })).toBe(2);
    expect(sample(w, 'jiq_worker_queue_length', { worker: 'w-ops' })).toBe(0);
    expect(d.some((s) => s.name === 'process_cpu_user_seconds_total')).toBe(true);

    // The Grafana dashboard queries only series these processes expose.
    const dashboard = JSON.parse(readFileSync(join(__dirname, '..', 'deploy', 'grafana', 'jiq.json'), 'utf8')) as { panels: { targets: { expr: string }[] }[] };
    const exposed = new Set([...d, ...w].map((x) => x.name));
    const queried = new Set(dashboard.panels.flatMap((p) => p.targets.flatMap((t) => t.expr.match(/\bjiq_[a-z_]+/g) ?? [])));
    expect(queried.size).toBeGreaterThan(10);
    expect([...queried].filter((name) => !exposed.has(name))).toEqual([]);
  });

  it('a throwing handler fails that job with HANDLER_FAILED, counted by code', async () => {
    writeFileSync(join(dir, 'boom.mjs'), "export default function () { throw new Error('boom: no such record'); }\n");
    const d2 = await spawnJiq(['dispatcher', '--port', '0', '--id', 'd-boom', '--metrics-port', '0', '--log-level', 'warn'], { timeoutMs: 20_000 });
    children.push(d2);
    children.push(await spawnJiq(['worker', '--dispatchers', d2.ready.address!, '--handler', join(dir, 'boom.mjs'), '--log-level', 'warn'], { timeoutMs: 20_000 }));
    const c2 = new JiqClient({ dispatchers: [d2.ready.address!] });
    await c2.connect();
    await expect(c2.submit('x')).rejects.toMatchObject({ name: 'JiqJobError', message: expect.stringContaining('boom: no such record') });
    await c2.close();
    const m = parseExposition(await text(`http://${d2.ready.metrics}/metrics`));
    expect(sample(m, 'jiq_dispatcher_failures_total', { dispatcher: 'd-boom', code: 'HANDLER_FAILED' })).toBe(1);
    expect(sample(m, 'jiq_dispatcher_completed_total', { dispatcher: 'd-boom' })).toBe(0);
  });

  it('/healthz answers 200, /readyz 200 while joined and 503 once the worker has no dispatcher; unknown paths 404', async () => {
    for (const c of [dispatcher, worker]) {
      const health = await fetch(`http://${c.ready.metrics}/healthz`);
      expect(health.status).toBe(200);
      expect((await fetch(`http://${c.ready.metrics}/readyz`)).status).toBe(200);
      expect((await fetch(`http://${c.ready.metrics}/nope`)).status).toBe(404);
      expect((await fetch(`http://${c.ready.metrics}/metrics`, { method: 'POST' })).status).toBe(405);
    }
    await dispatcher.stop(5_000);
    const readyz = await pollStatus(`http://${worker.ready.metrics}/readyz`, 503);
    expect(readyz.status).toBe(503);
    expect(readyz.body).toContain('connected to no dispatcher');
    // Still alive: liveness is not readiness.
    expect((await fetch(`http://${worker.ready.metrics}/healthz`)).status).toBe(200);
  });
});

describe('jiq worker --handler refuses a bad module before starting anything', () => {
  const dir = mkdtempSync(join(tmpdir(), 'jiq-handler-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each([
    ['missing.mjs', undefined, '--handler: module not found'],
    ['no-function.mjs', 'export const answer = 42;\n', 'exports no function (expected a default export or a named export "handler")'],
    ['syntax.mjs', 'export default function (\n', '--handler: could not load'],
  ])('%s → exit 2, one line naming --handler', async (file, source, message) => {
    if (source !== undefined) writeFileSync(join(dir, file), source);
    // The dispatcher address is never contacted: the module is checked first.
    const r = await runJiq(['worker', '--dispatchers', '127.0.0.1:1', '--handler', join(dir, file)], 20_000);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stdout).toBe('');
  });
});

describe('jiq cluster --metrics-port P: one port per child at a documented offset', () => {
  it('dispatchers on P, P+1, workers on P+2, P+3: printed at start, served during the run, listed in --json', async () => {
    const base = await freeRange(4);
    const child = spawn(
      process.execPath,
      [JIQ_BIN, 'cluster', '--dispatchers', '2', '--workers', '2', '--lambda', '0.5', '--mean-service-ms', '20', '--duration', '10', '--warmup', '1', '--metrics-port', String(base), '--json'],
      // JIQ_METRICS_PORT (the image sets one) names one process's port: it is not the cluster's base, and
      // run-cluster keeps it from the children (all four would bind it).
      { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, JIQ_LOG_LEVEL: 'warn', JIQ_METRICS_PORT: String(base) } },
    );
    let stdout = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    const printed: string[] = [];
    const announced = new Promise<void>((resolve) => {
      createInterface({ input: child.stderr }).on('line', (line) => {
        if (/metrics on http/.test(line)) printed.push(line);
        if (printed.length === 4) resolve();
      });
    });
    const exited = new Promise<number>((resolve) => child.once('exit', (code) => resolve(code ?? 1)));
    await Promise.race([announced, exited]);
    const expected = [
      ['dispatcher', 'd0', base], ['dispatcher', 'd1', base + 1], ['worker', 'w0', base + 2], ['worker', 'w1', base + 3],
    ] as const;
    expect(printed).toEqual(expected.map(([role, id, port]) => `jiq cluster: ${role} ${id} metrics on http://127.0.0.1:${port}/metrics`));

    // During the load: every child answers /healthz and /readyz, and the dispatchers count arrivals.
    for (const [, , port] of expected) {
      expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
      expect((await pollStatus(`http://127.0.0.1:${port}/readyz`, 200)).status).toBe(200);
    }
    const deadline = Date.now() + 20_000;
    let arrivals = 0;
    while (arrivals === 0 && Date.now() < deadline) {
      const d0 = parseExposition(await text(`http://127.0.0.1:${base}/metrics`));
      arrivals = sample(d0, 'jiq_dispatcher_arrivals_total', { dispatcher: 'd0' });
      if (arrivals === 0) await new Promise((r) => setTimeout(r, 200));
    }
    expect(arrivals).toBeGreaterThan(0);
    const w1 = parseExposition(await text(`http://127.0.0.1:${base + 3}/metrics`));
    expect(sample(w1, 'jiq_worker_slots', { worker: 'w1' })).toBe(1);

    expect(await exited).toBe(0);
    const result = JSON.parse(stdout) as { metrics: { role: string; id: string; address: string }[]; jobs: number };
    expect(result.metrics).toEqual(expected.map(([role, id, port]) => ({ role, id, address: `127.0.0.1:${port}` })));
    expect(result.jobs).toBeGreaterThan(0);
  }, 90_000);

  it('refuses a base port whose range passes 65535, before starting anything', async () => {
    const r = await runJiq(['cluster', '--dispatchers', '2', '--workers', '3', '--lambda', '0.5', '--metrics-port', '65533'], 20_000);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--metrics-port: needs 5 consecutive ports (one per dispatcher and worker): 65533..65537 passes 65535');
  });
});

/** A base port with `count` consecutive free ports on loopback (probed by binding each). */
async function freeRange(count: number): Promise<number> {
  const bindable = (port: number): Promise<boolean> =>
    new Promise((resolve) => {
      const server = createServer();
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
    });
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * 30_000);
    let ok = true;
    for (let i = 0; i < count && ok; i++) ok = await bindable(base + i);
    if (ok) return base;
  }
  throw new Error(`no ${count} consecutive free ports found`);
}

async function text(url: string): Promise<string> {
  const res = await fetch(url);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('text/plain');
  return res.text();
}

async function pollStatus(url: string, want: number, timeoutMs = 15_000): Promise<{ status: number; body: string }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await fetch(url);
    const body = await res.text();
    if (res.status === want || Date.now() > deadline) return { status: res.status, body };
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Histogram buckets must be cumulative and end at the count. */
function expectCumulativeBuckets(samples: Sample[], name: string, count: number): void {
  const buckets = samples.filter((s) => s.name === `${name}_bucket`);
  expect(buckets.length, name).toBeGreaterThan(3);
  for (let i = 1; i < buckets.length; i++) expect(buckets[i]!.value).toBeGreaterThanOrEqual(buckets[i - 1]!.value);
  expect(buckets.at(-1)!.labels.le).toBe('+Inf');
  expect(buckets.at(-1)!.value).toBe(count);
}
