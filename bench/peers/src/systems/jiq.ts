// jiq as deployed for this bench: one `jiq dispatcher` process, one worker process with 16
// slots and a no-op handler (children/jiq-worker), and a JiqClient in the bench process.
import { spawnJiq } from '@jiq/cli';
import { JiqClient } from '@jiq/client';
import { createLogger, GrpcConnector, NatsConnector, type Connector } from '@jiq/shared';
import { spawnChild, track } from '../processes';
import { expectPayload, withBroker, type RunningSystem, type SystemContext } from './system';

const SLOTS = 16;

export async function startJiq(ctx: SystemContext, transport: 'grpc' | 'nats'): Promise<RunningSystem> {
  const id = `bench-${transport}-d0`;
  const via = transport === 'nats' ? ['--transport', 'nats', '--nats', ctx.natsUrl] : ['--port', '0'];
  const dispatcher = await spawnJiq(['dispatcher', '--id', id, '--log-level', 'warn', ...via], {
    timeoutMs: 20_000,
    onStderr: (line) => process.stderr.write(`[jiq-${transport} dispatcher] ${line}\n`),
  });
  track({ stop: () => dispatcher.stop(5_000), killNow: () => dispatcher.kill() });
  // Over NATS a dispatcher's address is its id.
  const address = dispatcher.ready.address ?? dispatcher.ready.id;
  const worker = await spawnChild('jiq-worker', [transport, address, String(SLOTS), ...(transport === 'nats' ? [ctx.natsUrl] : [])]);
  const logger = createLogger('bench-peers', 'silent');
  const connector: Connector = transport === 'nats' ? await NatsConnector.connect({ url: ctx.natsUrl, log: logger }) : new GrpcConnector();
  const client = new JiqClient({ dispatchers: [address], connector, logger, seed: 1 });
  await client.connect();
  const pids = { client: process.pid, dispatcher: dispatcher.ready.pid, worker: worker.pid };
  const name = `jiq-${transport}` as const;
  return {
    name,
    pids: transport === 'nats' ? withBroker(pids, ctx.natsPid) : pids,
    call: () => client.send(ctx.payload, {}).then((r) => expectPayload(name, ctx.payload.length, r.result.length)),
    stop: async () => {
      await client.close();
      await connector.close();
      await worker.stop();
      await dispatcher.stop(5_000);
    },
  };
}
