#!/usr/bin/env node
// Soak: a gRPC cluster of real processes (3 dispatchers, 6 workers) under steady load for
// --minutes (default 10), with the RSS of every process sampled every --sample-s seconds from
// /proc/<pid>/status. Prints one JSON object: the load result and, per process, RSS at start,
// end and max (MB), and the machine's load average at start, end and its maximum. Not part of
// npm test. --secure: every link over TLS (a CA made for the run with openssl) with an auth token.
// Usage: node scripts/soak.mjs [--minutes 10] [--lambda 0.5] [--secure]
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(root, 'packages', 'cli', 'dist', 'bin.js');
const args = process.argv.slice(2);
const flag = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  if (i < 0) return dflt;
  const v = Number(args[i + 1]);
  if (!Number.isFinite(v) || v <= 0) {
    process.stderr.write(`soak: --${name}: must be a number > 0 (got ${args[i + 1]})\n`);
    process.exit(2);
  }
  return v;
};
const minutes = flag('minutes', 10);
const lambda = flag('lambda', 0.5);
const sampleS = flag('sample-s', 10);
const secure = args.includes('--secure');
const WORKERS = 6;
const MEAN_MS = 20;

// --secure: a CA and a loopback server certificate for this run, and a fresh token (by environment).
const certDir = secure ? mkdtempSync(join(tmpdir(), 'jiq-soak-tls-')) : undefined;
if (certDir) {
  const openssl = (a) => execFileSync('openssl', a, { cwd: certDir, stdio: ['ignore', 'ignore', 'pipe'] });
  const key = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl(['req', '-x509', ...key, '-days', '1', '-subj', '/CN=soak-ca', '-keyout', 'ca.key', '-out', 'ca.pem']);
  writeFileSync(join(certDir, 'server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  openssl(['req', ...key, '-subj', '/CN=dispatcher', '-keyout', 'server.key', '-out', 'server.csr']);
  openssl(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '1', '-extfile', 'server.ext', '-out', 'server.pem']);
  process.on('exit', () => rmSync(certDir, { recursive: true, force: true }));
}
const childEnv = { ...process.env, ...(secure ? { JIQ_AUTH_TOKEN: execFileSync('openssl', ['rand', '-base64', '32'], { encoding: 'utf8' }).trim() } : {}) };
const tlsArgs = (role) => (!certDir ? [] : role === 'dispatcher'
  ? ['--tls-cert', join(certDir, 'server.pem'), '--tls-key', join(certDir, 'server.key')]
  : ['--tls-ca', join(certDir, 'ca.pem')]);
const load1 = () => Math.round(loadavg()[0] * 100) / 100;
const loadAvg = { start: loadavg().map((x) => Math.round(x * 100) / 100), max1m: load1(), end: null };

function start(name, argv) {
  const child = spawn(process.execPath, [bin, ...argv, '--json', '--exit-with-parent', '--log-level', 'warn'], { stdio: ['pipe', 'pipe', 'inherit'], env: childEnv });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${name} exited (${code}) before it was ready`)));
    createInterface({ input: child.stdout }).once('line', (line) => resolve({ name, child, ready: JSON.parse(line) }));
  });
}

function rssMb(pid) {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Math.round(Number(m[1]) / 102.4) / 10 : null;
  } catch {
    return null;
  }
}

const procs = [];
for (let i = 0; i < 3; i++) procs.push(await start(`dispatcher-${i}`, ['dispatcher', '--port', '0', '--id', `soak-d${i}`, ...tlsArgs('dispatcher')]));
const addresses = procs.map((p) => p.ready.address).join(',');
for (let i = 0; i < WORKERS; i++) procs.push(await start(`worker-${i}`, ['worker', '--dispatchers', addresses, '--id', `soak-w${i}`, '--d', '2', '--mean-service-ms', String(MEAN_MS), ...tlsArgs('worker')]));
const rss = new Map(procs.map((p) => [p.name, { pid: p.child.pid, samples: [] }]));
const sample = () => {
  for (const r of rss.values()) r.samples.push(rssMb(r.pid));
  loadAvg.max1m = Math.max(loadAvg.max1m, load1());
};
sample();
const timer = setInterval(sample, sampleS * 1000);
const load = spawn(process.execPath, [bin, 'load', '--dispatchers', addresses, '--workers', String(WORKERS), '--lambda', String(lambda),
  '--mean-service-ms', String(MEAN_MS), '--duration', String(minutes * 60), '--json', ...tlsArgs('load')], { stdio: ['ignore', 'pipe', 'inherit'], env: childEnv });
rss.set('load', { pid: load.pid, samples: [] });
let out = '';
load.stdout.on('data', (b) => (out += b));
const code = await new Promise((r) => load.once('exit', r));
sample();
loadAvg.end = loadavg().map((x) => Math.round(x * 100) / 100);
clearInterval(timer);
for (const p of procs) p.child.kill('SIGTERM');
let result;
try {
  result = JSON.parse(out);
} catch {
  result = { error: `jiq load exited ${code} without a result`, stdout: out.slice(0, 500) };
}
const summary = {};
for (const [name, r] of rss) {
  const s = r.samples.filter((x) => x !== null);
  summary[name] = { startMb: s[0] ?? null, endMb: s.at(-1) ?? null, maxMb: s.length ? Math.max(...s) : null, samples: s.length };
}
process.stdout.write(`${JSON.stringify({ minutes, lambda, secure, workers: WORKERS, meanServiceMs: MEAN_MS, loadExit: code,
  submitted: result.submitted, completed: result.completed, failed: result.failed, lost: result.lost, errors: result.errors, loadAvg, rssMb: summary })}\n`);
process.exit(code === 0 ? 0 : 1);
