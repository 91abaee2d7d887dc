#!/usr/bin/env node
// Container health check of a jiq process: GET http://127.0.0.1:$JIQ_METRICS_PORT/<healthz|readyz>,
// exit 0 on 200, else 1. Node's own fetch, so the slim image needs no curl or wget.
const path = process.argv[2] ?? 'healthz';
const port = process.env.JIQ_METRICS_PORT;
if (!/^(healthz|readyz)$/.test(path) || !port) {
  process.stderr.write('usage: JIQ_METRICS_PORT=<port> healthcheck.cjs healthz|readyz\n');
  process.exit(1);
}
fetch(`http://127.0.0.1:${port}/${path}`, { signal: AbortSignal.timeout(2_000) })
  .then(async (res) => {
    process.stdout.write(await res.text());
    process.exit(res.status === 200 ? 0 : 1);
  })
  .catch((err) => {
    process.stderr.write(`${err.message}\n`);
    process.exit(1);
  });
