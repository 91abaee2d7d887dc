import { spawnJiq, type JiqChild } from '@jiq/cli';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { localCommand, localEnv, parseWithCli, readCompose, startOrder, type ComposeService } from './helpers/compose-local';
import { runJiq } from './helpers/jiq-processes';
import { useNatsAndRedis } from './helpers/nats-and-redis';

const ROOT = join(__dirname, '..');
const COMPOSE = join(ROOT, 'compose.yaml');
/** Profiles whose jiq services the local run starts before the load (the load profile runs last). */
const LOCAL_PROFILES = ['handler'];
/** Replicas are honoured, capped to keep the run CI-sized. */
const MAX_REPLICAS = 4;

function isInfra(s: ComposeService): 'nats' | 'redis' | 'prometheus' | undefined {
  if (s.jiq) return undefined;
  if (/^nats(:|$)/.test(s.image ?? '') || s.name === 'nats') return 'nats';
  if (/^redis(:|$)/.test(s.image ?? '') || s.name === 'redis') return 'redis';
  if (/^prom\/prometheus(:|$)/.test(s.image ?? '')) return 'prometheus';
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

  it('every jiq service\'s command parses with the CLI\'s real option parser, under the service\'s environment', async () => {
    for (const s of services.filter((x) => x.jiq)) {
      const opts = await parseWithCli(s.command, s.environment);
      expect(opts.transport, s.name).toBe('nats');
      if (s.command[0] === 'dispatcher' || s.command[0] === 'worker') {
        // Served on 0.0.0.0 in the image; the port compose's healthcheck asks.
        expect(opts.metricsPort, s.name).toBe(9464);
        expect(s.healthcheck, s.name).toEqual(['node', 'deploy/docker/healthcheck.cjs', 'readyz']);
      }
    }
    // The load is sized from the live workers: no worker count baked into the file.
    const load = services.find((s) => s.name === 'load')!;
    expect(load.environment.JIQ_WORKERS).toBeUndefined();
    expect(load.command).not.toContain('--workers');
    // A bad command is refused by the same parser (so the check above can fail).
    await expect(parseWithCli(['worker', '--d', 'zero'], {})).rejects.toThrow('--d: must be an integer >= 1');
  });

  it('the handler example is mounted from the repository and the healthcheck script ships', () => {
    const h = services.find((s) => s.name === 'handler-worker')!;
    const handler = localCommand(h)[localCommand(h).indexOf('--handler') + 1]!;
    expect(existsSync(handler), handler).toBe(true);
    expect(existsSync(join(ROOT, 'deploy', 'docker', 'healthcheck.cjs'))).toBe(true);
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
        if (s.profiles.includes('load')) loadService = s;
        if (s.profiles.length > 0 && !s.profiles.some((p) => LOCAL_PROFILES.includes(p))) continue;
        // One host for every replica: each takes a free metrics port instead of the container's 9464.
        const env = { ...localEnv(s.environment, names, replaced), ...isolate, JIQ_METRICS_PORT: '0' };
        const n = Math.min(s.replicas, MAX_REPLICAS);
        const spawned = await Promise.all(Array.from({ length: n }, () => spawnJiq(localCommand(s), { timeoutMs: 20_000, env, onStderr })));
        children.push(...spawned);
        started.set(s.name, n);
        // The compose healthcheck itself, run against each process's own port.
        for (const c of spawned) {
          const port = c.ready.metrics!.split(':').at(-1)!;
          const check = spawnSync(s.healthcheck![0]!, s.healthcheck!.slice(1), { cwd: ROOT, env: { ...process.env, JIQ_METRICS_PORT: port }, encoding: 'utf8' });
          expect(check.status, `${s.name}: ${check.stdout}${check.stderr}`).toBe(0);
          expect(check.stdout).toBe('ready\n');
        }
      }
      expect(started.get('dispatcher')).toBeGreaterThan(0);
      expect(started.get('worker')).toBeGreaterThan(0);
      expect(loadService).toBeDefined();

      const env = { ...localEnv(loadService!.environment, names, replaced), ...isolate };
      const run = await runJiq(loadService!.command, 90_000, env);
      expect(run.code, `${run.stderr}\n${logs.slice(-20).join('\n')}`).toBe(0);
      const result = JSON.parse(run.stdout) as { dispatchers: string[]; workers: number; submitted: number; completed: number; lost: number; failed: number };
      expect(result.dispatchers).toHaveLength(started.get('dispatcher')!);
      // Sized from the workers live in Redis: every worker service started here.
      expect(result.workers).toBe(started.get('worker')! + (started.get('handler-worker') ?? 0));
      expect(result.submitted).toBeGreaterThan(100);
      expect(result.completed).toBe(result.submitted);
      expect(result.lost).toBe(0);
      expect(result.failed).toBe(0);
      for (const c of children) expect(c.child.exitCode).toBeNull();
    });
  });
});
