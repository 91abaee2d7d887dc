// A jiq worker process as a user embeds one: startWorker with a no-op handler (returns the
// payload), over gRPC or NATS. argv: <grpc|nats> <dispatcher address or id> <slots> [nats url]
import { GrpcConnector, NatsConnector, createLogger, type Connector } from '@jiq/shared';
import { startWorker } from '@jiq/worker';
import { announceReady, exitWithParent, failed } from './child-lifecycle';

async function main(): Promise<void> {
  const [transport, dispatcher, slots, natsUrl] = process.argv.slice(2);
  if ((transport !== 'grpc' && transport !== 'nats') || !dispatcher || !slots || (transport === 'nats' && !natsUrl)) {
    throw new Error('usage: jiq-worker <grpc|nats> <dispatcher> <slots> [nats url]');
  }
  const logger = createLogger('bench-jiq-worker', 'warn');
  const connector: Connector = transport === 'nats' ? await NatsConnector.connect({ url: natsUrl!, log: logger }) : new GrpcConnector();
  const worker = await startWorker({
    dispatchers: [dispatcher],
    connector,
    slots: Number(slots),
    logger,
    handler: (job) => job.payload,
  });
  announceReady({ id: worker.id });
  exitWithParent(async () => {
    await worker.close();
    await connector.close();
  });
}

main().catch(failed);
