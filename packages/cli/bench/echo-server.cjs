// Baseline peer for the cluster benchmark: a raw grpc-js bidi stream that echoes every message.
const grpc = require('@grpc/grpc-js');

const id = (b) => b;
const def = {
  Echo: { path: '/bench.Echo/Echo', requestStream: true, responseStream: true, requestSerialize: id, requestDeserialize: id, responseSerialize: id, responseDeserialize: id },
};
const server = new grpc.Server();
server.addService(def, { Echo: (call) => { call.on('data', (m) => call.write(m)); call.on('end', () => call.end()); } });
server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, port) => {
  if (err) throw err;
  process.stdout.write(`${port}\n`);
});
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
module.exports = { def };
