import { JiqConfigError } from '@jiq/core';

export const SYSTEMS = ['jiq-grpc', 'jiq-nats', 'bullmq-c1', 'bullmq-c10', 'bullmq-c50', 'nats-queue-group', 'grpc-echo'] as const;
export type SystemName = (typeof SYSTEMS)[number];

export type OutputFormat = 'table' | 'json' | 'markdown';

export interface PeersOptions {
  /** table: terminal tables; json: one JSON object on stdout; markdown: tables for the docs. */
  readonly output: OutputFormat;
  /** Render this saved --json result instead of measuring. */
  readonly from: string | undefined;
  readonly quick: boolean;
  /** Interleaved repetitions; each figure is the median over them. */
  readonly reps: number;
  /** Closed-loop concurrency levels (jobs in flight). */
  readonly inFlight: readonly number[];
  readonly warmupMs: number;
  readonly windowMs: number;
  /** Open-loop arrival rate (jobs/s) of the latency table. */
  readonly openRate: number;
  readonly openWindowMs: number;
  readonly systems: readonly SystemName[];
  readonly payloadBytes: number;
}

const FULL = { reps: 3, inFlight: [1, 10, 64, 256], warmupMs: 1_000, windowMs: 3_000, openWindowMs: 5_000 };
const QUICK = { reps: 1, inFlight: [1, 64], warmupMs: 300, windowMs: 700, openWindowMs: 1_000 };

export const USAGE = `usage: npm run bench:peers [-- options]
  --json                 one JSON object on stdout (progress stays on stderr)
  --markdown             the report as Markdown tables
  --from <file.json>     render a saved --json result (tables, or --markdown) without measuring
  --quick                smoke run: 1 rep, in flight 1 and 64, short windows
  --reps <n>             interleaved repetitions, medians reported (default 3; quick 1)
  --in-flight <list>     closed-loop levels, e.g. 1,10,64,256
  --seconds <s>          measured window per point (default 3; quick 0.7)
  --warmup <s>           unmeasured warm-up per point (default 1; quick 0.3)
  --open-rate <jobs/s>   open-loop rate of the latency table (default 100)
  --open-seconds <s>     open-loop measured window (default 5; quick 1)
  --systems <list>       subset of ${SYSTEMS.join(',')}
  --payload-bytes <n>    job payload size (default 100)`;

const VALUED = new Set(['--from', '--reps', '--in-flight', '--seconds', '--warmup', '--open-rate', '--open-seconds', '--systems', '--payload-bytes']);

function positiveInt(field: string, raw: string | undefined, max: number): number {
  const n = Number(raw);
  if (raw === undefined || !Number.isInteger(n) || n < 1 || n > max) throw new JiqConfigError(field, `must be an integer in [1, ${max}]`, raw);
  return n;
}

function positiveSeconds(field: string, raw: string | undefined, max: number): number {
  const s = Number(raw);
  if (raw === undefined || !Number.isFinite(s) || s <= 0 || s > max) throw new JiqConfigError(field, `must be a number of seconds in (0, ${max}]`, raw);
  return Math.round(s * 1_000);
}

function list(field: string, raw: string | undefined): string[] {
  const items = (raw ?? '').split(',').map((x) => x.trim()).filter((x) => x !== '');
  if (items.length === 0) throw new JiqConfigError(field, 'must be a non-empty comma-separated list', raw);
  return items;
}

/** Parses the bench's flags; bad input throws JiqConfigError naming the flag and the rule. */
export function parseOptions(argv: readonly string[]): PeersOptions | 'help' {
  const flags = new Map<string, string | undefined>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--help' || arg === '-h') return 'help';
    if (arg === '--json' || arg === '--quick' || arg === '--markdown') {
      flags.set(arg, 'true');
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    if (!VALUED.has(name)) throw new JiqConfigError(name, `is not an option of bench:peers\n${USAGE}`);
    flags.set(name, eq > 0 ? arg.slice(eq + 1) : argv[++i]);
  }
  const quick = flags.has('--quick');
  const base = quick ? QUICK : FULL;
  const get = (name: string): string | undefined => flags.get(name);
  const inFlight = flags.has('--in-flight')
    ? list('--in-flight', get('--in-flight')).map((x) => positiveInt('--in-flight', x, 10_000))
    : base.inFlight;
  const systems = flags.has('--systems') ? list('--systems', get('--systems')) : [...SYSTEMS];
  for (const s of systems) {
    if (!(SYSTEMS as readonly string[]).includes(s)) throw new JiqConfigError('--systems', `each must be one of ${SYSTEMS.join(', ')}`, s);
  }
  if (flags.has('--json') && flags.has('--markdown')) throw new JiqConfigError('--markdown', 'cannot be combined with --json');
  const from = get('--from');
  if (flags.has('--from') && (from === undefined || from.trim() === '')) throw new JiqConfigError('--from', 'must name a JSON file written by --json', from);
  return {
    output: flags.has('--json') ? 'json' : flags.has('--markdown') ? 'markdown' : 'table',
    from,
    quick,
    reps: flags.has('--reps') ? positiveInt('--reps', get('--reps'), 50) : base.reps,
    inFlight: [...new Set(inFlight)].sort((a, b) => a - b),
    warmupMs: flags.has('--warmup') ? positiveSeconds('--warmup', get('--warmup'), 600) : base.warmupMs,
    windowMs: flags.has('--seconds') ? positiveSeconds('--seconds', get('--seconds'), 600) : base.windowMs,
    openRate: flags.has('--open-rate') ? positiveInt('--open-rate', get('--open-rate'), 100_000) : 100,
    openWindowMs: flags.has('--open-seconds') ? positiveSeconds('--open-seconds', get('--open-seconds'), 600) : base.openWindowMs,
    systems: SYSTEMS.filter((s) => systems.includes(s)),
    payloadBytes: flags.has('--payload-bytes') ? positiveInt('--payload-bytes', get('--payload-bytes'), 1 << 20) : 100,
  };
}
