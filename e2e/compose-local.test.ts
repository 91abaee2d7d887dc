import { spawnJiq, type JiqChild } from '@jiq/cli';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { localEnv, readCompose, startOrder, type ComposeService } from './helpers/compose-local';
import { runJiq } from './helpers/jiq-processes';
import { useNatsAndRedis } from './helpers/nats-and-redis';

const COMPOSE = join(__dirname, '..', 'compose.yaml');
/** Replicas are honoured, capped to keep the run CI-sized. */
const MAX_REPLICAS = 4;

function isInfra(s: ComposeService): 'nats' | 'redis' | undefined {
  if (s.jiq) return undefined;
  if (/^nats(:|$)/.test(s.image ?? '') || s.name === 'nats') return 'nats';
  if (/^redis(:|$)/.test(s.image ?? '') || s.name === 'redis') return 'redis';
  return undefined;
}

describe('compose.yaml', () => {
  const services = readCompose(COMPOSE);

  it('has nats, redis, dispatcher and worker services and a load profile, all jiq services on JIQ_* settings', () => {
    const names = services.map((s) => s.name);
    expect(names).toEqual(expect.arrayContaining(['nats', 'redis', 'dispatcher', 'worker', 'load']));
    const load = services.find((s) => s.name === 'load')!;
    expect(load.profiles).toContain('load');
    expect(load.command[0]).toBe('load');
    for (const s of services.filter((x) => x.jiq)) {
      expect(s.environment.JIQ_TRANSPORT, s.name).toBe('nats');
      expect(s.environment.JIQ_NATS_URL, s.name).toMatch(/^nats:\/\/nats:\d+$/);
      expect(s.environment.JIQ_REDIS_URL, s.name).toMatch(/^redis:\/\/redis:\d+$/);
      expect(s.dependsOn, s.name).toEqual(expect.arrayContaining(['nats', 'redis']));
    }
    expect(services.every((s) => s.jiq || isInfra(s) !== undefined)).toBe(true);
  });

  describe('run as local processes (no Docker)', () => {
    const infra = useNatsAndRedis();
    const children: JiqChild[] = [];
    afterAll(async () => {
      // Workers before dispatchers (as compose stops dependants first).
      for (const c of children.reverse()) await c.stop(5_000);
    });

    it('starts every service, runs the load profile, and every job completes', async () => {
      const replaced = { nats: infra.nats.url, redis: infra.redis.url };
      const names = services.map((s) => s.name);
      // With shared servers from NATS_URL / REDIS_URL, keep this run's subjects and keys apart.
      const isolate = infra.nats.source === 'env' || infra.redis.source === 'env' ? { JIQ_CLUSTER: `compose${process.pid}` } : {};
      const logs: string[] = [];
      const onStderr = (line: string): void => {
        logs.push(line);
        if (process.env.JIQ_TEST_LOGS) process.stderr.write(`${line}\n`);
      };
      const started = new Map<string, number>();
      let loadService: ComposeService | undefined;
      for (const s of startOrder(services)) {
        if (isInfra(s)) continue;
        if (s.profiles.length > 0) {
          if (s.profiles.includes('load')) loadService = s;
          continue;
        }
        const env = { ...localEnv(s.environment, names, replaced), ...isolate };
        const n = Math.min(s.replicas, MAX_REPLICAS);
        const spawned = await Promise.all(Array.from({ length: n }, () => spawnJiq(s.command, { timeoutMs: 20_000, env, onStderr })));
        children.push(...spawned);
        started.set(s.name, n);
      }
      expect(started.get('dispatcher')).toBeGreaterThan(0);
      expect(started.get('worker')).toBeGreaterThan(0);
      expect(loadService).toBeDefined();

      const env = { ...localEnv(loadService!.environment, names, replaced), ...isolate };
      const run = await runJiq(loadService!.command, 90_000, env);
      expect(run.code, `${run.stderr}\n${logs.slice(-20).join('\n')}`).toBe(0);
      const result = JSON.parse(run.stdout) as { dispatchers: string[]; submitted: number; completed: number; lost: number; failed: number };
      expect(result.dispatchers).toHaveLength(started.get('dispatcher')!);
      expect(result.submitted).toBeGreaterThan(100);
      expect(result.completed).toBe(result.submitted);
      expect(result.lost).toBe(0);
      expect(result.failed).toBe(0);
      for (const c of children) expect(c.child.exitCode).toBeNull();
    });
  });
});
