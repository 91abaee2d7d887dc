#!/usr/bin/env node
// The npm registry reachable from our machines serves only the linux builds of packages that
// publish one build per platform (rollup, esbuild, unrs-resolver, ...). npm then writes a lock
// without the other platforms' optional packages, and `npm ci` refuses that lock as out of
// sync. This adds the missing optional entries (name, version, os/cpu read off the name) so the
// lock is what a full registry would have produced; npm ci skips them on this platform.
import { readFileSync, writeFileSync } from 'node:fs';

const file = new URL('../package-lock.json', import.meta.url);
const lock = JSON.parse(readFileSync(file, 'utf8'));
const pkgs = lock.packages;
const OS = ['android', 'darwin', 'freebsd', 'linux', 'openbsd', 'netbsd', 'sunos', 'win32', 'aix', 'openharmony', 'wasm32'];
const CPU = { arm64: 'arm64', arm: 'arm', x64: 'x64', ia32: 'ia32', loong64: 'loong64', ppc64: 'ppc64', riscv64: 'riscv64', s390x: 's390x', mips64el: 'mips64el', wasm32: 'wasm32', '32': 'ia32', '64': 'x64' };
let added = 0;
for (const [path, meta] of Object.entries(pkgs)) {
  for (const [name, version] of Object.entries(meta.optionalDependencies ?? {})) {
    const base = path === '' ? '' : `${path}/`;
    const nested = `${base}node_modules/${name}`;
    const hoisted = `node_modules/${name}`;
    if (pkgs[nested] || pkgs[hoisted]) continue;
    const parts = name.split('/').pop().split('-');
    const os = parts.find((p) => OS.includes(p));
    const cpu = parts.map((p) => CPU[p]).find(Boolean);
    const entry = { version: String(version).replace(/^[\^~]/, ''), optional: true };
    if (meta.dev) entry.dev = true;
    if (os && os !== 'wasm32') entry.os = [os];
    if (cpu) entry.cpu = [cpu];
    pkgs[hoisted] = entry;
    added++;
  }
}
writeFileSync(file, `${JSON.stringify(lock, null, 2)}\n`);
console.error(`lock-optional-stubs: added ${added} entries`);
