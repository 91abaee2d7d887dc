import { readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { buildProgram } from '@jiq/cli';
import { parse } from 'yaml';

/**
 * compose.yaml read as a plan of local processes (DESIGN.md, "Real components": where no
 * Docker engine runs, every service's command and environment run as local processes).
 * Only what the local run needs is modelled: image/build, command, environment, replicas,
 * depends_on and profiles. Infrastructure services (nats, redis) are not run from the file:
 * the test starts its own servers and `localEnv` points the jiq services at them.
 */
export interface ComposeService {
  name: string;
  /** true for the services built from this repo (image jiq* or a build section). */
  jiq: boolean;
  image: string | undefined;
  command: string[];
  environment: Record<string, string>;
  replicas: number;
  dependsOn: string[];
  profiles: string[];
  /** Bind mounts: host path (relative to the compose file's folder) → container path. */
  volumes: { host: string; container: string }[];
  /** The healthcheck's CMD arguments (without "CMD"), or undefined when it has none or is disabled. */
  healthcheck: string[] | undefined;
  /** Docker secrets: mounted at /run/secrets/<name>, from `file` (relative to the compose file's folder). */
  secrets: { name: string; file: string }[];
}

/** Where Docker mounts a service's secrets. */
export const SECRETS_DIR = '/run/secrets';

interface RawService {
  image?: string;
  build?: unknown;
  command?: string | string[];
  environment?: Record<string, string | number | boolean | null> | string[];
  deploy?: { replicas?: number };
  depends_on?: string[] | Record<string, unknown>;
  profiles?: string[];
  volumes?: string[];
  healthcheck?: { test?: string[]; disable?: boolean };
  secrets?: (string | { source: string; target?: string })[];
}

function volumesOf(raw: RawService['volumes'], dir: string): ComposeService['volumes'] {
  return (raw ?? []).map((v) => {
    const [host, container] = v.split(':');
    if (!host || !container) throw new Error(`compose.yaml: volume "${v}" is not host:container[:mode]`);
    return { host: isAbsolute(host) ? host : join(dir, host), container };
  });
}

function healthcheckOf(raw: RawService['healthcheck']): string[] | undefined {
  if (!raw || raw.disable || !raw.test) return undefined;
  const [kind, ...args] = raw.test;
  if (kind !== 'CMD') throw new Error(`compose.yaml: healthcheck test must use the exec form ["CMD", ...] (got ${kind})`);
  return args;
}

function environmentOf(raw: RawService['environment']): Record<string, string> {
  if (!raw) return {};
  if (Array.isArray(raw)) {
    return Object.fromEntries(raw.map((kv) => {
      const i = kv.indexOf('=');
      return i < 0 ? [kv, process.env[kv] ?? ''] : [kv.slice(0, i), kv.slice(i + 1)];
    }));
  }
  return Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, v === null ? '' : String(v)]));
}

function commandOf(raw: RawService['command']): string[] {
  if (raw === undefined) return [];
  // The shell form is split on whitespace: enough for the commands in compose.yaml.
  return Array.isArray(raw) ? raw.map(String) : raw.trim().split(/\s+/);
}

export function readCompose(path: string): ComposeService[] {
  const doc = parse(readFileSync(path, 'utf8'), { merge: true }) as { services?: Record<string, RawService>; secrets?: Record<string, { file?: string }> };
  if (!doc.services) throw new Error(`${path}: no services`);
  const secretsOf = (name: string, raw: RawService['secrets']): ComposeService['secrets'] =>
    (raw ?? []).map((r) => {
      const ref = typeof r === 'string' ? { source: r } : r;
      if (ref.target !== undefined) throw new Error(`compose.yaml: ${name}: secret ${ref.source}: a target path is not modelled; mount it as /run/secrets/${ref.source}`);
      const file = doc.secrets?.[ref.source]?.file;
      if (file === undefined) throw new Error(`compose.yaml: ${name} uses secret ${ref.source}, which the top-level secrets do not define with a file`);
      return { name: ref.source, file: isAbsolute(file) ? file : join(path, '..', file) };
    });
  return Object.entries(doc.services).map(([name, s]) => ({
    name,
    jiq: s.build !== undefined || /^jiq(:|$)/.test(s.image ?? ''),
    image: s.image,
    command: commandOf(s.command),
    environment: environmentOf(s.environment),
    replicas: s.deploy?.replicas ?? 1,
    dependsOn: Array.isArray(s.depends_on) ? s.depends_on : Object.keys(s.depends_on ?? {}),
    profiles: s.profiles ?? [],
    volumes: volumesOf(s.volumes, join(path, '..')),
    healthcheck: healthcheckOf(s.healthcheck),
    secrets: secretsOf(name, s.secrets),
  }));
}

/**
 * A service's environment with every /run/secrets/<name> path (a secret it mounts) replaced by the
 * host file holding that secret; `hostFile` may redirect them (a test's own generated secrets).
 * A path to a secret the service does not mount is an error: the container could not read it.
 */
export function localSecrets(s: ComposeService, env: Record<string, string>, hostFile: (secret: { name: string; file: string }) => string = (x) => x.file): Record<string, string> {
  return Object.fromEntries(Object.entries(env).map(([k, v]) => {
    if (!v.startsWith(`${SECRETS_DIR}/`)) return [k, v];
    const name = v.slice(SECRETS_DIR.length + 1);
    const secret = s.secrets.find((x) => x.name === name);
    if (!secret) throw new Error(`compose.yaml: ${s.name}: ${k}=${v} names a secret the service does not mount`);
    return [k, hostFile(secret)];
  }));
}

/** A container path in a command rewritten to the host path it is mounted from (for local runs). */
export function localCommand(s: ComposeService): string[] {
  return s.command.map((arg) => {
    const v = s.volumes.find((m) => arg === m.container || arg.startsWith(`${m.container}/`));
    return v ? v.host + arg.slice(v.container.length) : arg;
  });
}

/**
 * Parses a service's command with the jiq CLI's real option parser (every flag, value parser and
 * JIQ_* variable as the container would see them) without running it; returns the options the
 * command would get. Throws what the CLI would print for a bad command.
 */
export async function parseWithCli(command: string[], env: Record<string, string>): Promise<Record<string, unknown>> {
  const program = buildProgram();
  let parsed: Record<string, unknown> | undefined;
  for (const c of program.commands) {
    c.action((...args: unknown[]) => {
      parsed = (args.at(-1) as { opts(): Record<string, unknown> }).opts();
    });
  }
  const saved = { ...process.env };
  Object.assign(process.env, env);
  try {
    await program.parseAsync(command, { from: 'user' });
  } finally {
    for (const k of Object.keys(env)) if (!(k in saved)) delete process.env[k];
    Object.assign(process.env, saved);
  }
  if (!parsed) throw new Error(`jiq ${command.join(' ')}: no command ran`);
  return parsed;
}

/** Services in dependency order (a service after everything it depends on). */
export function startOrder(services: ComposeService[]): ComposeService[] {
  const byName = new Map(services.map((s) => [s.name, s]));
  const out: ComposeService[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (s: ComposeService): void => {
    if (state.get(s.name) === 'done') return;
    if (state.get(s.name) === 'visiting') throw new Error(`compose.yaml: depends_on cycle through ${s.name}`);
    state.set(s.name, 'visiting');
    for (const d of s.dependsOn) {
      const dep = byName.get(d);
      if (!dep) throw new Error(`compose.yaml: ${s.name} depends on unknown service ${d}`);
      visit(dep);
    }
    state.set(s.name, 'done');
    out.push(s);
  };
  for (const s of services) visit(s);
  return out;
}

/**
 * The environment of a service run locally: every `scheme://<service>[:port]` in a value is
 * rewritten — to the test's own server when the service is replaced (nats, redis), else to
 * 127.0.0.1 with the same port (another jiq service).
 */
export function localEnv(env: Record<string, string>, serviceNames: string[], replaced: Record<string, string>): Record<string, string> {
  const names = new Set(serviceNames);
  const rewrite = (v: string): string =>
    v.replace(/\b([a-z][a-z0-9+.-]*):\/\/([A-Za-z0-9_.-]+)(:\d+)?/g, (whole, _scheme: string, host: string, port: string | undefined) => {
      const to = replaced[host];
      if (to !== undefined) return to;
      if (names.has(host)) return `${_scheme}://127.0.0.1${port ?? ''}`;
      return whole;
    });
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, rewrite(v)]));
}
