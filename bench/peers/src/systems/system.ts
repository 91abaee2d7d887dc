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
