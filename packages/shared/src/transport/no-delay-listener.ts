import { lookup } from 'node:dns/promises';
import { createServer, type Server, type Socket } from 'node:net';

/**
 * The dispatcher's listening sockets, with Nagle's algorithm off on every accepted connection.
 *
 * Why not grpc-js's own `bindAsync`: grpc-js turns Nagle off on the connections it opens
 * (clients, workers) but not on the ones its server accepts, so a dispatcher's small writes
 * (assign, probe reply, job reply) that follow an unacknowledged one wait for the peer's delayed
 * ACK (up to ~40 ms on Linux). That put a long tail on the assign hop: at 20 ms jobs on a quiet
 * host its mean was 5.6 ms while its p50 was a fraction of a millisecond. We accept the TCP
 * connections here (net's `noDelay`) and hand each to grpc-js through its connection injector,
 * which runs the same HTTP/2 (and TLS) server code as `bindAsync`.
 *
 * Like grpc-js, a host name is bound on every address it resolves to (`localhost`: 127.0.0.1 and
 * ::1), all on one port; port 0 picks a free one.
 */
export interface NoDelayListener {
  readonly port: number;
  /** Stops accepting new connections (those open are left to the gRPC server's shutdown). */
  stopAccepting(): void;
  /** Destroys what is still open after the shutdown, e.g. a socket stuck in its TLS handshake. */
  destroyRemaining(): void;
}

export async function listenNoDelay(host: string, port: number, onConnection: (socket: Socket) => void): Promise<NoDelayListener> {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  const addresses = [...new Set((await lookup(bare, { all: true })).map((a) => a.address))];
  const servers: Server[] = [];
  const open = new Set<Socket>();
  const accept = (socket: Socket): void => {
    open.add(socket);
    socket.once('close', () => open.delete(socket));
    onConnection(socket);
  };
  let bound = port;
  for (const address of addresses) {
    const server = createServer({ noDelay: true }, accept);
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen({ host: address, port: bound }, () => {
          server.off('error', reject);
          resolve();
        });
      });
    } catch (err) {
      // As grpc-js: bound if the first address is (e.g. ::1 where IPv6 is off is skipped).
      if (servers.length > 0) continue;
      throw err;
    }
    servers.push(server);
    const a = server.address();
    if (a !== null && typeof a === 'object') bound = a.port;
  }
  return {
    port: bound,
    stopAccepting: () => {
      for (const s of servers) s.close();
    },
    destroyRemaining: () => {
      for (const socket of open) socket.destroy();
    },
  };
}
