import type { Command } from 'commander';

/** `jiq model`: being built (see the issue); registers nothing yet. */
export function registerModelCommand(_program: Command): void {}
