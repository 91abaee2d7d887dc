import pino, { type Logger } from 'pino';

export type { Logger } from 'pino';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** The library's default: jiq logs nothing unless it is given a logger. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

/** pino-pretty is an optional dependency (the CLI has it): pretty output only where it is installed. */
function hasPinoPretty(): boolean {
  try {
    require.resolve('pino-pretty');
    return true;
  } catch {
    return false;
  }
}

/**
 * pino to stderr (stdout is reserved for --json results): JSON lines, or pretty when stderr
 * is a terminal and pino-pretty is installed. Level: the argument, else JIQ_LOG_LEVEL, else "info".
 */
export function createLogger(name: string, level?: string): Logger {
  const chosen = level ?? process.env.JIQ_LOG_LEVEL ?? 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(chosen)) {
    throw new Error(`log level: must be one of ${LOG_LEVELS.join(', ')} (got ${JSON.stringify(chosen)})`);
  }
  if (process.stderr.isTTY && hasPinoPretty()) {
    return pino({
      name,
      level: chosen,
      transport: { target: 'pino-pretty', options: { destination: 2, colorize: true, translateTime: 'HH:MM:ss.l' } },
    });
  }
  return pino({ name, level: chosen }, pino.destination({ fd: 2, sync: false }));
}
