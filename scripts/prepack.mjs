#!/usr/bin/env node
// Runs as each package's `prepack` (npm pack / npm publish, in the package's folder): puts the
// repository's one LICENSE into the tarball, and refuses to pack a package that was not built.
import { copyFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const pkg = process.cwd();
copyFileSync(new URL('../LICENSE', import.meta.url), join(pkg, 'LICENSE'));
if (!existsSync(join(pkg, 'dist', 'index.js'))) {
  process.stderr.write(`prepack: ${pkg}/dist/index.js is missing; run \`npm run build\` at the repository root first\n`);
  process.exit(1);
}
