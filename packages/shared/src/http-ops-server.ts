import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { JiqConfigError } from '@jiq/core';

/** Readiness: true, or the reason the process is not ready yet (shown in the 503 body). */
export type Readiness = () => true | string;

export interface OpsServerOptions {
  /** Interface to listen on. Default 127.0.0.1 (0.0.0.0 inside a container). */
  host?: string;
  /** Port; 0 picks a free one. */
  port: number;
  /** The Prometheus exposition (prom-client's `registry.metrics()` and `contentType`). */
  metrics: () => Promise<{ contentType: string; body: string }>;
  ready: Readiness;
}

export interface OpsServer {
  /** host:port actually bound. */
  readonly address: string;
  readonly port: number;
  close(): Promise<void>;
}

/**
 * The operations endpoints of one jiq process: `GET /metrics` (Prometheus), `/healthz` (the
 * process is alive and its event loop answers) and `/readyz` (joined and serving: 200, else 503
 * with the reason). Plain node:http: three fixed routes need no framework.
 */
export async function startOpsServer(o: OpsServerOptions): Promise<OpsServer> {
  if (!Number.isInteger(o.port) || o.port < 0 || o.port > 65535) {
    throw new JiqConfigError('metricsPort', 'must be an integer in [0, 65535]', o.port);
  }
  const server = createServer((req, res) => {
    void route(o, req, res).catch((err: unknown) => {
      reply(res, 500, 'text/plain', `metrics failed: ${err instanceof Error ? err.message : String(err)}\n`);
    });
  });
  // A scraper keeps connections alive; close() must not wait for them.
  server.keepAliveTimeout = 5_000;
  const host = o.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  return {
    address: `${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function route(o: OpsServerOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('Allow', 'GET, HEAD');
    return reply(res, 405, 'text/plain', 'method not allowed\n');
  }
  const path = (req.url ?? '/').split('?')[0];
  switch (path) {
    case '/metrics': {
      const m = await o.metrics();
      return reply(res, 200, m.contentType, m.body);
    }
    case '/healthz':
      return reply(res, 200, 'text/plain', 'ok\n');
    case '/readyz': {
      const r = o.ready();
      return r === true ? reply(res, 200, 'text/plain', 'ready\n') : reply(res, 503, 'text/plain', `not ready: ${r}\n`);
    }
    default:
      return reply(res, 404, 'text/plain', 'not found: try /metrics, /healthz or /readyz\n');
  }
}

function reply(res: ServerResponse, status: number, contentType: string, body: string): void {
  res.writeHead(status, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body) });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}
