import { spawnJiq, type JiqChild } from '@jiq/cli';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { localCommand, localEnv, localSecrets, parseWithCli, readCompose, SECRETS_DIR, startOrder, type ComposeService } from './helpers/compose-local';
import { runJiq } from './helpers/jiq-processes';
import { freePort } from './helpers/ports';
import { requireService, type ServiceHandle } from './helpers/services';

const ROOT = join(__dirname, '..');
const COMPOSE = join(ROOT, 'compose.yaml');
/** Profiles whose jiq services the local run starts before the load (the load profile runs last). */
const LOCAL_PROFILES = ['handler'];
/** Replicas are honoured, capped to keep the run CI-sized. */
const MAX_REPLICAS = 4;
const GEN_CERTS = join(ROOT, 'deploy', 'gen-certs.sh');

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
      expect(s.environment.JIQ_REDIS_URL, s.name).toMatch(/^rediss:\/\/redis:\d+$/);
      expect(s.dependsOn, s.name).toEqual(expect.arrayContaining(['nats', 'redis']));
    }
    expect(services.every((s) => s.jiq || isInfra(s) !== undefined)).toBe(true);
  });

  it('every link is secured: TLS to NATS and Redis, NATS and Redis passwords and jiq\'s token, all from mounted secrets', () => {
    for (const s of services.filter((x) => x.jiq)) {
      const env = s.environment;
      for (const k of ['JIQ_AUTH_TOKEN_FILE', 'JIQ_NATS_TLS_CA', 'JIQ_NATS_PASS_FILE', 'JIQ_REDIS_TLS_CA', 'JIQ_REDIS_PASSWORD_FILE']) {
        expect(env[k], `${s.name} ${k}`).toMatch(new RegExp(`^${SECRETS_DIR}/`));
      }
      expect(env.JIQ_NATS_USER, s.name).toBe('jiq');
      // No secret in the file itself, nor in argv.
      for (const k of ['JIQ_AUTH_TOKEN', 'JIQ_NATS_PASS']) expect(env[k], `${s.name} ${k}`).toBeUndefined();
      expect(env.JIQ_REDIS_URL, s.name).not.toContain('@');
      expect(s.command.join(' '), s.name).not.toMatch(/pass|token/i);
      // Every /run/secrets path it names is a secret it mounts.
      expect(() => localSecrets(s, env), s.name).not.toThrow();
    }
    const nats = services.find((s) => s.name === 'nats')!;
    expect(nats.command.slice(0, 2)).toEqual(['-c', `${SECRETS_DIR}/nats_conf`]);
    const redis = services.find((s) => s.name === 'redis')!;
    expect(redis.command.slice(0, 2)).toEqual(['redis-server', `${SECRETS_DIR}/redis_conf`]);
    // The plaintext port is off: only TLS (the config's tls-port) is served.
    expect(redis.command.join(' ')).toContain('--port 0');
    // Every secret comes from the folder deploy/gen-certs.sh writes, and that folder is never committed or sent to a build.
    for (const s of services) for (const x of s.secrets) expect(x.file, `${s.name} ${x.name}`).toBe(join(ROOT, 'deploy', 'secrets', x.name));
    expect(readFileSync(join(ROOT, '.gitignore'), 'utf8')).toMatch(/^deploy\/secrets\/?$/m);
    expect(readFileSync(join(ROOT, '.dockerignore'), 'utf8')).toMatch(/^deploy\/secrets\/?$/m);
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

  describe('run as local processes with the secrets deploy/gen-certs.sh makes (no Docker)', () => {
    // The script writes the secrets and the NATS/Redis configs naming them by this folder, so the
    // servers run the very configs compose mounts, and every /run/secrets/<name> maps to <dir>/<name>.
    let secrets = '';
    let nats: ServiceHandle | null = null;
    let redis: ServiceHandle | null = null;
    let redisTlsPort = 0;
    const children: JiqChild[] = [];
    beforeAll(async () => {
      secrets = mkdtempSync(join(tmpdir(), 'jiq-compose-secrets-'));
      execFileSync(GEN_CERTS, ['--out', secrets, '--paths-in', secrets, '--days', '2', '--force'], { stdio: ['ignore', 'ignore', 'pipe'] });
      redisTlsPort = await freePort();
      // Loopback plaintext ports stay for the helpers' readiness checks (they answer NOAUTH / require TLS).
      [nats, redis] = await Promise.all([
        requireService('nats', { extraArgs: () => ['-c', join(secrets, 'nats_conf')] }),
        requireService('redis', { extraArgs: () => ['--include', join(secrets, 'redis_conf'), '--tls-port', String(redisTlsPort)] }),
      ]);
    });
    beforeEach((ctx) => {
      if (!nats || !redis) ctx.skip();
    });
    afterAll(async () => {
      // Workers before dispatchers (as compose stops dependants first), then the servers.
      for (const c of children.reverse()) await c.stop(5_000);
      await Promise.all([nats?.stop(), redis?.stop()]);
      if (secrets) rmSync(secrets, { recursive: true, force: true });
    });

    const envOf = (s: ComposeService, names: string[]): Record<string, string> => {
      const replaced = { nats: nats!.url, redis: `rediss://127.0.0.1:${redisTlsPort}` };
      return localSecrets(s, localEnv(s.environment, names, replaced), (x) => join(secrets, basename(x.file)));
    };

    it('deploy/gen-certs.sh keeps the CA key private and refuses to overwrite secrets', () => {
      expect(statSync(secrets).mode & 0o777).toBe(0o700);
      expect(statSync(join(secrets, 'ca_key')).mode & 0o777).toBe(0o600);
      const again = spawnSync(GEN_CERTS, ['--out', secrets], { encoding: 'utf8' });
      expect(again.status).toBe(2);
      expect(again.stderr).toContain('--force');
    });

    it('starts every service over TLS with the token, runs the load profile, and every job completes; a load without the token or the CA is refused', async () => {
      const names = services.map((s) => s.name);
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
        const env = { ...envOf(s, names), JIQ_METRICS_PORT: '0' };
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

      const env = envOf(loadService!, names);
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

      // The same load without jiq's token: the dispatchers refuse its sessions.
      const { JIQ_AUTH_TOKEN_FILE: _token, ...noToken } = env;
      const refused = await runJiq([...loadService!.command.filter((a) => a !== '--json'), '--duration', '1'], 30_000, { ...noToken, JIQ_AUTH_TOKEN: '' });
      expect(refused.code, refused.stderr).toBe(1);
      expect(refused.stderr).toContain('UNAUTHENTICATED');
      // Without the CA, the NATS server's certificate is not trusted: nothing connects in the clear.
      const { JIQ_NATS_TLS_CA: _ca, ...noCa } = env;
      const untrusted = await runJiq([...loadService!.command, '--duration', '1'], 30_000, noCa);
      expect(untrusted.code, untrusted.stderr).not.toBe(0);
      expect(untrusted.stderr).toMatch(/certificate|TLS|tls/);
    });
  });
});
