import type { Command } from 'commander';

/** `jiq sim`: being built (see the issue); registers nothing yet. */
export function registerSimCommand(_program: Command): void {}
