// The raw baseline: a grpc-js bidi stream that writes back every message it reads (no framing
// of our own, no protobuf: the bytes are the message).
import * as grpc from '@grpc/grpc-js';
import { ECHO_SERVICE } from './echo-service';
import { announceReady, exitWithParent, failed } from './child-lifecycle';

const server = new grpc.Server();
server.addService(ECHO_SERVICE, {
  Echo: (call: grpc.ServerDuplexStream<Buffer, Buffer>) => {
    call.on('data', (m: Buffer) => call.write(m));
    call.on('end', () => call.end());
    call.on('error', () => undefined);
  },
});
server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, port) => {
  if (err) failed(err);
  announceReady({ port });
  exitWithParent(() => new Promise((resolve) => server.tryShutdown(() => resolve())));
});
