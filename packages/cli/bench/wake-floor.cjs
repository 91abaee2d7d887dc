#!/usr/bin/env node
// The CPU a process pays to wake from sleep and go back to sleep with no work at all, at the
// wake rates the cluster's processes run at. It is the floor under the cluster's CPU per job:
// every message a process receives while idle is at least one such wake-up. Measured with an
// empty timer (a child process per rate, so no rate warms the next) from 2 s after start, by
// the kernel's own runtime of every thread of the process (/proc/<pid>/task/*/schedstat).
// Usage: node packages/cli/bench/wake-floor.cjs [--rates 35,100,200,400] [--seconds 8] [--json]   (Linux only)
const { execFileSync } = require('node:child_process');
const { readFileSync, readdirSync } = require('node:fs');
const { parseArgs } = require('node:util');

/** Milliseconds on a CPU, every thread of this process (schedstat's first field, in ns). */
function runtimeMs() {
  let ns = 0;
  for (const t of readdirSync('/proc/self/task')) {
    try {
      ns += Number(readFileSync(`/proc/self/task/${t}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      // the thread exited while listed
    }
  }
  return ns / 1e6;
}

function child(rate, seconds) {
  let wakes = 0;
  setInterval(() => wakes++, 1000 / rate);
  setTimeout(() => {
    const w0 = wakes;
    const cpu0 = runtimeMs();
    setTimeout(() => {
      const cpu = runtimeMs() - cpu0;
      process.stdout.write(JSON.stringify({ rate, wakes: wakes - w0, cpuMs: cpu, cpuMsPerWake: cpu / (wakes - w0) }));
      process.exit(0);
    }, seconds * 1000);
  }, 2000);
}

function main() {
  if (process.argv[2] === '--child') return child(Number(process.argv[3]), Number(process.argv[4]));
  const { values: o } = parseArgs({
    strict: false,
    options: { rates: { type: 'string', default: '35,100,200,400' }, seconds: { type: 'string', default: '8' }, json: { type: 'boolean' } },
  });
  const rates = String(o.rates).split(',').map(Number);
  const seconds = Number(o.seconds);
  if (rates.some((r) => !(r > 0 && r <= 1000)) || !(seconds > 0)) {
    console.error('wake-floor: --rates must be wake-ups per second in (0, 1000], --seconds a positive number');
    process.exitCode = 2;
    return;
  }
  const rows = rates.map((rate) => JSON.parse(execFileSync(process.execPath, [__filename, '--child', String(rate), String(seconds)], { encoding: 'utf8' })));
  const out = { node: process.version, loadAverage: readFileSync('/proc/loadavg', 'utf8').trim(), rows };
  if (o.json === true) {
    process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
    return;
  }
  console.log(`node ${out.node}, load average ${out.loadAverage.split(' ').slice(0, 3).join(' ')}`);
  console.log('wake-ups/s  CPU ms per empty wake-up');
  for (const r of rows) console.log(`${String(r.rate).padStart(10)}  ${r.cpuMsPerWake.toFixed(4)}`);
}

main();
