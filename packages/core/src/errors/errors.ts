import { ErrorCode } from '../gen/enums';

/** Base class of every error jiq throws on purpose. */
export class JiqError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/**
 * Bad configuration or input: names the field (a flag like `--lambda` or an option like
 * `options.d`) and the rule it broke.
 */
export class JiqConfigError extends JiqError {
  constructor(
    readonly field: string,
    readonly rule: string,
    readonly value?: unknown,
    options?: { cause?: unknown },
  ) {
    super(`${field}: ${rule}${value === undefined ? '' : ` (got ${formatValue(value)})`}`, options);
  }
}

/** The name of an error code: `'HANDLER_FAILED'`, `'UNAVAILABLE'`, ... */
export type ErrorCodeName = keyof typeof ErrorCode;

/**
 * A job did not produce a result; `code` says why (same codes as the wire): compare it with the
 * named constants, `err.code === ErrorCode.HANDLER_FAILED`, or read `err.codeName`.
 */
export class JiqJobError extends JiqError {
  readonly codeName: ErrorCodeName | 'UNKNOWN';

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly jobId: string,
    options?: { cause?: unknown },
  ) {
    const name = ErrorCode[code] as ErrorCodeName | undefined;
    super(`job ${jobId}: ${name ?? code}: ${message}`, options);
    this.codeName = name ?? 'UNKNOWN';
  }
}

/** No dispatcher (or worker) could be reached. */
export class JiqUnavailableError extends JiqError {
  constructor(
    message: string,
    readonly address?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A connection or call did not complete in time. */
export class JiqTimeoutError extends JiqError {
  constructor(
    message: string,
    readonly timeoutMs: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

function formatValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}

/**
 * A dispatcher refused this connection or call: `code` is UNAUTHENTICATED (no or wrong token),
 * PERMISSION_DENIED (e.g. a worker id bound to another live connection) or INVALID_ARGUMENT.
 */
export class JiqRefusedError extends JiqError {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly address?: string,
    options?: { cause?: unknown },
  ) {
    super(`${ErrorCode[code] ?? code}: ${message}`, options);
  }
}
