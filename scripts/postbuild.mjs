// Makes the jiq bin executable after tsc (npm links bins before `prepare` builds them).
import { chmodSync, existsSync } from 'node:fs';

const bin = new URL('../packages/cli/dist/bin.js', import.meta.url);
if (existsSync(bin)) chmodSync(bin, 0o755);
