// A plain NATS request/reply: the bench requests on one subject, one responder process in a
// queue group replies with the same bytes.
import { connect } from 'nats';
import { spawnChild } from '../processes';
import { expectPayload, withBroker, type RunningSystem, type SystemContext } from './system';

const SUBJECT = 'bench.echo';

export async function startNatsQueueGroup(ctx: SystemContext): Promise<RunningSystem> {
  const responder = await spawnChild('nats-responder', [ctx.natsUrl, SUBJECT, 'bench-responders']);
  const nc = await connect({ servers: ctx.natsUrl, name: 'bench-driver' });
  return {
    name: 'nats-queue-group',
    pids: withBroker({ client: process.pid, responder: responder.pid }, ctx.natsPid),
    call: () => nc.request(SUBJECT, ctx.payload, { timeout: 30_000 }).then((m) => expectPayload('nats-queue-group', ctx.payload.length, m.data.length)),
    stop: async () => {
      await nc.close();
      await responder.stop();
    },
  };
}
