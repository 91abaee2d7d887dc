import { stripVTControlCharacters } from 'node:util';
import { JiqConfigError, JiqError } from '@jiq/core';

/** Prints a command's result: exactly one JSON object on stdout under --json, else text. */
export function printResult(result: object, json: boolean, text: () => string): void {
  if (json) process.stdout.write(`${JSON.stringify(result, jsonReplacer)}\n`);
  else process.stdout.write(`${colourIfTerminal(text())}\n`);
}

/** Colour codes (cli-table3's borders, ...) only on a terminal and without NO_COLOR: a file or pipe gets plain text. */
export function colourIfTerminal(text: string): string {
  const colour = process.stdout.isTTY === true && !process.env.NO_COLOR;
  return colour ? text : stripVTControlCharacters(text);
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
