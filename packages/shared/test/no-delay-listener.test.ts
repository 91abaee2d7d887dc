import { connect, createServer, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { startGrpcDispatcherServer, type DispatcherHandlers } from '../src/index';
import { listenNoDelay } from '../src/transport/no-delay-listener';

/** Node records setNoDelay on the socket under this (internal) symbol; a missing one fails the test. */
function nagleOff(socket: Socket): unknown {
  const key = Object.getOwnPropertySymbols(socket).find((s) => s.description === 'kSetNoDelay');
  if (key === undefined) throw new Error('this Node version does not record kSetNoDelay: update the test');
  return (socket as unknown as Record<symbol, unknown>)[key];
}

function acceptOne(port: number, host: string, accepted: Promise<Socket>): Promise<Socket> {
  const client = connect({ port, host });
  return accepted.finally(() => client.destroy());
}

describe('listenNoDelay', () => {
  it('accepts connections with Nagle off (a plain net server has it on)', async () => {
    let onSocket!: (s: Socket) => void;
    const accepted = new Promise<Socket>((r) => (onSocket = r));
    const listener = await listenNoDelay('127.0.0.1', 0, onSocket);
    try {
      const socket = await acceptOne(listener.port, '127.0.0.1', accepted);
      expect(nagleOff(socket)).toBe(true);
      socket.destroy();
    } finally {
      listener.stopAccepting();
      listener.destroyRemaining();
    }
    // The control: what grpc-js's own server gets from net by default.
    let onPlain!: (s: Socket) => void;
    const plainAccepted = new Promise<Socket>((r) => (onPlain = r));
    const plain = createServer(onPlain);
    await new Promise<void>((r) => plain.listen(0, '127.0.0.1', r));
    const address = plain.address();
    const socket = await acceptOne(typeof address === 'object' && address ? address.port : 0, '127.0.0.1', plainAccepted);
    expect(nagleOff(socket)).toBe(false);
    socket.destroy();
    plain.close();
  });

  it('binds every address of a name on one port, and frees it when it stops accepting', async () => {
    const listener = await listenNoDelay('localhost', 0, (s) => s.destroy());
    expect(listener.port).toBeGreaterThan(0);
    listener.stopAccepting();
    listener.destroyRemaining();
    const again = await listenNoDelay('127.0.0.1', listener.port, (s) => s.destroy());
    expect(again.port).toBe(listener.port);
    again.stopAccepting();
  });

  it('refuses a port in use, and the dispatcher server names host, port and cause', async () => {
    const taken = await listenNoDelay('127.0.0.1', 0, (s) => s.destroy());
    try {
      await expect(listenNoDelay('127.0.0.1', taken.port, (s) => s.destroy())).rejects.toThrow(/EADDRINUSE/);
      const handlers = { onWorker: () => undefined, onClient: () => undefined, stats: () => ({}) } as unknown as DispatcherHandlers;
      await expect(startGrpcDispatcherServer(handlers, { host: '127.0.0.1', port: taken.port, maxMessageBytes: 1024 })).rejects.toThrow(
        new RegExp(`cannot listen on 127\\.0\\.0\\.1:${taken.port}: .*EADDRINUSE`),
      );
    } finally {
      taken.stopAccepting();
    }
  });
});
