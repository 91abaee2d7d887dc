import { execFile, execFileSync, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * Packs every package as `npm publish` would, installs the tarballs into a fresh folder outside
 * the repository (third-party dependencies from the npm registry, offline-first), and runs a
 * small app on them: what a user who installs jiq gets.
 */
const ROOT = join(__dirname, '..');
const PACKAGES = ['core', 'shared', 'dispatcher', 'worker', 'client', 'model', 'sim', 'dashboard', 'cli'] as const;
/** What a gRPC-only application installs. */
const APP_PACKAGES = ['core', 'shared', 'dispatcher', 'worker', 'client'] as const;
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

const dir = mkdtempSync(join(tmpdir(), 'jiq-pack-'));
const tarballs = join(dir, 'tarballs');
const tarballOf = new Map<string, string>();
const log = (line: string): void => {
  process.stdout.write(`[pack-install] ${line}\n`);
};

/** Asynchronous, so vitest's worker keeps answering while npm runs. */
async function npm(args: string[], cwd: string): Promise<string> {
  const { stdout } = await promisify(execFile)(NPM, args, { cwd, encoding: 'utf8', env: { ...process.env, npm_config_update_notifier: 'false' }, maxBuffer: 16 << 20 });
  return stdout;
}

function list(tarball: string): string[] {
  return execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).split('\n').filter((l) => l !== '').map((l) => l.replace(/^package\//, ''));
}

async function install(appDir: string, names: readonly string[]): Promise<void> {
  const deps = Object.fromEntries(names.map((p) => [`@jiq/${p}`, `file:${tarballOf.get(p)!}`]));
  // overrides: @jiq/* dependencies between the tarballs resolve to the tarballs, not the registry.
  writeFileSync(join(appDir, 'package.json'), JSON.stringify({ name: 'jiq-user-app', private: true, dependencies: deps, overrides: deps }, null, 2));
  const started = Date.now();
  await npm(['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel', 'error'], appDir);
  log(`npm install ${names.map((p) => `@jiq/${p}`).join(' ')} in ${appDir}: ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

beforeAll(async () => {
  mkdirSync(tarballs);
  await Promise.all(
    PACKAGES.map(async (p) => {
      const out = await npm(['pack', '--pack-destination', tarballs, '--json', '--loglevel', 'error'], join(ROOT, 'packages', p));
      // prepack scripts print to stdout before the JSON.
      const info = JSON.parse(out.slice(out.indexOf('['))) as { filename: string; size: number; entryCount: number }[];
      tarballOf.set(p, join(tarballs, info[0]!.filename));
      log(`packed @jiq/${p}: ${info[0]!.filename}, ${info[0]!.entryCount} files, ${(info[0]!.size / 1024).toFixed(1)} KiB`);
    }),
  );
}, 120_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('every package packs as publishable', () => {
  it.each(PACKAGES)('@jiq/%s: README, LICENSE, types, no build info, every source map resolves inside the tarball', (p) => {
    const files = list(tarballOf.get(p)!);
    const pkg = JSON.parse(execFileSync('tar', ['-xzOf', tarballOf.get(p)!, 'package/package.json'], { encoding: 'utf8' })) as Record<string, unknown>;
    expect(pkg.private).toBeUndefined();
    expect(pkg.license).toBe('MIT');
    expect(files).toEqual(expect.arrayContaining(['package.json', 'README.md', 'LICENSE', 'dist/index.js', 'dist/index.d.ts']));
    expect(files.filter((f) => f.includes('tsbuildinfo') || f.includes('/test/'))).toEqual([]);
    const shipped = new Set(files);
    for (const map of files.filter((f) => f.endsWith('.map'))) {
      const m = JSON.parse(execFileSync('tar', ['-xzOf', tarballOf.get(p)!, `package/${map}`], { encoding: 'utf8' })) as { sources: string[] };
      for (const s of m.sources) expect(shipped.has(join(map, '..', s)), `${map} → ${s}`).toBe(true);
    }
  });

  it('runtime dependencies are what each package imports (NATS, Redis and pino-pretty optional peers of @jiq/shared)', () => {
    for (const p of PACKAGES) {
      const pkg = JSON.parse(readFileSync(join(ROOT, 'packages', p, 'package.json'), 'utf8')) as {
        dependencies?: Record<string, string>;
        peerDependencies?: Record<string, string>;
        peerDependenciesMeta?: Record<string, { optional?: boolean }>;
      };
      const imported = importsOf(join(ROOT, 'packages', p, 'src'));
      const declared = new Set([...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.peerDependencies ?? {})]);
      expect([...imported].filter((m) => !declared.has(m)), `@jiq/${p} imports undeclared packages`).toEqual([]);
      // The CLI declares nats, ioredis and pino-pretty so the command has every feature.
      const unused = Object.keys(pkg.dependencies ?? {}).filter((d) => !imported.has(d) && !(p === 'cli' && ['nats', 'ioredis', 'pino-pretty'].includes(d)));
      expect(unused, `@jiq/${p} depends on packages it never imports`).toEqual([]);
    }
    const shared = JSON.parse(readFileSync(join(ROOT, 'packages', 'shared', 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
      peerDependenciesMeta: Record<string, { optional?: boolean }>;
    };
    for (const optional of ['nats', 'ioredis', 'pino-pretty']) {
      expect(shared.dependencies[optional], optional).toBeUndefined();
      expect(shared.peerDependenciesMeta[optional]?.optional, optional).toBe(true);
    }
  });
});

describe('installed from the tarballs into a fresh folder', () => {
  it('a gRPC-only app (dispatcher, worker with a handler, client) runs, silent, without nats or ioredis installed', async () => {
    const app = join(dir, 'app');
    mkdirSync(app);
    await install(app, APP_PACKAGES);
    expect(existsSync(join(app, 'node_modules', 'nats'))).toBe(false);
    expect(existsSync(join(app, 'node_modules', 'ioredis'))).toBe(false);
    writeFileSync(
      join(app, 'app.mjs'),
      `import { startDispatcher } from '@jiq/dispatcher';
import { startWorker } from '@jiq/worker';
import { JiqClient } from '@jiq/client';
import { ErrorCode, JiqJobError } from '@jiq/core';
import { NatsConnector } from '@jiq/shared';

const dispatcher = await startDispatcher({ port: 0, select: 'lcfs', metrics: { port: 0 } });
const handler = async ({ payload, workerId }) => {
  const text = Buffer.from(payload).toString('utf8');
  if (text === 'fail') throw new Error('refusing to work on "fail"');
  return text.split('').reverse().join('') + ' @' + workerId;
};
const workers = await Promise.all(['w1', 'w2'].map((id) => startWorker({ id, dispatchers: [dispatcher.address], handler })));
const client = new JiqClient({ dispatchers: [dispatcher.address] });
await client.connect();
const results = await Promise.all(['jiq', 'works', 'installed'].map((p) => client.submit(p)));
for (const r of results) console.log('result:', Buffer.from(r.result).toString('utf8'));
const failed = await client.submit('fail').catch((e) => e);
console.log('failure:', failed instanceof JiqJobError, failed.code === ErrorCode.HANDLER_FAILED, failed.codeName);
const metrics = await (await fetch('http://' + dispatcher.metricsAddress + '/metrics')).text();
console.log('metrics:', metrics.split('\\n').find((l) => l.startsWith('jiq_dispatcher_arrivals_total')));
const nats = await NatsConnector.connect({ url: 'nats://127.0.0.1:1', prefix: 'jiq', name: 'x' }).catch((e) => e);
console.log('without nats:', nats.name, nats.message);
await client.close();
await Promise.all(workers.map((w) => w.close()));
await dispatcher.close();
`,
    );
    const r = await run(process.execPath, ['app.mjs'], app);
    log(`node app.mjs (exit ${r.status}):\n${r.stdout}${r.stderr}`);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^result: qij @w[12]$/m);
    expect(r.stdout).toMatch(/^result: skrow @w[12]$/m);
    expect(r.stdout).toMatch(/^result: dellatsni @w[12]$/m);
    expect(r.stdout).toContain('failure: true true HANDLER_FAILED');
    expect(r.stdout).toMatch(/^metrics: jiq_dispatcher_arrivals_total\{dispatcher="[^"]+"\} 4$/m);
    expect(r.stdout).toContain('without nats: JiqConfigError nats: is needed for the NATS transport');
    // The library is silent unless given a logger.
    expect(r.stderr).toBe('');
  }, 180_000);

  it('the installed type declarations check a TypeScript app (typed policy names, error code names)', async () => {
    const app = join(dir, 'app');
    writeFileSync(
      join(app, 'typed.ts'),
      `import { startDispatcher, type DispatcherOptions } from '@jiq/dispatcher';
import { ErrorCode, JiqJobError, type ErrorCodeName } from '@jiq/core';
const ok: DispatcherOptions = { select: 'lcfs', policy: 'jiq-pod', fallbackD: 2 };
// @ts-expect-error: not a token selection
const bad: DispatcherOptions = { select: 'newest' };
// @ts-expect-error: fallback was replaced by policy 'jiq' | 'jiq-pod'
const old: DispatcherOptions = { fallback: 'random' };
const name: ErrorCodeName = 'HANDLER_FAILED';
export async function run(): Promise<void> {
  const d = await startDispatcher(ok);
  const e = new JiqJobError(ErrorCode.UNAVAILABLE, 'x', 'j');
  const n: ErrorCodeName | 'UNKNOWN' = e.codeName;
  console.log(d.address, bad, old, name, n);
}
`,
    );
    writeFileSync(
      join(app, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', strict: true, noEmit: true, types: [],
        // As `tsc --init` sets it: @jiq/shared's declarations name nats/ioredis types, optional peers not installed here.
        skipLibCheck: true }, files: ['typed.ts'] }),
    );
    const r = await run(process.execPath, [TSC, '-p', app], app);
    expect(r.status, r.stdout + r.stderr).toBe(0);
  }, 90_000);

  it('the jiq command installs from its tarball and runs', async () => {
    const app = join(dir, 'cli');
    mkdirSync(app);
    await install(app, PACKAGES);
    const jiq = join(app, 'node_modules', '.bin', 'jiq');
    const version = await run(jiq, ['--version'], app);
    expect(version.stdout.trim()).toBe('0.1.0');
    const sim = await run(jiq, ['sim', '--n', '20', '--m', '2', '--lambda', '0.5', '--horizon', '200', '--seed', '1', '--json'], app);
    expect(sim.status, sim.stderr).toBe(0);
    const out = JSON.parse(sim.stdout) as { q0: number };
    log(`jiq sim from the installed CLI: q0 = ${out.q0}`);
    expect(out.q0).toBeGreaterThan(0);
    expect(out.q0).toBeLessThan(1);
  }, 240_000);
});

/** Runs a command to completion without blocking the test worker. */
function run(cmd: string, args: string[], cwd: string): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
    child.on('exit', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

/** Bare module names a package's sources import at run time (type-only imports excluded). */
function importsOf(srcDir: string): Set<string> {
  const found = new Set<string>();
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ts')) {
        const text = readFileSync(p, 'utf8');
        const specs = [
          ...[...text.matchAll(/^(?:import|export)(?!\s+type\b)[^'"]*?from\s+'([^']+)'/gm)].map((m) => m[1]!),
          ...[...text.matchAll(/\bimport\('([^']+)'\)/g)].map((m) => m[1]!),
          ...[...text.matchAll(/require(?:\.resolve)?\('([^']+)'\)/g)].map((m) => m[1]!),
        ];
        for (const s of specs) {
          if (s.startsWith('.') || s.startsWith('node:')) continue;
          found.add(s.startsWith('@') ? s.split('/').slice(0, 2).join('/') : s.split('/')[0]!);
        }
      }
    }
  };
  walk(srcDir);
  return found;
}
