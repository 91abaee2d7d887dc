// The raw baseline: one grpc-js bidi stream to a server that echoes each message; replies come
// back in order, so a FIFO of waiters matches them.
import * as grpc from '@grpc/grpc-js';
import { spawnChild } from '../processes';
import { expectPayload, type RunningSystem, type SystemContext } from './system';

interface Waiter {
  resolve(replyBytes: number): void;
  reject(err: Error): void;
}

const identity = (b: Buffer): Buffer => b;

export async function startGrpcEcho(ctx: SystemContext): Promise<RunningSystem> {
  const server = await spawnChild('grpc-echo-server', []);
  const client = new grpc.Client(`127.0.0.1:${String(server.ready.port)}`, grpc.credentials.createInsecure());
  const stream = client.makeBidiStreamRequest<Buffer, Buffer>('/bench.Echo/Echo', identity, identity);
  const waiting: Waiter[] = [];
  stream.on('data', (reply: Buffer) => waiting.shift()?.resolve(reply.length));
  stream.on('error', (err: Error) => {
    for (const w of waiting.splice(0)) w.reject(err);
  });
  return {
    name: 'grpc-echo',
    pids: { client: process.pid, server: server.pid },
    call: () =>
      new Promise<number>((resolve, reject) => {
        waiting.push({ resolve, reject });
        stream.write(ctx.payload);
      }).then((replyBytes) => expectPayload('grpc-echo', ctx.payload.length, replyBytes)),
    stop: async () => {
      stream.end();
      client.close();
      await server.stop();
    },
  };
}
