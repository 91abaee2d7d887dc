import pino, { type Logger } from 'pino';

export type { Logger } from 'pino';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * pino to stderr (stdout is reserved for --json results): JSON lines, or pretty when stderr
 * is a terminal. Level: the argument, else JIQ_LOG_LEVEL, else "info".
 */
export function createLogger(name: string, level?: string): Logger {
  const chosen = level ?? process.env.JIQ_LOG_LEVEL ?? 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(chosen)) {
    throw new Error(`log level: must be one of ${LOG_LEVELS.join(', ')} (got ${JSON.stringify(chosen)})`);
  }
  if (process.stderr.isTTY) {
    return pino({
      name,
      level: chosen,
      transport: { target: 'pino-pretty', options: { destination: 2, colorize: true, translateTime: 'HH:MM:ss.l' } },
    });
  }
  return pino({ name, level: chosen }, pino.destination({ fd: 2, sync: false }));
}
