import type { SystemName } from '../options';
import type { RolePids } from '../proc-cpu';

/** One peer under test, started and ready for jobs. */
export interface RunningSystem {
  readonly name: SystemName;
  /**
   * The OS pid of each process whose CPU this system is charged (client = the bench process,
   * which drives one system at a time; broker = the nats-server or redis-server, when known).
   */
  readonly pids: RolePids;
  /** Sends one ~payload-sized job and resolves when its result is back (rejects if it failed). */
  call(): Promise<unknown>;
  stop(): Promise<void>;
}

/** What a system may use: the payload and the brokers the bench started. */
export interface SystemContext {
  readonly payload: Buffer;
  readonly natsUrl: string;
  readonly natsPid: number | undefined;
  readonly redisHost: string;
  readonly redisPort: number;
  readonly redisPid: number | undefined;
}

export function withBroker(pids: Record<string, number>, brokerPid: number | undefined): RolePids {
  return brokerPid === undefined ? pids : { ...pids, broker: brokerPid };
}

/** A reply without the job's payload: the system did not run the no-op job as asked. */
export class WrongReplyError extends Error {
  constructor(
    readonly system: SystemName,
    readonly expectedBytes: number,
    readonly gotBytes: number,
  ) {
    super(`${system}: a reply carried ${gotBytes} bytes instead of the job's ${expectedBytes}-byte payload`);
    this.name = 'WrongReplyError';
  }
}

/** Every job is a no-op that returns its payload: a reply of another size is an error, not a figure. */
export function expectPayload(system: SystemName, expectedBytes: number, gotBytes: number): void {
  if (gotBytes !== expectedBytes) throw new WrongReplyError(system, expectedBytes, gotBytes);
}
