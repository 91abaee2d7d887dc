import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { dirname, join } from 'node:path';
import type { DashboardState } from './state';

interface Asset {
  file: string;
  type: string;
}

/**
 * Every file the page loads, by URL: the page itself and the libraries it uses, served from
 * this package's `public/` and from node_modules (no bundling, nothing built at run time).
 * Nothing outside this table is ever read, so no path from a request reaches the disk.
 */
function assets(): Map<string, Asset> {
  const pub = join(__dirname, '..', 'public');
  const uplot = dirname(require.resolve('uplot/dist/uPlot.iife.min.js'));
  const htm = join(dirname(require.resolve('htm')), '..', 'preact');
  return new Map<string, Asset>([
    ['/', { file: join(pub, 'index.html'), type: 'text/html; charset=utf-8' }],
    ['/app.js', { file: join(pub, 'app.js'), type: 'text/javascript; charset=utf-8' }],
    ['/style.css', { file: join(pub, 'style.css'), type: 'text/css; charset=utf-8' }],
    ['/vendor/uPlot.iife.min.js', { file: join(uplot, 'uPlot.iife.min.js'), type: 'text/javascript; charset=utf-8' }],
    ['/vendor/uPlot.min.css', { file: join(uplot, 'uPlot.min.css'), type: 'text/css; charset=utf-8' }],
    ['/vendor/preact-htm.mjs', { file: join(htm, 'standalone.mjs'), type: 'text/javascript; charset=utf-8' }],
  ]);
}

export interface DashboardHttp {
  readonly server: Server;
  /** Sends the state to every open event stream. */
  broadcast(state: DashboardState): void;
  close(): Promise<void>;
}

const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'content-security-policy': "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:",
  'referrer-policy': 'no-referrer',
};

/** GET /, its assets, /api/state (JSON) and /api/events (server-sent events, one `state` event per poll). */
export function createDashboardHttp(current: () => DashboardState): DashboardHttp {
  const files = assets();
  const cache = new Map<string, Buffer>();
  const streams = new Set<ServerResponse>();

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', ...SECURITY_HEADERS }).end();
      return;
    }
    const path = new URL(req.url ?? '/', 'http://dashboard').pathname;
    if (path === '/api/state') {
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store', ...SECURITY_HEADERS });
      res.end(JSON.stringify(current(), finiteOrNull));
      return;
    }
    if (path === '/api/events') {
      res.writeHead(200, {
        'content-type': 'text/event-stream',
        'cache-control': 'no-store',
        connection: 'keep-alive',
        ...SECURITY_HEADERS,
      });
      res.write(`retry: 2000\n\n`);
      res.write(event(current()));
      streams.add(res);
      req.on('close', () => streams.delete(res));
      return;
    }
    if (path === '/favicon.ico') {
      res.writeHead(204, SECURITY_HEADERS).end();
      return;
    }
    const asset = files.get(path);
    if (!asset) {
      res.writeHead(404, { 'content-type': 'text/plain', ...SECURITY_HEADERS }).end('not found\n');
      return;
    }
    let body = cache.get(path);
    if (!body) cache.set(path, (body = readFileSync(asset.file)));
    res.writeHead(200, { 'content-type': asset.type, 'content-length': body.length, ...SECURITY_HEADERS });
    res.end(req.method === 'HEAD' ? undefined : body);
  };

  const server = createServer(handle);
  return {
    server,
    broadcast(state) {
      const data = event(state);
      for (const res of streams) res.write(data);
    },
    close() {
      for (const res of streams) res.end();
      streams.clear();
      return new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

function event(state: DashboardState): string {
  return `event: state\ndata: ${JSON.stringify(state, finiteOrNull)}\n\n`;
}

/** NaN and infinities are not JSON: send null rather than a parse error in the page. */
function finiteOrNull(_key: string, value: unknown): unknown {
  return typeof value === 'number' && !Number.isFinite(value) ? null : value;
}
