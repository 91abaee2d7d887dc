import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GrpcConnector, startGrpcDispatcherServer, type DispatcherServer, type SubmitRequest } from '../src/index';
import { dispatcherServiceDefinition } from '../src/transport/grpc';
import { TurnBatcher } from '../src/transport/turn-batcher';

describe('TurnBatcher', () => {
  it('hands over what one turn pushed as one batch, in order, and the next turn separately', async () => {
    const batches: number[][] = [];
    const b = new TurnBatcher<number>((xs) => batches.push(xs));
    for (let i = 1; i <= 5; i++) b.push(i);
    expect(batches).toEqual([]);
    await new Promise((r) => setImmediate(r));
    b.push(6);
    await new Promise((r) => setImmediate(r));
    expect(batches).toEqual([[1, 2, 3, 4, 5], [6]]);
  });

  it('flush() hands over at once (before a stream ends)', () => {
    const batches: number[][] = [];
    const b = new TurnBatcher<number>((xs) => batches.push(xs));
    b.push(1);
    b.flush();
    b.flush();
    expect(batches).toEqual([[1]]);
  });
});

describe('gRPC channel batching on a real stream', () => {
  // A bare grpc-js server that records every stream message (frame) the client's channel writes.
  const frames: number[][] = [];
  let server: grpc.Server;
  let address: string;
  beforeAll(async () => {
    server = new grpc.Server();
    const unimplemented = (call: grpc.ServerDuplexStream<unknown, unknown>): void => void call.end();
    server.addService(dispatcherServiceDefinition, {
      Submit: unimplemented,
      Connect: unimplemented,
      ConnectBatched: unimplemented,
      Stats: (_call: unknown, cb: grpc.sendUnaryData<unknown>) => cb({ code: grpc.status.UNIMPLEMENTED }),
      SubmitBatched: (call: grpc.ServerDuplexStream<{ messages: SubmitRequest[] }, unknown>) => {
        // Response headers at once, as a jiq dispatcher sends them when it admits a stream.
        call.sendMetadata(new grpc.Metadata());
        call.on('data', (batch: { messages: SubmitRequest[] }) => {
          frames.push(batch.messages.map((m) => m.requestId));
          // Answer the whole frame in one reply frame.
          call.write({ messages: batch.messages.map((m) => ({ requestId: m.requestId, jobId: m.job?.id ?? '', ok: true })) });
        });
        call.on('end', () => call.end());
      },
    } as unknown as grpc.UntypedServiceImplementation);
    const port = await new Promise<number>((res, rej) =>
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? rej(err) : res(p))),
    );
    address = `127.0.0.1:${port}`;
  });
  afterAll(() => server.forceShutdown());

  it('messages sent in one turn arrive in order as one frame; replies in one frame arrive one by one, in order', async () => {
    const connector = new GrpcConnector();
    const channel = await connector.connectClient(address, 5_000);
    const replies: number[] = [];
    const all = new Promise<void>((resolve) =>
      channel.onMessage((r) => {
        replies.push(r.requestId);
        if (replies.length === 6) resolve();
      }),
    );
    for (let i = 1; i <= 5; i++) channel.send({ requestId: i, job: { id: `j${i}`, payload: Buffer.from('x') } });
    await new Promise((r) => setTimeout(r, 20));
    channel.send({ requestId: 6, job: { id: 'j6', payload: Buffer.from('x') } });
    await all;
    expect(frames).toEqual([[1, 2, 3, 4, 5], [6]]);
    expect(replies).toEqual([1, 2, 3, 4, 5, 6]);
    channel.close();
    await connector.close();
  });

  it('a dispatcher still serves the unbatched streams (peers that do not batch)', async () => {
    const seen: number[] = [];
    const dispatcher: DispatcherServer = await startGrpcDispatcherServer(
      {
        onWorker: (ch) => ch.close(),
        onClient: (ch) => ch.onMessage((m) => {
          seen.push(m.requestId);
          ch.send({ requestId: m.requestId, ok: true });
        }),
        stats: () => ({}),
      },
      { host: '127.0.0.1', port: 0, maxMessageBytes: 1024 },
    );
    const Client = grpc.makeGenericClientConstructor(dispatcherServiceDefinition, 'Dispatcher');
    const client = new Client(dispatcher.address, grpc.credentials.createInsecure()) as unknown as {
      Submit(): grpc.ClientDuplexStream<unknown, { requestId: number }>;
      close(): void;
    };
    const stream = client.Submit();
    const reply = new Promise<number>((resolve) => stream.once('data', (r: { requestId: number }) => resolve(r.requestId)));
    stream.write({ requestId: 42, job: { id: 'j', payload: Buffer.from('x') } });
    expect(await reply).toBe(42);
    expect(seen).toEqual([42]);
    stream.end();
    client.close();
    await dispatcher.close();
  });
});
