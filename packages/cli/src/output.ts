import { JiqConfigError, JiqError } from '@jiq/core';

/** Prints a command's result: exactly one JSON object on stdout under --json, else text. */
export function printResult(result: object, json: boolean, text: () => string): void {
  if (json) process.stdout.write(`${JSON.stringify(result, jsonReplacer)}\n`);
  else process.stdout.write(`${text()}\n`);
}

/** Non-finite numbers are not JSON: emit null rather than a silent 0 or a parse error. */
function jsonReplacer(_key: string, value: unknown): unknown {
  return typeof value === 'number' && !Number.isFinite(value) ? null : value;
}

/** Exit codes: 2 for bad input, 1 for any other failure. */
export function exitCodeFor(err: unknown): number {
  return err instanceof JiqError && err.name === 'JiqConfigError' ? 2 : 1;
}

export function reportError(err: unknown): void {
  let message = err instanceof Error ? err.message : String(err);
  // Library options are named like `meanServiceMs`; on the command line they are flags.
  if (err instanceof JiqConfigError && !err.field.startsWith('-') && /^[a-z][A-Za-z]*$/.test(err.field)) {
    message = `--${err.field.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}${message.slice(err.field.length)}`;
  }
  process.stderr.write(`jiq: error: ${message}\n`);
  if (process.env.JIQ_DEBUG && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
}
