// A plain NATS request/reply responder in a queue group: replies with the request's bytes.
// argv: <nats url> <subject> <queue group>
import { connect } from 'nats';
import { announceReady, exitWithParent, failed } from './child-lifecycle';

async function main(): Promise<void> {
  const [url, subject, queue] = process.argv.slice(2);
  if (!url || !subject || !queue) throw new Error('usage: nats-responder <url> <subject> <queue>');
  const nc = await connect({ servers: url, name: `bench-responder-${process.pid}` });
  nc.subscribe(subject, {
    queue,
    callback: (err, msg) => {
      if (!err) msg.respond(msg.data);
    },
  });
  // The subscription is registered at the server once the flush returns.
  await nc.flush();
  announceReady({ subject });
  exitWithParent(() => nc.close());
}

main().catch(failed);
