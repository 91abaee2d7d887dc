// Embedding jiq in a Node app: one dispatcher, two workers with a handler, a client.
// Run after `npm ci`:  node examples/embedded.js
const { startDispatcher } = require('@jiq/dispatcher');
const { startWorker } = require('@jiq/worker');
const { JiqClient } = require('@jiq/client');

async function main() {
  const dispatcher = await startDispatcher({ port: 0 }); // gRPC on a free loopback port
  const handler = async ({ payload }) => Buffer.from(payload).toString('utf8').toUpperCase();
  const workers = await Promise.all([
    startWorker({ dispatchers: [dispatcher.address], handler }),
    startWorker({ dispatchers: [dispatcher.address], handler }),
  ]);
  const client = new JiqClient({ dispatchers: [dispatcher.address] });

  const { result, info } = await client.submit('hello, jiq');
  console.log(Buffer.from(result).toString('utf8'), `(by ${info.byToken ? 'token' : 'fallback'} on ${info.workerId})`);

  try {
    await client.submit(new Uint8Array(0)); // refused before it leaves the client
  } catch (err) {
    console.log(`${err.name}: ${err.message}`);
  }

  // close() drains: in-flight jobs finish first.
  await client.close();
  await Promise.all(workers.map((w) => w.close()));
  await dispatcher.close();
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
