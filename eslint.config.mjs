// Lint rules that keep the package graph honest: no floating promises, no import cycles,
// and no deep imports into another package's internals (each package's API is its index).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import importX from 'eslint-plugin-import-x';
import globals from 'globals';

export default tseslint.config(
  {
    ignores: ['**/dist/**', '**/node_modules/**', 'packages/shared/src/gen/**', 'packages/core/src/gen/**', 'reports/**', 'scripts/**/*.mjs'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    // Plain-JS examples and benchmarks are CommonJS scripts for Node.
    files: ['**/*.js', '**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { ...globals.node } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // The dashboard's page: an ES module for the browser, served as is (no build step).
    files: ['packages/dashboard/public/**/*.js'],
    languageOptions: { sourceType: 'module', globals: { ...globals.browser, uPlot: 'readonly' } },
  },
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: {
        project: ['./packages/*/tsconfig.json', './bench/peers/tsconfig.json', './tsconfig.tests.json'],
        tsconfigRootDir: import.meta.dirname,
      },
    },
    plugins: { 'import-x': importX },
    settings: {
      'import-x/resolver': { node: { extensions: ['.ts', '.js'] } },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@jiq/*/*'],
              message: 'Import a package through its public entry (@jiq/<name>), not its internals.',
            },
            {
              group: ['../../*/src/*', '../../packages/*', '**/packages/*/src/*', '**/packages/*/dist/*'],
              message: 'Import another package through @jiq/<name>, not by path.',
            },
          ],
        },
      ],
    },
  },
  {
    // The policy core is pure: the simulator and the model load it without Node I/O, gRPC, NATS,
    // Redis or pino. I/O lives at the edges (@jiq/shared and the process packages).
    files: ['packages/core/src/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['node:*', 'fs', 'net', 'http', 'http2', 'os', 'path', 'child_process', 'crypto'], message: 'The core does no I/O: take what you need as a parameter.' },
            { group: ['@grpc/*', 'nats', 'ioredis', 'pino', 'pino-*', 'protobufjs', 'protobufjs/*', '@jiq/*'], message: 'The core depends on nothing: no transports, Redis, logging or other jiq packages.' },
          ],
        },
      ],
    },
  },
);
